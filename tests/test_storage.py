"""Photo storage: what goes in comes out, with its type, and a bad key never reaches outside the folder."""

from __future__ import annotations

import pytest

from bot.core.storage import LocalStorage, PhotoNotFound, storage_for


def test_put_then_get(tmp_path):
    store = LocalStorage(tmp_path / "photos")
    key = store.put(b"\x89PNG fake bytes", "image/png")
    assert key.endswith(".png") and store.get(key) == (b"\x89PNG fake bytes", "image/png")
    other = store.put(b"\xff\xd8 jpeg", "image/jpeg")
    assert other != key and store.get(other)[1] == "image/jpeg"
    assert sorted(p.suffix for p in (tmp_path / "photos").rglob("*") if p.is_file()) == [".jpg", ".png"]


def test_only_photo_types_are_stored(tmp_path):
    with pytest.raises(ValueError, match="unsupported"):
        LocalStorage(tmp_path).put(b"<html>", "text/html")


@pytest.mark.parametrize("key", ["../secrets/secret_key.png", "/etc/passwd", "a/../../b.png", "2026/11/x.txt", "",
                                 "2026/11/missing.png"])
def test_bad_or_missing_keys_are_not_found(tmp_path, key):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "secret_key.png").write_bytes(b"do not serve")
    with pytest.raises(PhotoNotFound):
        LocalStorage(tmp_path / "photos").get(key)


def test_default_storage_lives_in_the_data_directory(settings):
    store = storage_for(settings)
    key = store.put(b"RIFF....WEBP", "image/webp")
    assert (settings.data_dir / "photos" / key).read_bytes() == b"RIFF....WEBP"
