"""Proof of delivery: photos are checked by decoding them, stored, and served only through signed links."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from backend import models as m
from tests.api.support import event, image_bytes, noisy_png, shipment


@pytest.fixture
def tracking(client, auth) -> str:
    body = shipment()
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    return body["tracking_number"]


def upload(client, auth, tracking, files, **form):  # noqa: ANN001, ANN201
    data = {**form, "photos": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/api/v1/shipments/{tracking}/proof-of-delivery", data=data, headers=auth,
                       content_type="multipart/form-data")


def test_a_real_png_is_stored_and_served_through_its_signed_link(client, auth, runtime, tracking):
    png = image_bytes("PNG")
    delivered_at = (datetime.now(UTC) - timedelta(minutes=5)).replace(microsecond=0).isoformat()
    response = upload(client, auth, tracking, [("porch.png", png)], place="Front porch", latitude="53.4794",
                      longitude="-2.2453", signature_name="S. Taylor", delivered_at=delivered_at)
    assert response.status_code == 201, response.get_json()
    pod = response.get_json()["proof_of_delivery"]
    assert pod["place"] == "Front porch" and pod["latitude"] == pytest.approx(53.4794)
    assert pod["signature_name"] == "S. Taylor" and pod["delivered_at"] == delivered_at
    [photo] = pod["photos"]
    assert photo["url"].startswith("https://bot.example.com/pod/")
    served = client.get(photo["url"].removeprefix("https://bot.example.com"))
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    with runtime.sessions() as session:
        record = session.scalar(select(m.ProofOfDeliveryRecord).join(m.Shipment)
                                .where(m.Shipment.tracking_number == tracking))
        assert record.photos == [photo["key"]]
        assert session.scalar(select(m.AuditEntry.action).where(m.AuditEntry.subject == tracking)
                              .order_by(m.AuditEntry.id.desc()).limit(1)) == "api_proof_of_delivery"


def test_jpeg_and_webp_are_accepted_and_a_second_upload_adds_photos(client, auth, runtime, tracking):
    first = upload(client, auth, tracking, [("a.jpg", image_bytes("JPEG"))])
    second = upload(client, auth, tracking, [("b.webp", image_bytes("WEBP"))], place="Side gate")
    assert first.status_code == 201 and second.status_code == 200
    photos = second.get_json()["proof_of_delivery"]["photos"]
    assert [p["key"].rsplit(".", 1)[1] for p in photos] == ["jpg", "webp"]
    assert second.get_json()["proof_of_delivery"]["place"] == "Side gate"


def test_a_phone_cameras_multi_picture_jpeg_is_a_jpeg(client, auth, tracking):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(out, "MPO", save_all=True,
                                                  append_images=[Image.new("RGB", (32, 24), (1, 2, 3))])
    response = upload(client, auth, tracking, [("IMG_0001.JPG", out.getvalue())])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["proof_of_delivery"]["photos"][0]["key"].endswith(".jpg")


def test_a_text_file_renamed_png_is_rejected(client, auth, runtime, tracking):
    response = upload(client, auth, tracking, [("photo.png", b"this is not an image, whatever its name says\n")])
    assert response.status_code == 422
    assert "not a JPEG, PNG or WebP" in response.get_json()["errors"]["photos[0]"]
    with runtime.sessions() as session:
        assert session.scalar(select(m.ProofOfDeliveryRecord).join(m.Shipment)
                              .where(m.Shipment.tracking_number == tracking)) is None


def test_a_truncated_png_and_a_gif_are_rejected(client, auth, tracking):
    gif = image_bytes("GIF")
    broken = image_bytes("PNG", (300, 300))[:-200]
    header_only = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    response = upload(client, auth, tracking, [("ok.png", image_bytes()), ("a.gif", gif), ("b.png", broken),
                                               ("c.png", header_only)])
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"photos[1]", "photos[2]", "photos[3]"}


def test_an_oversized_image_is_rejected(client, auth, tracking):
    big = noisy_png(10 * 1024 * 1024 + 1)
    response = upload(client, auth, tracking, [("big.png", big)])
    assert response.status_code == 422
    assert "10 MB" in response.get_json()["errors"]["photos[0]"]


def test_missing_photos_and_bad_fields_are_named(client, auth, tracking):
    response = client.post(f"/api/v1/shipments/{tracking}/proof-of-delivery", headers=auth,
                           data={"latitude": "95", "delivered_at": "soon"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"photos", "latitude", "longitude", "delivered_at"}


def _photo_path(client, auth, tracking) -> str:  # noqa: ANN001
    pod = upload(client, auth, tracking, [("p.png", image_bytes())]).get_json()["proof_of_delivery"]
    return pod["photos"][0]["url"].removeprefix("https://bot.example.com")


def test_a_tampered_photo_link_is_404(client, auth, tracking):
    path = _photo_path(client, auth, tracking)
    assert client.get(path).status_code == 200
    token = path.removeprefix("/pod/")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/pod/{tampered}").status_code == 404
    assert client.get("/pod/not-a-token").status_code == 404


def test_an_expired_photo_link_is_404(client, auth, runtime, tracking):
    path = _photo_path(client, auth, tracking)
    payload = runtime.links.load("photo", path.removeprefix("/pod/"), 3600)

    class TwoDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 2 * 24 * 3600

    old = URLSafeTimedSerializer(runtime.settings.secret_key, salt="parcelbot.photo", signer=TwoDaysAgo).dumps(payload)
    assert client.get(f"/pod/{old}").status_code == 404
    fresh = URLSafeTimedSerializer(runtime.settings.secret_key, salt="parcelbot.photo").dumps(payload)
    assert client.get(f"/pod/{fresh}").status_code == 200  # the same photo, signed now, is fine


def test_a_link_for_a_key_not_on_the_parcel_is_404(client, auth, runtime, tracking):
    _photo_path(client, auth, tracking)
    forged = runtime.links.photo_url("demo", tracking, "2026/11/someone-elses.png")
    assert client.get(forged.removeprefix("https://bot.example.com")).status_code == 404


def test_the_demo_parcels_photo_is_served(client, demo, runtime):
    url = runtime.links.photo_url("demo", "PB100000003GB", "demo/porch.png")
    served = client.get(url.removeprefix("https://bot.example.com"))
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data[:4] == b"\x89PNG"


def test_a_photo_after_the_delivered_text_follows_as_its_own_message(client, auth, runtime, tracking):
    client.post(f"/api/v1/shipments/{tracking}/events", json=event("delivered", 2), headers=auth)
    upload(client, auth, tracking, [("p.png", image_bytes())])
    outbox = client.get("/api/v1/outbox?to=%2B447700900111", headers=auth).get_json()
    delivered, photo = outbox[-2:]
    assert "delivered" in delivered["body"] and delivered["media_urls"] == []
    assert photo["media_urls"] and photo["media_urls"][0] in photo["body"]
    assert client.get(photo["media_urls"][0].removeprefix("https://bot.example.com")).status_code == 200


def test_an_upload_whose_record_fails_leaves_no_photo_behind(client, auth, runtime, tracking, monkeypatch):
    """The photos go into the database in the same unit of work as the record that names them: one that fails
    after the photos were checked keeps none of them (no orphan bytes nobody can reach or purge)."""
    from bot.web.api import routes

    def broken(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("recording failed")

    monkeypatch.setattr(routes.ingest, "record_pod", broken)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    response = upload(client, auth, tracking, [("porch.png", image_bytes("PNG"))], place="Front porch")
    assert response.status_code == 500
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(m.StoredPhoto)) == 0
    monkeypatch.undo()
    assert upload(client, auth, tracking, [("porch.png", image_bytes("PNG"))]).status_code == 201
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(m.StoredPhoto)) == 1
