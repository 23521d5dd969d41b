"""Signed, expiring links: the only way a shipment page or a delivery photo leaves the building.

A link carries what it opens and when it was made, signed with the installation's secret key; anyone
without the link (or with an old one) gets nothing.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

TRACKING_MAX_AGE = 30 * 24 * 3600  # a tracking link lives as long as a delivery plausibly does
PHOTO_MAX_AGE = 24 * 3600  # a proof-of-delivery photo link is for looking now, not for sharing


class InvalidLink(ValueError):
    pass


class LinkSigner:
    def __init__(self, secret_key: str, base_url: str) -> None:
        self._secret = secret_key
        self.base_url = base_url.rstrip("/")

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"parcelbot.{purpose}")

    def sign(self, purpose: str, payload: dict) -> str:
        return self._serializer(purpose).dumps(payload)

    def load(self, purpose: str, token: str, max_age: int, fields: tuple[str, ...] = ("m", "t")) -> dict[str, str]:
        """The link's payload, which must be an object whose `fields` are all non-empty strings with no NUL. A link
        signed with our key but of another shape (an older version, another purpose's layout, a leaked key's
        experiment) is refused like a bad signature: the pages that read it never meet a surprise."""
        try:
            data = self._serializer(purpose).loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise InvalidLink("this link has expired") from exc
        except BadSignature as exc:
            raise InvalidLink("this link is not valid") from exc
        # NUL: no database stores it (psycopg refuses it), so a field holding one names nothing we have.
        if not isinstance(data, dict) or not all(isinstance(data.get(f), str) and data[f] and "\x00" not in data[f]
                                                 for f in fields):
            raise InvalidLink("this link is not valid")
        return data

    def tracking_url(self, merchant_slug: str, tracking_number: str, carrier: str | None = None) -> str:
        """A link to one parcel: its number and, given, its carrier ("c"), as one merchant may hold two carriers'
        parcels under one number, each someone else's; the page opens the one the link was made for, or none."""
        token = self.sign("track", _parcel({"m": merchant_slug, "t": tracking_number}, carrier))
        return f"{self.base_url}/t/{token}"

    def photo_url(self, merchant_slug: str, tracking_number: str, key: str, carrier: str | None = None) -> str:
        token = self.sign("photo", _parcel({"m": merchant_slug, "t": tracking_number, "k": key}, carrier))
        return f"{self.base_url}/pod/{token}"


def _parcel(payload: dict[str, str], carrier: str | None) -> dict[str, str]:
    return {**payload, "c": carrier} if carrier else payload


def link_carrier(data: dict) -> str | None:
    """The carrier a link names, if any (links made before carriers were named have none). A field of another
    shape (not a non-empty string, or one with NUL) names no parcel we have: InvalidLink."""
    carrier = data.get("c")
    if carrier is None:
        return None
    if not isinstance(carrier, str) or not carrier or "\x00" in carrier:
        raise InvalidLink("this link is not valid")
    return carrier
