"""The console's pages: sign in and out, the queue, one conversation, and the live feed.

Every page is complete without JavaScript: the queue and the transcript are rendered here, and each action is
a form (POST + CSRF token, then back to the page). static/console.js listens to /console/events and reloads
the part of the page that changed, and alerts the agent to a new handoff.
"""

from __future__ import annotations

import queue
import threading
import unicodedata
import uuid
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from wtforms import EmailField, HiddenField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from backend import models as m
from bot.core import audit
from bot.core.conversations import Status
from bot.core.events import DomainEvent
from bot.services.console import MAX_TEXT, ConsoleError, line_breaks, too_long
from bot.services.console_search import MAX_QUERY
from bot.services.handoff import AlreadyTaken, HandoffError
from bot.services.users import Agent, authenticate
from bot.web.api.conversations import (
    TranscriptArgs,
    actor,
    conversations_page,
    detail_json,
    sla_minutes,
    transcript_page,
)
from bot.web.api.paging import BadPage, page_args
from bot.web.console.auth import ConsoleUser, end_sessions
from bot.web.console.search import search_page
from bot.web.console.transcript import page_end, timeline
from bot.web.ext import current_runtime

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
QUEUE_TABS = (("waiting", "Waiting"), ("with_agent", "With a person"), ("bot", "With the bot"),
              ("resolved", "Resolved"))
HEARTBEAT_SECONDS = 15.0


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class TextForm(FlaskForm):
    # Counted as the box's maxlength counts it: a line break is one character, though the browser sends CRLF.
    text = TextAreaField("Message", filters=[lambda v: line_breaks(v) if isinstance(v, str) else v],
                         validators=[DataRequired(), Length(max=MAX_TEXT)])


class OnceForm(TextForm):
    """The reply and note boxes, with a token made for each page shown: the same form posted twice (a double
    click on Send or Add note, a resubmission) is one message, one note (ConsoleService.reply and .note `once`).
    A page from before it had one sends."""

    once = HiddenField(default=lambda: uuid.uuid4().hex, validators=[Optional(), Regexp(r"^[0-9a-f]{32}$")])


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


def _agent() -> Agent:
    agent: Agent = current_user.agent
    g.console_agent = agent  # the conversation API's readers scope by it
    return agent


# -- signing in -------------------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        rt = current_runtime()
        with rt.sessions() as session:
            user = authenticate(session, form.email.data or "", form.password.data or "", now=rt.clock())
            agent = Agent.of(user) if user is not None else None
            session.commit()
        if agent is not None:
            login_user(ConsoleUser(agent))
            _audit(agent, "console_login", "signed_in")
            return redirect(_after_login())
        flash("That e-mail and password don't match an account.")
        return render_template("console/login.html", form=form), 401
    return render_template("console/login.html", form=form)


NEXT_MAX = 2000


def _after_login() -> str:
    """Back to the page that asked for the sign-in, if it is one of ours (an open redirect otherwise), else
    the queue. A `next` with a control character (CR/LF from %0d%0a, NUL, bidi marks) goes to the queue too:
    Werkzeug refuses a newline in Location, so the person who had just signed in got a 500."""
    wanted = request.args.get("next", "")
    if (wanted.startswith(("/console", "/admin")) and "//" not in wanted and "\\" not in wanted
            and len(wanted) <= NEXT_MAX and _printable(wanted)):
        return _a_page(wanted) or url_for("console.queue_page")
    return url_for("console.queue_page")


def _a_page(wanted: str) -> str | None:
    """`wanted` if it answers GET, else the nearest address above it that does: a sign-in asked for by a
    POST (Send, pressed after the session ended elsewhere) had next= the action (/console/c/7/reply), and the
    browser's GET of it after signing in was a 405. Its page is the conversation (/console/c/7)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    path, query = wanted.partition("?")[::2]
    while path.startswith(("/console", "/admin")):
        try:
            adapter.match(path, method="GET")
        except RequestRedirect:  # the same page under its canonical address (a trailing slash): it answers GET
            pass
        except HTTPException:  # POST only (405), or no such page (404): try the address above it
            path, query = path.rstrip("/").rpartition("/")[0], ""
            continue
        return f"{path}?{query}" if query else path
    return None


def _printable(text: str) -> bool:
    """No control, format (bidi), surrogate or unassigned character, and no separator but the plain space."""
    return not any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in text)


@bp.post("/logout")
@login_required
def logout() -> Any:
    if ActionForm().validate_on_submit():
        agent = _agent()
        _audit(agent, "console_logout", "signed_out")
        end_sessions(agent.id)  # a copy of this cookie must not sign anyone in afterwards
        logout_user()
    return redirect(url_for("console.login"))


QUEUE_PAGE = 100  # conversations a queue page shows; "Next" walks the rest (bot/web/api/paging.py)


# -- the queue --------------------------------------------------------------------------------------------
@bp.get("")
@login_required
def queue_page() -> Any:
    agent = _agent()
    if "q" in request.args:  # the search box: a shopper's conversations by number (bot/web/console/search.py)
        return search_page(agent, request.args.get("q", ""), QUEUE_TABS, form=ActionForm())
    tab = request.args.get("status", "waiting")
    if tab not in {t for t, _ in QUEUE_TABS}:
        tab = "waiting"
    try:  # a page further down the queue (?cursor= from "Next"); a stale or made-up one shows the first page
        _, start = page_args({"cursor": request.args.get("cursor", "")}, most=QUEUE_PAGE)
    except BadPage:
        start = None
    rt = current_runtime()
    with rt.sessions() as session:
        rows, more = conversations_page(session, agent.merchant_id, tab, now=rt.clock(), limit=QUEUE_PAGE, start=start)
    template = "console/_queue_rows.html" if request.args.get("part") == "rows" else "console/queue.html"
    return render_template(template, agent=agent, tab=tab, tabs=QUEUE_TABS, rows=rows, form=ActionForm(),
                           more=more, cursor=request.args.get("cursor") if start else None, q_max=MAX_QUERY)


@bp.post("/next")
@login_required
def take_next() -> Any:
    agent = _agent()
    if not ActionForm().validate_on_submit():
        abort(400)
    rt = current_runtime()
    with rt.sessions() as session:
        cap = session.get(m.User, agent.id).max_open
    with rt.uow() as uow:
        conv = rt.services.console.next_for(uow, agent.merchant_id, actor(), cap=cap, now=rt.clock())
        conv_id = conv.id if conv is not None else None
    if conv_id is None:
        flash("Nobody is waiting, or you already have as many conversations as you can take.")
        return redirect(url_for("console.queue_page"))
    return redirect(url_for("console.conversation_page", conv_id=conv_id))


# -- one conversation -------------------------------------------------------------------------------------
@bp.get("/c/<int:conv_id>")
@login_required
def conversation_page(conv_id: int) -> Any:
    return _conversation(conv_id, _agent())


def _conversation(conv_id: int, agent: Agent, *, reply: TextForm | None = None, note: TextForm | None = None,
                  status: int = 200) -> Any:
    """The conversation's page; `reply`, `note`: the form just refused, shown again with what the agent wrote,
    so a refusal never throws their text away."""
    rt = current_runtime()
    with rt.sessions() as session:
        conv = session.get(m.Conversation, conv_id)
        if conv is None or conv.merchant_id != agent.merchant_id:
            abort(404)
        try:
            before, _ = transcript_page(request.args)
        except TranscriptArgs:
            abort(400)
        data = detail_json(session, conv, now=rt.clock(), sla_minutes=sla_minutes(session), before=before)
        canned = _canned(session, agent.merchant_id)
        shown = timeline(data, until=page_end(session, conv.id, before))
    mine = data["status"] == Status.WITH_AGENT.value and (data["assignee"] or {}).get("id") == agent.id
    template = "console/_transcript.html" if request.args.get("part") == "transcript" else "console/conversation.html"
    return render_template(template, agent=agent, c=data, timeline=shown, mine=mine, form=ActionForm(), canned=canned,
                           reply=reply or OnceForm(prefix="reply", formdata=None),
                           note=note or OnceForm(prefix="note", formdata=None)), status


def _canned(session: Any, merchant_id: int) -> list[dict[str, str]]:
    """The merchant's canned replies (settings["canned_replies"]: [{"title", "text"}]); variables such as
    {first_name} and {tracking_url} are filled by the page from the conversation shown."""
    merchant = session.get(m.Merchant, merchant_id)
    raw = (merchant.settings or {}).get("canned_replies") if merchant else None
    return [{"title": str(r["title"])[:60], "text": str(r["text"])[:MAX_TEXT]} for r in raw or []
            if isinstance(r, dict) and r.get("title") and r.get("text")]


@bp.post("/c/<int:conv_id>/<any(takeover, handback, resolve, reply, note):action>")
@login_required
def act(conv_id: int, action: str) -> Any:
    agent = _agent()
    form = OnceForm(prefix=action) if action in ("reply", "note") else ActionForm()
    if not form.validate_on_submit():
        if isinstance(form, TextForm) and (form.text.data or "").strip():
            # Written, but refused (too long, an expired page): say why and keep the text in the box.
            said = too_long(form.text.data or "") or "that didn't go through: please send it again"
            flash(said[:1].upper() + said[1:] + ".")
            return _conversation(conv_id, agent, status=422, **{action: form})
        flash("Write a message first." if action in ("reply", "note") else "Please try again.")
        return redirect(url_for("console.conversation_page", conv_id=conv_id))
    rt = current_runtime()
    console, who, now = rt.services.console, actor(), rt.clock()
    try:
        with rt.uow() as uow:
            conv = uow.session.get(m.Conversation, conv_id)
            if conv is None or conv.merchant_id != who_merchant():
                abort(404)
            conv = rt.conversations.lock(uow.session, conv)
            if action == "takeover":
                console.take_over(uow, conv, who, now=now)
            elif action == "handback":
                console.hand_back(uow, conv, who, now=now)
            elif action == "resolve":
                console.resolve(uow, conv, who, now=now, survey=request.form.get("survey") == "1")
            elif action == "reply":
                console.reply(uow, conv, who, form.text.data or "", now=now, once=form.once.data or None)
            else:
                console.note(uow, conv, who, form.text.data or "", now=now, once=form.once.data or None)
    except AlreadyTaken:
        flash("Someone else has this conversation.")
    except (ConsoleError, HandoffError) as exc:
        said = f"{exc}."
        flash(said[:1].upper() + said[1:])  # str.capitalize() lowercased the rest: "texted STOP" read "stop"
        if isinstance(form, TextForm) and isinstance(exc, ConsoleError) and exc.status == 422:
            return _conversation(conv_id, agent, status=422, **{action: form})  # the text is wrong: keep it
    if action in ("handback", "resolve"):
        return redirect(url_for("console.queue_page"))
    return redirect(url_for("console.conversation_page", conv_id=conv_id) + ("#compose" if action == "reply" else ""))


def who_merchant() -> int:
    return current_user.agent.merchant_id


# -- live -------------------------------------------------------------------------------------------------
@bp.get("/events")
@login_required
def events() -> Response:
    """Server-sent events for this merchant: a shopper wrote, a conversation changed owner. Fed in-process,
    or by Redis pub/sub when several workers run (PARCELBOT_EVENTS=redis), so an agent on any worker hears a
    turn handled on any other."""
    merchant_id = _agent().merchant_id
    rt = current_runtime()
    slots = _stream_slots(rt.settings.console_streams)
    if not slots.acquire(blocking=False):
        # Every stream this process may hold is open: the page keeps working and asks again in 30 s, rather
        # than a thread the shoppers' webhooks need being held (Settings.console_streams).
        return Response("retry: 30000\n\n", mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})

    def stream() -> Iterator[str]:
        yield "retry: 3000\n\n"
        for event in _events_for(rt, merchant_id):
            if event is None:
                yield ": keep-alive\n\n"
            else:
                yield f"event: {event.kind}\ndata: {event.to_json()}\n\n"

    response = Response(stream_with_context(stream()), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.call_on_close(slots.release)  # the server closes the response when the page goes or the write fails
    return response


def _stream_slots(size: int) -> threading.BoundedSemaphore:
    """This app's live-stream slots (one set per process: each gunicorn worker has its own threads)."""
    return current_app.extensions.setdefault("console_streams", threading.BoundedSemaphore(max(size, 1)))


def _events_for(rt: Any, merchant_id: int) -> Iterator[DomainEvent | None]:
    if rt.settings.events_backend == "redis":
        from redis import RedisError

        from bot.adapters.redis_events import RedisEventSink

        sink = RedisEventSink.from_url(rt.settings.redis_url, prefix=rt.settings.events_prefix)
        sink.client.connection_pool.connection_kwargs["socket_timeout"] = HEARTBEAT_SECONDS + 5
        try:
            with sink.subscribe(merchant_id) as stream:
                while True:
                    yield stream.next(HEARTBEAT_SECONDS)
        except RedisError:  # Redis away: end the stream cleanly (no trace per console); the browser reconnects
            return  # after "retry: 3000" and the page re-reads the database (docs/faults.md)
    inbox: queue.Queue[DomainEvent] = queue.Queue(maxsize=1000)

    def hear(event: DomainEvent) -> None:
        if event.merchant_id == merchant_id and not inbox.full():
            inbox.put_nowait(event)

    unsubscribe = rt.local_events.subscribe(hear)
    try:
        while True:
            try:
                yield inbox.get(timeout=HEARTBEAT_SECONDS)
            except queue.Empty:
                yield None
    finally:
        unsubscribe()


def _audit(agent: Agent, action: str, result: str) -> None:
    rt = current_runtime()
    with rt.uow() as uow:
        audit.record(uow.session, at=rt.clock(), merchant_id=agent.merchant_id, actor=agent.actor, action=action,
                     result=result, ip=request.remote_addr or "")

