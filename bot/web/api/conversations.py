"""The conversation API (/api/v1/conversations): the agent console's page uses it, and so can a helpdesk
(Zendesk, Gorgias, Front) with the merchant's API key, acting as a named integration.

Who may call: an API key (Authorization: Bearer ...), or a person signed in to the console, whose
state-changing calls carry the page's CSRF token in X-CSRFToken (bot/web/console). Either way only the
caller's merchant's conversations exist: another merchant's id is a 404, never a 403 that confirms it.
Every move goes through bot/services/console.py: audited with the caller's name, announced after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, g, jsonify, request
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from backend import models as m
from bot.core.carrier import CarrierAnswers, CarrierSnapshot, NeedsCarrier, keep_ahead, keep_answer
from bot.core.conversations import Status
from bot.core.proofs import proved_parcels
from bot.services.agent_actions import AgentAction, apply_for_shopper
from bot.services.console import ONCE_MAX, Actor, ConsoleError
from bot.services.handoff import AlreadyTaken, HandoffError, subject_of
from bot.services.payments import conversation_payments
from bot.web.api.paging import BadPage, after, cursor_for, page_args
from bot.web.api.routes import (
    SESSION_ENDPOINTS,
    UNSTORABLE,
    _error,
    _now,
    _runtime,
    _storable,
    bp,
    merchant_id,
)
from bot.web.api.views import iso, shipment_json

LIST_MAX = 200
TRANSCRIPT_PAGE = 200  # messages a conversation shows at once; older ones a page at a time (?before=)
TRANSCRIPT_MAX = 1000
_STATUSES = {s.value for s in Status}


def actor() -> Actor:
    """Who is calling: the console's signed-in person, else the API key as an integration."""
    who = getattr(g, "console_agent", None)
    if who is not None:
        return Actor(who.actor, who.name, who.id)
    return Actor(f"api:{g.api_key.prefix}", request.headers.get("X-Parcelbot-Integration", "")[:40] or "Support",
                 None)


def _conversation(session: Session, conv_id: int) -> m.Conversation | None:
    conv = session.get(m.Conversation, conv_id)
    return conv if conv is not None and conv.merchant_id == merchant_id() else None


@dataclass(frozen=True)
class _Latest:
    """What a queue row shows besides the conversation: its last message, the shopper's last, whose it is."""

    last: m.Message | None = None
    said: m.Message | None = None
    assignee: m.User | None = None


def _latest(session: Session, convs: list[m.Conversation]) -> dict[int, _Latest]:
    """_Latest for each conversation in three statements, however many rows: the queue page reloads its rows
    on every message the merchant's shoppers send, and three statements a row made 300 for every agent's
    page at each of them."""
    ids = [c.id for c in convs]
    if not ids:
        return {}
    newest = select(func.max(m.Message.id)).where(m.Message.conversation_id.in_(ids))
    last = {x.conversation_id: x for x in session.scalars(select(m.Message).where(
        m.Message.id.in_(newest.group_by(m.Message.conversation_id))))}
    said = {x.conversation_id: x for x in session.scalars(select(m.Message).where(
        m.Message.id.in_(newest.where(m.Message.direction == "in").group_by(m.Message.conversation_id))))}
    people = {c.assignee_id for c in convs if c.assignee_id}
    users = {u.id: u for u in session.scalars(select(m.User).where(m.User.id.in_(people)))} if people else {}
    return {c.id: _Latest(last.get(c.id), said.get(c.id), users.get(c.assignee_id or 0)) for c in convs}


def summary_json(session: Session, conv: m.Conversation, *, now: Any, sla_minutes: tuple[int, int],
                 latest: _Latest | None = None) -> dict:
    """A row of the queue: who, where, why, how long, and whose."""
    known = latest if latest is not None else _latest(session, [conv])[conv.id]
    last, said = known.last, known.said
    waited = (now - conv.waiting_since) if conv.status == Status.WAITING.value and conv.waiting_since else None
    minutes = int(waited.total_seconds() // 60) if waited is not None else None
    sla = None if minutes is None else "ok" if minutes < sla_minutes[0] else "late" if minutes < sla_minutes[1] \
        else "breached"
    return {
        "id": conv.id, "channel": conv.channel, "shopper": conv.address, "status": conv.status,
        "reason": conv.handoff_reason, "waiting_since": iso(conv.waiting_since), "waiting_minutes": minutes,
        "sla": sla, "assignee": {"id": known.assignee.id, "name": known.assignee.name} if known.assignee else None,
        "last_message": ({"direction": last.direction, "body": _shown(last), "at": iso(last.created_at)}
                         if last is not None else None),
        "last_from_shopper": ({"body": said.body, "at": iso(said.created_at)} if said is not None else None),
        "last_message_at": iso(conv.last_message_at),
    }


UNDELIVERED = frozenset({"queued", "failed", "suppressed"})  # a reason on these says why it hasn't gone (yet)


def _shown(msg: m.Message) -> str:
    """A one-time code's text is for the shopper's phone only: a person never needs to read it."""
    return "(one-time code sent)" if (msg.dedupe_key or "").startswith("otp:") else msg.body


def message_json(msg: m.Message) -> dict[str, Any]:
    """`error`: why a text of ours didn't reach the shopper (yet): the transport's or the receipt's reason, so a
    person never takes a refused text for one that went (review 10: the console showed them alike)."""
    return {
        "id": msg.id, "direction": msg.direction, "channel": msg.channel, "body": _shown(msg),
        "media_urls": list(msg.media_urls or []), "at": iso(msg.created_at), "status": msg.status,
        "intent": msg.intent, "confidence": round(msg.confidence, 3) if msg.confidence is not None else None,
        "author": msg.author or ("shopper" if msg.direction == "in" else "bot"),
        "error": msg.error if msg.direction == "out" and msg.status in UNDELIVERED else None,
    }


def parcels_of(session: Session, conv: m.Conversation) -> list[m.Shipment]:
    """The shopper's parcels: those sent to this phone number, and those this conversation proved (proofs name
    tracking numbers with their carriers: a web chat has no phone, and its parcels showed nowhere before). A proof
    names its carrier, as two carriers' parcels may share a number, each someone else's (review 3)."""
    proved = [m.Shipment.tracking_number == t if c is None else and_(m.Shipment.tracking_number == t,
                                                                     m.Shipment.carrier == c)
              for t, c in sorted(proved_parcels(conv).items())]
    return list(session.scalars(select(m.Shipment).where(
        m.Shipment.merchant_id == conv.merchant_id, or_(m.Shipment.recipient_phone == conv.address, *proved))
        .order_by(m.Shipment.created_at.desc()).limit(20)))


def detail_json(session: Session, conv: m.Conversation, *, now: Any, sla_minutes: tuple[int, int],
                before: int | None = None, limit: int = TRANSCRIPT_PAGE) -> dict:
    """The conversation with the latest `limit` messages (those before message id `before`, if given): a
    shopper who sent thousands made every reload of the page, and every live update, carry all of them.
    "earlier" is the `before` that shows the page older than these, or None when these are the first."""
    rt = _runtime()
    merchant = session.get(m.Merchant, conv.merchant_id)
    say = rt.wording.voice(merchant)
    # In the order they were written: a conversation's turns are one at a time under its lock, so the id is
    # the order (a reply's clock time can equal the message it answers).
    q = select(m.Message).where(m.Message.conversation_id == conv.id)
    if before is not None:
        q = q.where(m.Message.id < before)
    newest = list(session.scalars(q.order_by(m.Message.id.desc()).limit(limit + 1)))
    messages = newest[:limit][::-1]
    earlier = messages[0].id if len(newest) > limit else None
    names = _people(session, conv.merchant_id, {x.author for x in messages if x.author})
    notes = session.scalars(select(m.ConversationNote).where(m.ConversationNote.conversation_id == conv.id)
                            .order_by(m.ConversationNote.created_at, m.ConversationNote.id))
    parcels = parcels_of(session, conv)
    subjects = [p.tracking_number for p in parcels]
    audit_rows = session.scalars(select(m.AuditEntry).where(
        m.AuditEntry.merchant_id == conv.merchant_id,
        m.AuditEntry.subject.in_([*subjects, subject_of(conv)]) | (m.AuditEntry.actor == conv.address))
        .order_by(m.AuditEntry.at.desc(), m.AuditEntry.id.desc()).limit(100))
    return {
        **summary_json(session, conv, now=now, sla_minutes=sla_minutes),
        "messages": [{**message_json(x), "author_name": names.get(x.author or "")} for x in messages],
        "earlier": earlier,
        "notes": [{"id": n.id, "author": n.author, "body": n.body, "at": iso(n.created_at)} for n in notes],
        "parcels": [shipment_json(session, p, rt.links, merchant_slug=merchant.slug, say=say) for p in parcels],
        "audit": [{"at": iso(a.at), "actor": a.actor, "action": a.action, "result": a.result,
                   "subject": a.subject} for a in audit_rows],
        "payments": conversation_payments(session, conv.merchant_id, conv.id),  # paid options (docs/payments.md)
    }


def _people(session: Session, merchant_id: int, authors: set[str]) -> dict[str, str]:
    """"agent:sam@shop.example" -> "Sam", for the merchant's own users."""
    emails = [a.split(":", 1)[1] for a in authors if a.startswith("agent:")]
    if not emails:
        return {}
    rows = session.execute(select(m.User.email, m.User.name).where(m.User.merchant_id == merchant_id,
                                                                   m.User.email.in_(emails)))
    return {f"agent:{email}": name for email, name in rows}


def sla_minutes(session: Session) -> tuple[int, int]:
    """When a wait turns amber and red: the merchant's support_hours.sla_minutes, else 5 and 15."""
    merchant = session.get(m.Merchant, merchant_id())
    raw = ((merchant.settings or {}).get("support_hours") or {}).get("sla_minutes") if merchant else None
    if isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, int) and x > 0 for x in raw) and raw[0] < raw[1]:
        return raw[0], raw[1]
    return 5, 15


# -- reads ------------------------------------------------------------------------------------------------
@bp.get("/conversations")
def list_conversations() -> Response:
    status = request.args.get("status", "waiting")
    if status not in _STATUSES:
        return _error(422, f"status must be one of {', '.join(sorted(_STATUSES))}")
    try:
        limit, start = page_args(request.args, most=LIST_MAX)
    except BadPage as exc:
        return _error(422, "invalid request: see errors", exc.errors)
    with _runtime().sessions() as session:
        rows, more = conversations_page(session, merchant_id(), status, now=_now(), limit=limit, start=start)
    return jsonify({"conversations": rows, "next": more})


def conversations_page(session: Session, merchant: int, status: str, *, now: Any, limit: int = LIST_MAX,
               start: tuple[Any, int] | None = None) -> tuple[list[dict], str | None]:
    """A page of one status's conversations as queue rows, and the cursor of the next page (None: the last).
    The longest wait first for "waiting" (a conversation with no wait time by its creation), else the newest."""
    waiting = status == "waiting"
    key = func.coalesce(m.Conversation.waiting_since, m.Conversation.created_at) if waiting \
        else m.Conversation.last_message_at
    q = select(m.Conversation, key).where(m.Conversation.merchant_id == merchant, m.Conversation.status == status)
    if start is not None:
        q = q.where(after(key, m.Conversation.id, start, ascending=waiting))
    q = q.order_by(*((key.asc(), m.Conversation.id.asc()) if waiting else (key.desc(), m.Conversation.id.desc())))
    found = list(session.execute(q.limit(limit + 1)))
    more = cursor_for(found[limit - 1][1], found[limit - 1][0].id) if len(found) > limit else None
    return queue_rows(session, [conv for conv, _ in found[:limit]], now=now), more


def queue_rows(session: Session, convs: list[m.Conversation], *, now: Any) -> list[dict]:
    """Queue rows of these conversations (a queue page, the console's search), in four statements."""
    sla, latest = sla_minutes(session), _latest(session, convs)
    return [summary_json(session, c, now=now, sla_minutes=sla, latest=latest[c.id]) for c in convs]


class TranscriptArgs(ValueError):
    """A bad ?before= or ?limit=: each named (a 422 from the API, a 400 from the page)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k} {v}" for k, v in errors.items()))
        self.errors = errors


def transcript_page(args: Any) -> tuple[int | None, int]:
    """?before=<message id>&limit=<n> (1 to TRANSCRIPT_MAX): which page of the transcript, or
    TranscriptArgs."""
    errors = {}
    values: dict[str, int] = {}
    for name, low, high in (("before", 1, 2**31 - 1), ("limit", 1, TRANSCRIPT_MAX)):
        raw = args.get(name)
        if raw is None or raw == "":
            continue
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not low <= int(raw) <= high:
            errors[name] = f"must be a whole number from {low} to {high}"
        else:
            values[name] = int(raw)
    if errors:
        raise TranscriptArgs(errors)
    return values.get("before"), values.get("limit", TRANSCRIPT_PAGE)


@bp.get("/conversations/<int:conv_id>")
def get_conversation(conv_id: int) -> Response:
    try:
        before, limit = transcript_page(request.args)
    except TranscriptArgs as exc:
        return _error(422, "invalid request: see errors", exc.errors)
    with _runtime().sessions() as session:
        conv = _conversation(session, conv_id)
        if conv is None:
            return _error(404, "no such conversation")
        return jsonify(detail_json(session, conv, now=_now(), sla_minutes=sla_minutes(session), before=before,
                                   limit=limit))


# -- moves ------------------------------------------------------------------------------------------------
def _move(conv_id: int, do: Any, status: int = 200) -> Response:
    rt, now = _runtime(), _now()
    try:
        with rt.uow() as uow:
            conv = _conversation(uow.session, conv_id)
            if conv is None:
                return _error(404, "no such conversation")
            conv = rt.conversations.lock(uow.session, conv)  # one move at a time, as a shopper's turn holds it
            result = do(uow, conv, now)
            body = {"id": conv.id, "status": conv.status, **(result or {})}
    except AlreadyTaken:
        return _error(409, "someone else has this conversation")
    except ConsoleError as exc:
        return _error(exc.status, str(exc), exc.errors)
    except HandoffError as exc:
        return _error(409, str(exc))
    response = jsonify(body)
    response.status_code = status
    return response


def _text_field() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    text = (body or {}).get("text") if isinstance(body, dict) else request.form.get("text")
    if not isinstance(text, str):
        raise ConsoleError("send {\"text\": \"...\"}", status=422)
    if not _storable(text):
        raise ConsoleError(UNSTORABLE, status=422)
    return text


@bp.post("/conversations/<int:conv_id>/takeover")
def takeover(conv_id: int) -> Response:
    return _move(conv_id, lambda uow, conv, now: _runtime().services.console.take_over(uow, conv, actor(), now=now))


@bp.post("/conversations/<int:conv_id>/handback")
def handback(conv_id: int) -> Response:
    return _move(conv_id, lambda uow, conv, now: _runtime().services.console.hand_back(uow, conv, actor(), now=now))


@bp.post("/conversations/<int:conv_id>/resolve")
def resolve(conv_id: int) -> Response:
    body = request.get_json(silent=True) if request.is_json else None
    survey = bool((body or {}).get("survey")) if isinstance(body, dict) else request.form.get("survey") == "1"
    return _move(conv_id, lambda uow, conv, now: _runtime().services.console.resolve(uow, conv, actor(), now=now,
                                                                            survey=survey))


def _with_text(conv_id: int, write: Any) -> Response:
    """A move that takes the request's text and `idempotency_key` (the same key and text sent again, a retry
    after a timeout, is what the first made, not a second): 422 without text, else `write(uow, conv, now, text,
    once)`, 201."""
    try:
        text, once = _text_field(), _once()
    except ConsoleError as exc:
        return _error(exc.status, str(exc), exc.errors)
    return _move(conv_id, lambda uow, conv, now: write(uow, conv, now, text, once), status=201)


def _once() -> str | None:
    body = request.get_json(silent=True) if request.is_json else None
    once = (body or {}).get("idempotency_key") if isinstance(body, dict) else request.form.get("idempotency_key")
    if once is not None and (not isinstance(once, str) or not 0 < len(once) <= ONCE_MAX or not once.isprintable()
                             or not once.isascii()):
        why = f"must be text of 1 to {ONCE_MAX} printable characters"
        raise ConsoleError(f"idempotency_key {why}", status=422, errors={"idempotency_key": why})
    return once


@bp.post("/conversations/<int:conv_id>/messages")
def send_message(conv_id: int) -> Response:
    """201 with the message queued, once for an `idempotency_key`: never a second text to the shopper."""
    def send(uow: Any, conv: m.Conversation, now: Any, text: str, once: str | None) -> dict:
        msg = _runtime().services.console.reply(uow, conv, actor(), text, now=now, once=once)
        return {"message": message_json(msg)}

    return _with_text(conv_id, send)


@bp.post("/conversations/<int:conv_id>/notes")
def add_note(conv_id: int) -> Response:
    def note(uow: Any, conv: m.Conversation, now: Any, text: str, once: str | None) -> dict:
        row = _runtime().services.console.note(uow, conv, actor(), text, now=now, once=once)
        return {"note": {"id": row.id, "author": row.author, "body": row.body, "at": iso(row.created_at)}}

    return _with_text(conv_id, note)


SESSION_ENDPOINTS.update({f"api.{name}" for name in (
    "list_conversations", "get_conversation", "takeover", "handback", "resolve", "send_message", "add_note")})


@bp.post("/conversations/<int:conv_id>/actions")
def act_for_shopper(conv_id: int) -> Response:
    """A change on the shopper's behalf (bot/services/agent_actions.py). A remote carrier is asked with no
    transaction open, as in a chat turn (bot/core/carrier.py): the work is rolled back, the carrier called,
    and the work run again with its answer."""
    rt, now = _runtime(), _now()
    with rt.sessions() as session:  # another merchant's conversation does not exist, whatever the body says
        if _conversation(session, conv_id) is None:
            return _error(404, "no such conversation")
    try:
        action = AgentAction.parse(request.get_json(silent=True), rt.settings.secret_key)
    except ConsoleError as exc:
        return _error(exc.status, str(exc), exc.errors)
    answers = CarrierAnswers()
    for _ in range(4):
        try:
            with rt.uow() as uow:
                conv = _conversation(uow.session, conv_id)
                if conv is None:
                    return _error(404, "no such conversation")
                conv = rt.conversations.lock(uow.session, conv)
                backend = rt.backends(uow.session, conv.merchant, now)
                if getattr(backend, "is_remote", True):
                    backend = CarrierSnapshot(backend, answers)
                result = apply_for_shopper(uow, conv, actor(), action, backend=backend, now=now)
            break
        except NeedsCarrier as need:  # as a chat turn does (bot/engine/): kept before, recorded (or followed) after
            keep_ahead(rt.uow, need)
            answers.fetch(need, executor=rt.carrier_calls, deadline=rt.settings.slow_backend_seconds)
            keep_answer(rt.uow, need, answers)
        except ConsoleError as exc:
            return _error(exc.status, str(exc), exc.errors)
    else:
        return _error(503, "the carrier is not answering; try again")
    if result is None:
        return jsonify({"status": "in_progress", "key": action.key}), 202
    body = {"status": result.status.value, "reference": result.reference, "reason": result.reason,
            "reason_code": result.reason_code.to_json() if result.reason_code else None, "key": action.key}
    return jsonify(body), 200 if result.status.value == "accepted" else 409


SESSION_ENDPOINTS.add("api.act_for_shopper")
