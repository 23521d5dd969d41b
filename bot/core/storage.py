"""Where proof-of-delivery photos live: a tiny interface, so a deployment can swap the store for a bucket.

The default is the database (DatabaseStorage): every web host serves every photo with no shared volume, which
is what "stateless web hosts, all state in PostgreSQL" asks (docs/deployment.md), and the database's backup
covers them. Photos are at most 10 MB and an upload at most 10, so PostgreSQL's bytea holds them well; a
merchant with millions a month would want a bucket adapter (two methods). PARCELBOT_PHOTOS=disk keeps the older
LocalStorage (one host, or a shared volume). A photo stored on disk before the database became the default is
still served from there.

Keys are opaque and never public: a photo leaves the building only through a signed, expiring link
(bot.core.links.photo_url), served by GET /pod/<token>.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Text, cast, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from backend.db import READ_ONLY
from backend.models import ProofOfDeliveryRecord, StoredPhoto
from bot.config import Settings

CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_EXTENSIONS = {ext: ctype for ctype, ext in CONTENT_TYPES.items()}
_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.(?:jpg|png|webp)$")


class PhotoNotFound(KeyError):
    pass


class Storage(Protocol):
    def put(self, data: bytes, content_type: str, *, session: Session | None = None) -> str:
        """Store a photo; its key back. `session`: the unit of work that records it, where the store can join it
        (the database: a photo and its record commit together, or neither does)."""

    def get(self, key: str) -> tuple[bytes, str]: ...


class LocalStorage:
    """Files under one directory (settings.data_dir/"photos" by default), one per photo, named at random."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes, content_type: str, *, session: Session | None = None) -> str:
        key = new_key(content_type)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # never a half-written photo under a real key
        if session is not None:
            _removed_on_rollback(session, path, key)
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


def _removed_on_rollback(session: Session, path: Path, key: str) -> None:
    """A file can't join the transaction that records it: if that transaction rolls back (an unknown parcel, a
    database error), the file goes too, so no photo is left on disk that nothing points to. Whichever of commit and
    rollback comes first decides; each listener fires once.

    A rollback is not proof that nothing was recorded: a COMMIT the server applied whose answer was lost (the
    connection dropped) reaches us as a failure. So the file goes only when a fresh read says no proof names it;
    if that read fails too, it stays. An orphan file costs disk; a proof whose photo is gone costs the evidence."""
    decided = False

    def committed(_session: Session) -> None:
        nonlocal decided
        decided = True

    def rolled_back(rolled: Session) -> None:
        nonlocal decided
        if decided:
            return
        decided = True
        try:
            # a read only: on SQLite it mustn't queue for the write lock a locked database may still hold
            with rolled.get_bind().connect().execution_options(**{READ_ONLY: True}) as connection:
                named = connection.scalar(select(ProofOfDeliveryRecord.id).where(
                    cast(ProofOfDeliveryRecord.photos, Text).contains(key, autoescape=True)).limit(1))
        except SQLAlchemyError:
            return  # can't tell: keep it
        if named is None:
            path.unlink(missing_ok=True)

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_rollback", rolled_back, once=True)


class DatabaseStorage:
    """Photos as rows of `photos` (backend/models.StoredPhoto), written in the caller's unit of work when given
    one (a proof-of-delivery upload: the photos and the record commit together), else in one of their own."""

    def __init__(self, sessions: sessionmaker[Session], earlier: LocalStorage | None = None) -> None:
        self.sessions = sessions
        self.earlier = earlier  # where photos stored before this release are (read only)

    def put(self, data: bytes, content_type: str, *, session: Session | None = None) -> str:
        key = new_key(content_type)
        row = StoredPhoto(key=key, content_type=content_type, data=data)
        if session is not None:  # in the caller's transaction: committed with the record that names it
            session.add(row)
            return key
        with self.sessions() as own, own.begin():
            own.add(row)
        return key

    def get(self, key: str) -> tuple[bytes, str]:
        if not _KEY.match(key or ""):
            raise PhotoNotFound(key)
        with self.sessions() as session:
            row = session.execute(select(StoredPhoto.data, StoredPhoto.content_type)
                                  .where(StoredPhoto.key == key)).one_or_none()
        if row is not None:
            return bytes(row.data), row.content_type
        if self.earlier is not None:
            return self.earlier.get(key)
        raise PhotoNotFound(key)


def new_key(content_type: str) -> str:
    ext = CONTENT_TYPES.get(content_type)
    if ext is None:
        raise ValueError(f"unsupported content type {content_type!r}")
    return f"{datetime.now(UTC):%Y/%m}/{secrets.token_urlsafe(18)}.{ext}"


def storage_for(settings: Settings, sessions: sessionmaker[Session]) -> Storage:
    disk = LocalStorage(settings.data_dir / "photos")
    if settings.photo_store == "disk":
        return disk
    return DatabaseStorage(sessions, earlier=disk)
