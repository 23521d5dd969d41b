"""Proof-of-delivery photos in and out.

In: a file is accepted only if Pillow decodes it as a JPEG, PNG or WebP within the size limits; its name
and the content type the client claimed are ignored (a text file called photo.png is not a photo).
Out: GET /pod/<token> serves a stored photo to whoever holds a valid signed link, and nobody else.
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache

from flask import Blueprint, Response, abort
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from backend import models as m
from bot.core.links import PHOTO_MAX_AGE, InvalidLink, link_carrier
from bot.core.storage import PhotoNotFound, Storage
from bot.web.ext import current_runtime

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel photo; beyond that, decoding alone could exhaust memory
MAX_PHOTOS = 10
DECODERS = ["JPEG", "PNG", "WEBP"]  # the only decoders Pillow may try: no exotic format parsers on uploads
# MPO is how many phone cameras write a JPEG (a JPEG with extra pictures appended): it is a JPEG.
FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

pod_bp = Blueprint("pod", __name__)


class BadPhoto(ValueError):
    pass


def check_photo(data: bytes) -> str:
    """The photo's real content type, from decoding it; BadPhoto says why it isn't acceptable."""
    if not data:
        raise BadPhoto("the file is empty")
    if len(data) > MAX_BYTES:
        raise BadPhoto(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=DECODERS) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise BadPhoto(f"more than {MAX_PIXELS // 1_000_000} megapixels")
                kind = img.format
                img.load()  # decode every pixel: a truncated or corrupt file fails here, not in a browser
    except BadPhoto:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadPhoto("not a JPEG, PNG or WebP image") from exc
    except Exception as exc:  # a malformed file can trip a decoder in many ways; all mean "not a usable photo"
        raise BadPhoto("the image is damaged or incomplete") from exc
    if kind not in FORMATS:
        raise BadPhoto("not a JPEG, PNG or WebP image")
    return FORMATS[kind]


def storage() -> Storage:
    """The runtime's photo storage (bot/runtime.py picks it)."""
    return current_runtime().storage


@pod_bp.get("/pod/<token>")
def photo(token: str) -> Response:
    rt = current_runtime()
    try:
        data = rt.links.load("photo", token, PHOTO_MAX_AGE, fields=("m", "t", "k"))
        carrier = link_carrier(data)
    except InvalidLink:
        abort(404, description="This photo link is not valid or has expired.")
    key = data["k"]
    # The parcel the link was made for (two carriers' parcels may share a number): its carrier's, if named.
    found = (select(m.ProofOfDeliveryRecord.photos)
             .join(m.Shipment, m.Shipment.id == m.ProofOfDeliveryRecord.shipment_id)
             .join(m.Merchant, m.Merchant.id == m.Shipment.merchant_id)
             .where(m.Merchant.slug == data["m"], m.Shipment.tracking_number == data["t"]))
    if carrier is not None:
        found = found.where(m.Shipment.carrier == carrier)
    with rt.sessions() as session:
        photos = [k for row in session.scalars(found) for k in row or ()]
    if key not in photos:
        abort(404, description="This photo is no longer available.")
    try:
        body, content_type = storage().get(key)
    except PhotoNotFound:
        if not key.startswith("demo/"):
            abort(404, description="This photo is no longer available.")
        body, content_type = demo_photo(), "image/png"
    return Response(
        body,
        mimetype=content_type,
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
            "Referrer-Policy": "no-referrer",
        },
    )


@lru_cache(maxsize=1)
def demo_photo() -> bytes:
    """The demo parcels' photo ("demo/..." keys), drawn on first use so no binary lives in the repo."""
    from PIL import ImageDraw

    img = Image.new("RGB", (640, 480), (205, 214, 222))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 330, 640, 480), fill=(150, 140, 128))  # the porch floor
    draw.rectangle((60, 40, 260, 330), fill=(93, 64, 55))  # the front door
    draw.ellipse((225, 180, 240, 195), fill=(212, 175, 55))
    draw.rectangle((330, 250, 520, 370), fill=(196, 154, 108), outline=(120, 90, 60), width=4)  # the parcel
    draw.line((425, 250, 425, 370), fill=(230, 225, 210), width=10)
    draw.text((20, 440), "Demo proof-of-delivery photo", fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
