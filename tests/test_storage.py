"""Photo storage: what goes in comes out, with its type, and a bad key never reaches outside the folder."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db import make_engine, make_session_factory
from bot.config import Settings
from bot.core.storage import DatabaseStorage, LocalStorage, PhotoNotFound, storage_for


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


def test_disk_storage_lives_in_the_data_directory(env):
    settings = Settings.from_env({**env, "PARCELBOT_PHOTOS": "disk"})
    store = storage_for(settings, _sessions(settings))
    key = store.put(b"RIFF....WEBP", "image/webp")
    assert isinstance(store, LocalStorage)
    assert (settings.data_dir / "photos" / key).read_bytes() == b"RIFF....WEBP"


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.database_url))


def test_by_default_photos_live_in_the_database_so_any_host_serves_them(env, tmp_path):
    """Two hosts: the same database, a data directory each (no shared volume). A photo put through one is read
    through the other, and nothing of it is on either disk."""
    host_a = Settings.from_env({**env, "PARCELBOT_DATA_DIR": str(tmp_path / "a")})
    host_b = Settings.from_env({**env, "PARCELBOT_DATA_DIR": str(tmp_path / "b")})
    a, b = storage_for(host_a, _sessions(host_a)), storage_for(host_b, _sessions(host_b))
    assert isinstance(a, DatabaseStorage) and isinstance(b, DatabaseStorage)
    photo = bytes(range(256)) * 40  # every byte value: stored as bytes, not text
    key = a.put(photo, "image/jpeg")
    assert key.endswith(".jpg") and b.get(key) == (photo, "image/jpeg")
    assert not any(p.is_file() for p in (tmp_path / "a").rglob("*.jpg"))
    assert not any(p.is_file() for p in (tmp_path / "b").rglob("*.jpg"))
    with pytest.raises(PhotoNotFound):
        b.get("2026/11/missing.png")
    with pytest.raises(PhotoNotFound):
        b.get("../secrets/secret_key.png")
    with pytest.raises(ValueError, match="unsupported"):
        a.put(b"<html>", "text/html")


def test_a_photo_stored_on_disk_before_the_database_default_is_still_served(env):
    settings = Settings.from_env(env)
    old_key = LocalStorage(settings.data_dir / "photos").put(b"\x89PNG from last year", "image/png")
    store = storage_for(settings, _sessions(settings))
    assert isinstance(store, DatabaseStorage) and store.get(old_key) == (b"\x89PNG from last year", "image/png")


def test_a_disk_photo_whose_record_is_rolled_back_is_not_left_behind(env):
    """A file can't join a transaction: a photo written for an upload whose record then failed stayed on disk
    with nothing pointing to it. It now goes with the rollback, and stays with a commit (and a later rollback of
    the same session leaves it be)."""
    from backend.db import transaction

    settings = Settings.from_env({**env, "PARCELBOT_PHOTOS": "disk"})
    sessions = _sessions(settings)
    store = storage_for(settings, sessions)
    photos = settings.data_dir / "photos"
    with pytest.raises(LookupError), transaction(sessions) as session:
        store.put(b"RIFF....WEBP", "image/webp", session=session)
        raise LookupError("no such parcel")  # the upload's record fails after the photo was written
    assert not any(p.is_file() for p in photos.rglob("*.webp"))
    with sessions() as session:
        with session.begin():
            kept = store.put(b"RIFF....WEBP", "image/webp", session=session)
        session.begin()
        session.rollback()  # a later transaction of the same session rolls back: the committed photo stays
    assert (photos / kept).is_file()


def test_a_disk_photo_whose_commit_was_applied_but_reported_failed_stays(runtime, demo, monkeypatch):
    """A COMMIT the server applied whose answer was lost reaches us as a failure and a rollback: the photo's
    record exists, so deleting the file on that rollback broke the proof for good. The file goes only when a
    fresh read says no proof names it."""
    from sqlalchemy import select
    from sqlalchemy.exc import OperationalError

    from backend import models as m
    from backend.db import transaction

    sessions = runtime.sessions
    store = storage_for(dataclasses.replace(runtime.settings, photo_store="disk"), sessions)
    with transaction(sessions) as session:
        session.add(m.Shipment(merchant_id=demo.id, tracking_number="PB900000001GB", status="delivered",
                               recipient_name="Ann", address_line1="1 High St", city="Leeds", postcode="LS1 1AA"))
    dialect = sessions.kw["bind"].dialect
    applied = dialect.do_commit

    def lost_answer(dbapi_connection):  # noqa: ANN001, ANN202
        applied(dbapi_connection)
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    with pytest.raises(OperationalError), transaction(sessions) as session:
        key = store.put(b"RIFF....WEBP", "image/webp", session=session)
        shipment_id = session.scalar(select(m.Shipment.id).where(m.Shipment.tracking_number == "PB900000001GB"))
        session.add(m.ProofOfDeliveryRecord(shipment_id=shipment_id, photos=[key]))
        monkeypatch.setattr(dialect, "do_commit", lost_answer)
    monkeypatch.setattr(dialect, "do_commit", applied)
    with sessions() as session:
        assert session.scalar(select(m.ProofOfDeliveryRecord.photos).where(
            m.ProofOfDeliveryRecord.shipment_id == shipment_id)) == [key]  # the record is there...
    assert store.get(key)[0] == b"RIFF....WEBP"  # ...and so is its photo


def test_the_check_after_a_rollback_does_not_queue_for_sqlites_write_lock(env):
    """From review: on SQLite every transaction began with BEGIN IMMEDIATE, the check that no proof names a
    rolled-back photo included, so when the rollback came from a locked database the check waited out the busy
    timeout again (10 s more for the request) and then kept the file. It only reads: a WAL reader needn't wait."""
    import os

    if os.environ.get("PARCELBOT_TEST_DATABASE_URL"):
        pytest.skip("SQLite's single write lock")
    settings = Settings.from_env({**env, "PARCELBOT_PHOTOS": "disk"})
    sessions = _sessions(settings)
    store = storage_for(settings, sessions)
    engine = sessions.kw["bind"]
    from backend.db import upgrade

    upgrade(settings.database_url)
    session = sessions()
    session.begin()
    key = store.put(b"RIFF....WEBP", "image/webp", session=session)
    with engine.connect() as writer:
        writer.begin()  # another writer holds the write lock
        session.rollback()  # the upload failed: is its photo named anywhere?
        writer.rollback()
    session.close()
    assert not (settings.data_dir / "photos" / key).exists(), "the read queued behind the writer and kept the file"
