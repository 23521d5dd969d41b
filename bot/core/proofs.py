"""What a conversation has proved, per parcel: "this chat may see (or change) PB123, proven by X, until T".

A proof is earned by texting from the recipient's own number, by the tracking or order number plus the
delivery postcode ("tracking_and_postcode"), or by a one-time code ("otp"), and lasts
settings.verified_minutes. Kept on the conversation row, so any worker (and later the console) reads it.

A proof names the parcel by its number AND its carrier ("c"): one merchant may hold two carriers' parcels under
one number, each someone else's, and proving one must never open the other (review 3). A proof written before
carriers were recorded has no "c" and lasts at most settings.verified_minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from backend import models as m


def live_proofs(conv: m.Conversation, now: datetime) -> list[dict]:
    """The conversation's per-parcel proofs that have not run out, oldest first."""
    return [
        e for e in conv.verified_shipment_ids or []
        if isinstance(e, dict) and datetime.fromisoformat(e["until"]) > now
    ]


def verified_tracking_numbers(conv: m.Conversation, now: datetime) -> list[str]:
    """Parcels this conversation proved it may see, newest proof last, while the proof lasts."""
    return [e["t"] for e in live_proofs(conv, now) if e.get("t")]


def verified_parcels(conv: m.Conversation, now: datetime) -> list[tuple[str, str | None]]:
    """(number, carrier) of each parcel proved within the window, newest proof last."""
    return [(str(e["t"]), _carrier(e)) for e in live_proofs(conv, now) if e.get("t")]


def proved_parcels(conv: m.Conversation) -> dict[str, str | None]:
    """Every parcel this conversation has proved, whether or not the proof still lasts, as number -> carrier: what
    a person in the console may act on for this shopper (they, not the shopper, act, and the audit names them)."""
    return {str(e["t"]): _carrier(e) for e in conv.verified_shipment_ids or [] if isinstance(e, dict) and e.get("t")}


def verification_for(conv: m.Conversation, tracking_number: str, now: datetime, carrier: str | None = None
                     ) -> str | None:
    """How this conversation proved it may act on this parcel (this carrier's, when given), if it did within the
    window."""
    return next((e.get("by") for e in live_proofs(conv, now) if e.get("t") == tracking_number
                 and (carrier is None or _carrier(e) in (None, carrier))), None)


def mark_verified(conv: m.Conversation, tracking_number: str, how: str, now: datetime, minutes: int, *,
                  carrier: str) -> None:
    until = now + timedelta(minutes=minutes)
    keep = [e for e in live_proofs(conv, now) if e.get("t") != tracking_number]
    conv.verified_shipment_ids = [*keep, {"t": tracking_number, "c": carrier, "by": how, "until": until.isoformat()}]
    conv.verified_until = until
    conv.verified_by = how


def _carrier(entry: dict) -> str | None:
    carrier = entry.get("c")
    return str(carrier) if carrier else None
