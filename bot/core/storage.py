"""Where proof-of-delivery photos live: a tiny interface, so a deployment can swap the disk for a bucket.

Keys are opaque and never public: a photo leaves the building only through a signed, expiring link
(bot.core.links.photo_url), served by GET /pod/<token>.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bot.config import Settings

CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_EXTENSIONS = {ext: ctype for ctype, ext in CONTENT_TYPES.items()}
_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.(?:jpg|png|webp)$")


class PhotoNotFound(KeyError):
    pass


class Storage(Protocol):
    def put(self, data: bytes, content_type: str) -> str: ...

    def get(self, key: str) -> tuple[bytes, str]: ...


class LocalStorage:
    """Files under one directory (settings.data_dir/"photos" by default), one per photo, named at random."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes, content_type: str) -> str:
        ext = CONTENT_TYPES.get(content_type)
        if ext is None:
            raise ValueError(f"unsupported content type {content_type!r}")
        key = f"{datetime.now(UTC):%Y/%m}/{secrets.token_urlsafe(18)}.{ext}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # never a half-written photo under a real key
        return key

    def get(self, key: str) -> tuple[bytes, str]:
        path = self._path(key)
        if not path.is_file():
            raise PhotoNotFound(key)
        return path.read_bytes(), _EXTENSIONS[key.rsplit(".", 1)[1]]

    def _path(self, key: str) -> Path:
        # Keys come back from signed links and the database, but a bad one must never escape the root.
        if not _KEY.match(key or ""):
            raise PhotoNotFound(key)
        return self.root / key


def storage_for(settings: Settings) -> Storage:
    return LocalStorage(settings.data_dir / "photos")
