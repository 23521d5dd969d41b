"""Proactive delivery notifications: a tracking event that changes a parcel's status texts its recipient.

Shipped, out for delivery (with one-tap options), delayed, failed attempt (reschedule or redirect) and
delivered (with the proof-of-delivery photo). The rules every notification obeys:
- never to an opted-out number (checked now, and again by the sender just before it goes);
- never in the merchant's quiet hours: it waits, queued, until the morning (send_after);
- never twice for one event: the dedupe key is per event of the parcel (per status for "shipped" and
  "delivered"), and the merchant's own (another merchant may use the same tracking number: migration 0007). It
  names a later parcel of a reused number by its row: carriers reuse numbers, and a new parcel is told
  everything anew (parcel_key).
Wording comes from the wording service (defaults in training_data/responses/notifications.yml, the
merchant's overrides and brand, the channel's variant).

These functions only queue, inside the caller's unit of work; the caller asks for "send_outbox" on its
unit of work, which starts it only after the rows are committed (bot/core/uow.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend import local_time
from backend import models as m
from backend.masking import masked_place
from backend.types import ActionKind, Address
from bot.core.conversations import ConversationStore, Offer
from bot.core.events import DomainEvent
from bot.core.links import LinkSigner
from bot.core.merchant_config import MerchantConfig
from bot.core.outbox import by_key, is_opted_out, text_once
from bot.core.ports import BackendFactory
from bot.core.wording import Rendered, Wording

log = logging.getLogger(__name__)

OFFER_LIFETIME = timedelta(hours=12)
MAX_PHOTOS = 3

# status -> (kind, dedupe per status rather than per event, one-tap options offered)
KINDS: dict[str, tuple[str, bool, tuple[ActionKind, ...]]] = {
    "in_transit": ("shipped", True, ()),
    "out_for_delivery": (
        "out_for_delivery",
        False,
        (ActionKind.LEAVE_WITH_NEIGHBOUR, ActionKind.LEAVE_IN_SAFE_PLACE, ActionKind.RESCHEDULE),
    ),
    "exception": ("delayed", False, ()),
    "failed_attempt": ("failed_attempt", False, (ActionKind.RESCHEDULE, ActionKind.PICKUP_POINT)),
    "delivered": ("delivered", True, ()),
}
# The whole texts a notification sends (_body): each ends with the merchant's sign-off (signed), so a wording or
# brand check counts it in (bot/services/templates.py).
SIGNED_TEMPLATES = frozenset({f"utter_notify_{kind}" for kind, _, _ in KINDS.values()}
                             | {"utter_notify_out_for_delivery_stops"})


@dataclass(frozen=True)
class Context:
    """What every notification needs: the session, the merchant, links, wording, the carrier and the time."""

    session: Session
    merchant: m.Merchant
    links: LinkSigner
    now: datetime
    wording: Wording
    backends: BackendFactory
    default_timezone: str = "Europe/London"
    publish: Callable[[DomainEvent], None] = lambda _event: None  # the caller's unit of work: after commit
    # For a remote carrier, what it offers for each parcel, asked before the caller's transaction opened
    # (never a network call inside it); None: ask our own carrier here, or offer them all.
    remote_options: Mapping[str, frozenset[ActionKind]] | None = None

    @property
    def config(self) -> MerchantConfig:
        return MerchantConfig.of(self.merchant, default_timezone=self.default_timezone)

    @property
    def tz(self) -> ZoneInfo:
        return self.config.zone(self.default_timezone)

    @property
    def channel(self) -> str:
        return _channel(self.merchant)

    def render(self, key: str, **values: Any) -> str:
        return self.wording.render(key, merchant=self.config, channel=self.channel, **values)


def offers_options(status: str) -> bool:
    """Does a notification for this status come with one-tap options (so the carrier's offer matters)?"""
    return bool(KINDS.get(status, ("", False, ()))[2])


def parcel_key(session: Session, row: m.Shipment) -> str:
    """What a notification's dedupe key names the parcel by. Numbers are unique per merchant and carrier only, and
    carriers reuse them: keyed by number alone, a new parcel under an old parcel's number was never told "on the
    way" or "delivered" (those go once per parcel). The merchant's first parcel of a number keeps the number, the
    key every release has written, so a rolling deploy's older workers and the rows already stored agree with this
    one (a review found a rewrite of stored keys made older workers tell parcels twice); a later parcel of the same
    number is named by its row ("s" + id: a tracking number is upper case, bot/services/ingest_schema.py)."""
    first = session.scalar(select(func.min(m.Shipment.id)).where(m.Shipment.merchant_id == row.merchant_id,
                                                                  m.Shipment.tracking_number == row.tracking_number))
    return row.tracking_number if first in (None, row.id) else f"s{row.id}"


def dedupe_key(parcel: str, status: str, event_id: str) -> str:
    """The key of a status notification for the parcel named `parcel` (parcel_key): per event, or per status for
    the once-only ones."""
    kind, per_status, _ = KINDS[status]
    return f"notify:{parcel}:{kind if per_status else event_id}"


# -- quiet hours ------------------------------------------------------------------------------------------
def _clock(value: Any) -> time | None:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        return None


def quiet_until(merchant: m.Merchant, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When the quiet hours around `now` end (the next morning), or None if it's fine to text now."""
    quiet = MerchantConfig.of(merchant).quiet_hours
    if not quiet:
        return None  # the merchant switched quiet hours off
    start, end = _clock(quiet.get("start")), _clock(quiet.get("end"))
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(tz)
    t = local.time()
    if start < end:  # e.g. 13:00-14:00, within one day
        inside, end_day = start <= t < end, local.date()
    else:  # overnight, e.g. 21:00-08:00
        inside = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(now.tzinfo)


# -- wording ----------------------------------------------------------------------------------------------
def _parcel(row: m.Shipment) -> str:
    for item in row.items or []:
        name = str((item or {}).get("name") or "").strip()
        if name:
            more = len(row.items) - 1
            return f"{name} (+{more} more)" if more > 0 else name
    return row.tracking_number


def _window(ctx: Context, start: Any, end: Any, send_at: datetime) -> tuple[int | None, str]:
    """(days from the send day, "today 09:00-13:00"), or (None, "") when there is no window."""
    start_dt, end_dt = _parse_dt(start), _parse_dt(end)
    if start_dt is None or end_dt is None:
        return None, ""
    a, b = start_dt.astimezone(ctx.tz), end_dt.astimezone(ctx.tz)
    days = (a.date() - send_at.astimezone(ctx.tz).date()).days
    if days == 0:
        day = ctx.render("utter_notify_day_today")
    elif days == 1:
        day = ctx.render("utter_notify_day_tomorrow")
    else:
        day = local_time.day(a, ctx.config.region)
    return days, f"{day} {local_time.span(a, b, ctx.config.region)}"


def _parse_dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else None


def _options(ctx: Context, row: m.Shipment, kinds: tuple[ActionKind, ...]) -> list[ActionKind]:
    """The one-tap choices that are actually open for this parcel right now (all of them if unknown)."""
    if not kinds:
        return []
    try:
        if ctx.remote_options is not None and row.tracking_number in ctx.remote_options:
            available = set(ctx.remote_options[row.tracking_number])
            return [k for k in kinds if k in available]
        backend = ctx.backends(ctx.session, ctx.merchant, ctx.now)
        if getattr(backend, "is_remote", True):
            # Not asked beforehand, and never a network call inside the caller's transaction (bot/core/carrier.py):
            # offer them all; the journey a tap starts checks with the carrier before it proposes anything.
            return list(kinds)
        available = {o.kind for o in backend.available_actions(row.tracking_number) if o.available}
    except Exception:  # a slow or broken carrier must not stop the notification itself
        log.warning("couldn't check options for %s; offering them all", row.tracking_number, exc_info=True)
        return list(kinds)
    return [k for k in kinds if k in available]


def _offer_text(ctx: Context, options: list[ActionKind]) -> str:
    if not options:
        return ""
    parts = [ctx.render(f"utter_notify_option_{kind.value}", n=i) for i, kind in enumerate(options, 1)]
    return ctx.render("utter_notify_offer", options=Rendered(", ".join(parts)))


def _photo_urls(ctx: Context, row: m.Shipment) -> list[str]:
    pod = ctx.session.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
    keys = list((pod.photos if pod else None) or [])[:MAX_PHOTOS]
    return [ctx.links.photo_url(ctx.merchant.slug, row.tracking_number, k, row.carrier) for k in keys]


def _delivered_body(ctx: Context, row: m.Shipment, photos: list[str]) -> str:
    pod = ctx.session.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
    # masked as every reply masks an address: a text can be read by whoever holds the phone (review)
    where = masked_place(pod.place, Address(row.address_line1, row.city, row.postcode, row.country,
                                            row.address_line2)) if pod and pod.place else ""
    place = " " + ctx.render("utter_notify_delivered_place", place=where) if where else ""
    photo = ctx.render("utter_notify_photo_line", url=photos[0]) if photos else ""
    return ctx.render("utter_notify_delivered", parcel=_parcel(row), place=Rendered(place), photo=Rendered(photo))


def _body(ctx: Context, row: m.Shipment, kind: str, options: list[ActionKind], send_at: datetime,
          photos: list[str]) -> str:
    values: dict[str, Any] = {
        "parcel": _parcel(row),
        "tracking": row.tracking_number,
        "order": row.order_number or "",
        "link": ctx.links.tracking_url(ctx.merchant.slug, row.tracking_number, row.carrier),
        "offer": Rendered(_offer_text(ctx, options)),
    }
    live = row.live or {}
    eta = live.get("eta") or {}
    days, window = _window(ctx, eta.get("start") or row.eta_start, eta.get("end") or row.eta_end, send_at)
    if kind == "shipped":
        values["eta"] = Rendered(ctx.render("utter_notify_eta", window=window) if window else "")
        return ctx.render("utter_notify_shipped", **values)
    if kind == "out_for_delivery":
        # On the van means today: a planned window for another day is stale, so just say "today".
        values["window"] = window if days == 0 else ctx.render("utter_notify_day_today")
        stop, total = live.get("stop"), live.get("stops_total")
        if isinstance(stop, int) and isinstance(total, int) and 0 < stop <= total:
            return ctx.render("utter_notify_out_for_delivery_stops", stop=stop, total=total, **values)
        return ctx.render("utter_notify_out_for_delivery", **values)
    if kind == "delivered":
        return _delivered_body(ctx, row, photos)
    return ctx.render(f"utter_notify_{kind}", **values)


# -- queueing ---------------------------------------------------------------------------------------------
def _channel(merchant: m.Merchant) -> str:
    wanted = MerchantConfig.of(merchant).notification_channel
    return "whatsapp" if wanted == "whatsapp" and merchant.whatsapp_number else "sms"


def _enabled(merchant: m.Merchant, kind: str) -> bool:
    return MerchantConfig.of(merchant).notification_enabled(kind)


def notify_status(ctx: Context, row: m.Shipment, event: m.TrackingEvent) -> m.Message | None:
    """Queue the notification for a new event that changed the parcel's status; None if none is due."""
    if event.status not in KINDS or not row.recipient_phone:
        return None
    kind, _, offer_kinds = KINDS[event.status]
    parcel = parcel_key(ctx.session, row)  # one read for every key of this notification
    phone, key = row.recipient_phone, dedupe_key(parcel, event.status, event.event_id)
    if not _enabled(ctx.merchant, kind) or is_opted_out(ctx.session, ctx.merchant, phone):
        return None
    if by_key(ctx.session, ctx.merchant.id, key) is not None:
        return None  # this event (or this once-only status) has already been notified
    send_after = quiet_until(ctx.merchant, ctx.now, ctx.tz)
    send_at = send_after or ctx.now
    options = _options(ctx, row, offer_kinds)
    photos = _photo_urls(ctx, row) if kind == "delivered" else []
    body = signed(ctx.config, _body(ctx, row, kind, options, send_at, photos))
    channel = _channel(ctx.merchant)
    conv = conversation_for(ctx.session, ctx.merchant, channel, phone)
    _supersede_held(ctx, parcel)
    msg = text_once(ctx.session, ctx.publish, merchant=ctx.merchant, channel=channel, to=phone, body=body,
                    media_urls=photos, conversation_id=conv.id, dedupe_key=key, send_after=send_after, racing=True)
    if msg is None:
        return None  # a concurrent request queued it first, or the shopper opted out meanwhile
    set_offer(conv, row.tracking_number, options, send_at + OFFER_LIFETIME)
    if kind == "delivered" and ctx.config.survey_after_delivery:
        _ask_survey(ctx, conv, row, parcel, channel, send_after)
    return msg


def signed(config: MerchantConfig, body: str) -> str:
    """A proactive text ends with the merchant's sign-off, if it has one: the shopper didn't start this
    conversation, so it says who is writing. Replies in a conversation don't repeat it."""
    return f"{body}\n{config.sign_off}" if config.sign_off else body


def _ask_survey(ctx: Context, conv: m.Conversation, row: m.Shipment, parcel: str, channel: str,
                send_after: datetime | None) -> None:
    """After a delivery, if the merchant asks for it: "How did we do? Reply 1-5", once per parcel. The reply is
    read by the survey step (dialogues/kit/survey.py) and counted in the merchant's results."""
    if text_once(ctx.session, ctx.publish, merchant=ctx.merchant, channel=channel, to=row.recipient_phone or "",
                 body=ctx.render("utter_notify_survey"), conversation_id=conv.id, dedupe_key=f"survey:{parcel}",
                 send_after=send_after, racing=True) is None:
        return  # asked already (a concurrent event), or the shopper opted out meanwhile
    state = _STORE.state(conv)
    state.survey_for = "delivery"
    _STORE.save(conv, state)


def notify_photo(ctx: Context, row: m.Shipment) -> m.Message | None:
    """A proof-of-delivery photo arrived: add it to the unsent "delivered" text, or send it on its own."""
    if row.status != "delivered" or not row.recipient_phone:
        return None
    photos = _photo_urls(ctx, row)
    parcel = parcel_key(ctx.session, row)
    delivered = by_key(ctx.session, ctx.merchant.id, f"notify:{parcel}:delivered")
    if delivered is None or not photos:
        return None  # not notified (opted out, or no event yet): the delivered text will carry the photo
    if delivered.status == "queued" and delivered.attempts == 0:
        changed = ctx.session.execute(
            update(m.Message)
            .where(m.Message.id == delivered.id, m.Message.status == "queued", m.Message.attempts == 0)
            .values(body=_delivered_body(ctx, row, photos), media_urls=photos)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if changed == 1:
            return delivered
    if delivered.media_urls or delivered.status not in {"sent", "sandbox", "queued"} or by_key(
            ctx.session, ctx.merchant.id, f"notify:{parcel}:pod") is not None:
        return None
    if not _enabled(ctx.merchant, "delivered") or is_opted_out(ctx.session, ctx.merchant, row.recipient_phone):
        return None
    body = ctx.render("utter_notify_pod_photo", parcel=_parcel(row), url=photos[0])
    return text_once(ctx.session, ctx.publish, merchant=ctx.merchant, channel=delivered.channel,
                     to=row.recipient_phone, body=body, media_urls=photos,
                     conversation_id=delivered.conversation_id, dedupe_key=f"notify:{parcel}:pod",
                     send_after=quiet_until(ctx.merchant, ctx.now, ctx.tz), racing=True)


def _supersede_held(ctx: Context, parcel: str) -> None:
    """A notification still held for the morning is out of date once the parcel has moved on again."""
    ctx.session.execute(
        update(m.Message)
        .where(
            m.Message.merchant_id == ctx.merchant.id,
            m.Message.dedupe_key.startswith(f"notify:{parcel}:", autoescape=True),
            m.Message.status == "queued",
            m.Message.attempts == 0,
            m.Message.send_after > ctx.now,
        )
        .values(status="superseded")
        .execution_options(synchronize_session="fetch")
    )


# -- the one-tap offer ------------------------------------------------------------------------------------
_STORE = ConversationStore()


def conversation_for(session: Session, merchant: m.Merchant, channel: str, phone: str) -> m.Conversation:
    """The shopper's conversation on that channel, created (with its contact) if they never wrote, and
    locked like a turn's: a notification and a shopper's message never overwrite each other's state."""
    return _STORE.open(session, merchant, channel, phone, phone=True)


def lock_conversation(session: Session, merchant: m.Merchant, phone: str) -> None:
    """Lock the shopper's conversation on the notification channel, if they have one (turn lock order)."""
    _STORE.find(session, merchant.id, _channel(merchant), phone, lock=True)


def set_offer(conv: m.Conversation, tracking: str, options: list[ActionKind], expires: datetime) -> None:
    """Store what "1", "2", "3" mean for this shopper; the router reads it. No options: clear a stale offer."""
    state = _STORE.state(conv)
    if options:
        state.offer = Offer({str(i): kind.value for i, kind in enumerate(options, 1)}, tracking, expires)
    elif state.offer is not None and state.offer.tracking == tracking:
        state.offer = None
    _STORE.save(conv, state)
