"""The composition root: everything a process needs, built once from Settings, in one place.

This is the only module that names concrete adapters (Twilio or the sandbox for sending, Celery or threads
for jobs, Redis or memory for events, the merchant's carrier for the backend); everything else talks to the
ports in bot/core/ports.py. Like python-telegram-bot's ApplicationBuilder.build(), it constructs the whole
graph and wires the one cross-reference (the in-process job queue runs jobs with the runtime) explicitly,
here, before anything is used.

    runtime = RuntimeBuilder(settings).build()                     # the embedded default or production
    runtime = RuntimeBuilder(settings).interpreter(nlu).synchronous_jobs().build()   # tests, the CLI
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.orm import Session, sessionmaker

import intents
from backend.db import make_engine, make_session_factory
from backend.registry import backend_for
from backend.stall import StallGuard
from bot.adapters.payments_sandbox import SandboxPayments
from bot.adapters.payments_stripe import StripePayments
from bot.adapters.redis_events import RedisEventSink
from bot.adapters.redis_health import RedisHealth
from bot.adapters.redis_spool import RedisSpool
from bot.config import Settings
from bot.core.conversations import ConversationStore
from bot.core.events import EventSink, FanOutEventSink, InProcessEventSink
from bot.core.gate import TurnGate
from bot.core.lanes import Lanes
from bot.core.links import LinkSigner
from bot.core.payments import PaymentProvider, PaymentProviders, PaymentsNotConfigured
from bot.core.ports import BackendFactory, Clock, JobQueue, Sender
from bot.core.secrets_box import code_box
from bot.core.sending import ChannelSenders, ChatPickup, NoTransport, SandboxSender
from bot.core.spool import FileSpool, MessageSpool, kept_box
from bot.core.storage import Storage, storage_for
from bot.core.telemetry import backend_kind, timed_backend
from bot.core.uow import UnitOfWork
from bot.core.wording import Wording
from bot.engine import Engine
from bot.jobs import JOBS  # noqa: F401 - every job is registered before anything is enqueued
from bot.jobs.queue import CeleryJobs, InlineJobs, celery_client
from bot.services import ChangeService, CodeService, ConsoleService, HandoffService, Services
from bot.services.payments import PaymentService
from channels.twilio_send import TwilioSender
from intents.context import ParseContext
from intents.interpreter import Interpreter
from intents.types import ParseResult

log = logging.getLogger(__name__)


def load_nlu(settings: Settings, *, train_if_missing: bool = True) -> Interpreter:
    if settings.nlu_backend == "rasa":
        return intents.load_interpreter("rasa", rasa_url=settings.rasa_url)
    model: Path = settings.nlu_model_path
    if not (model.exists() and any(model.iterdir())):
        if not train_if_missing:
            raise FileNotFoundError(f"no NLU model at {model}: run `parcelbot nlu train`")
        log.info("no NLU model at %s: training one from %s", model, intents.default_training_paths())
        intents.train(intents.default_training_paths(), model)
    return intents.load_interpreter("embedded", model_path=model)


class LazyInterpreter:
    """Workers run jobs, and only replay_kept reads messages (those kept through a database outage): load the NLU
    model only if something actually parses."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._loaded: Interpreter | None = None
        # said before loading, as the interpreter it stands for would (the turn gate lends a Rasa wait's place)
        self.waits_on_network = settings.nlu_backend == "rasa"

    def parse(self, text: str, context: ParseContext | None = None) -> ParseResult:
        if self._loaded is None:
            self._loaded = load_nlu(self._settings)
        return self._loaded.parse(text, context)


def default_backends(settings: Settings) -> BackendFactory:
    """The merchant's configured backend (backend/registry.py): reference carrier, HTTP carrier, Shopify. Each
    gets the box that opens access codes sealed under this deployment's secret key (and no other key); a remote
    one is timed for the metrics (bot/core/telemetry.py: backend/ can't import bot/, so it is wrapped here)."""
    box = code_box(settings.secret_key)

    def backends(session: Session, merchant: Any, now: datetime) -> Any:
        return timed_backend(backend_for(session, merchant, now=now, code_box=box), backend_kind(merchant))

    return backends


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything built; also what a job is given (bot/jobs/registry.py JobContext)."""

    settings: Settings
    db: DbEngine
    sessions: sessionmaker[Session]
    links: LinkSigner
    wording: Wording
    storage: Storage
    sender: Sender
    events: EventSink
    local_events: InProcessEventSink
    backends: BackendFactory
    clock: Clock
    jobs: JobQueue
    conversations: ConversationStore
    services: Services
    engine: Engine
    carrier_calls: Lanes
    spool: MessageSpool | None = None
    redis_health: RedisHealth | None = None  # the Redis this process shares work through, if any (/healthz)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, jobs=self.jobs, events=self.events)

    def enqueue(self, name: str, **kwargs: Any) -> None:
        self.jobs.enqueue(name, **kwargs)

    def set_clock(self, clock: Clock) -> None:
        """Run on another clock (tests, a demo at a chosen hour): the engine, the jobs and the API share it."""
        self.clock = clock
        self.engine = self.engine.replace(clock=clock)

    def set_backends(self, backends: BackendFactory) -> None:
        """Use another carrier for every merchant (tests): the engine and the jobs share it."""
        self.backends = backends
        self.engine = self.engine.replace(backends=backends)

    def close(self) -> None:
        if isinstance(self.jobs, InlineJobs):
            self.jobs.shutdown()
        self.carrier_calls.shutdown(wait=False, cancel_futures=True)
        if self.engine.stall_guard is not None:
            self.engine.stall_guard.close()
        if self.redis_health is not None:
            self.redis_health.close()
        self.db.dispose()


class RuntimeBuilder:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._interpreter: Interpreter | None = None
        self._lazy_nlu = False
        self._synchronous = False
        self._sender: Sender | None = None
        self._backends: BackendFactory = default_backends(settings)
        self._clock: Clock = utc_now

    def interpreter(self, interpreter: Interpreter) -> RuntimeBuilder:
        self._interpreter = interpreter
        return self

    def lazy_nlu(self) -> RuntimeBuilder:
        self._lazy_nlu = True
        return self

    def synchronous_jobs(self, synchronous: bool = True) -> RuntimeBuilder:
        self._synchronous = synchronous
        return self

    def sender(self, sender: Sender) -> RuntimeBuilder:
        self._sender = sender
        return self

    def backends(self, factory: BackendFactory) -> RuntimeBuilder:
        self._backends = factory
        return self

    def clock(self, clock: Clock) -> RuntimeBuilder:
        self._clock = clock
        return self

    def build(self) -> Runtime:
        s = self._settings
        db = make_engine(s.database_url)
        sessions = make_session_factory(db)
        links = LinkSigner(s.secret_key, s.public_base_url or "http://127.0.0.1:8000")
        wording = Wording()
        local_events = InProcessEventSink()
        events: EventSink = local_events
        if s.events_backend == "redis":
            events = FanOutEventSink(local_events, RedisEventSink.from_url(s.redis_url, prefix=s.events_prefix))
        jobs: InlineJobs | CeleryJobs
        if s.job_backend == "celery":
            jobs = CeleryJobs(celery_client(s.broker_url, s.celery_queue))
        else:
            jobs = InlineJobs(synchronous=self._synchronous)
        conversations = ConversationStore()
        handoff = HandoffService(conversations)
        services = Services(changes=ChangeService(), codes=CodeService(s, wording), handoff=handoff,
                            console=ConsoleService(handoff, wording),
                            payments=PaymentService(payment_providers(s), links, wording))
        interpreter = self._interpreter or (LazyInterpreter(s) if self._lazy_nlu else load_nlu(s))
        carrier_calls = Lanes(per_lane=4, max_lanes=32)  # writes to remote carriers, a few threads per carrier
        spool = spool_for(s)

        def uow() -> UnitOfWork:
            return UnitOfWork(sessions, jobs=jobs, events=events)

        stall_guard = StallGuard(s.db_stall_seconds).install(db) if db.dialect.name == "postgresql" else None
        engine = Engine(settings=s, sessions=sessions, uow=uow, interpreter=interpreter, wording=wording,
                        links=links, services=services, conversations=conversations, backends=self._backends,
                        clock=self._clock, carrier_calls=carrier_calls, spool=spool, stall_guard=stall_guard,
                        gate=TurnGate(s.turns_at_once))
        runtime = Runtime(
            settings=s, db=db, sessions=sessions, links=links, wording=wording, storage=storage_for(s, sessions),
            sender=self._sender or sender_for(s), events=events, local_events=local_events,
            backends=self._backends, clock=self._clock, jobs=jobs, conversations=conversations, services=services,
            engine=engine, carrier_calls=carrier_calls, spool=spool, redis_health=redis_health_for(s, spool),
        )
        if isinstance(jobs, InlineJobs):
            jobs.bind(runtime)  # the one cross-reference: in-process jobs run with this runtime
        return runtime


def redis_health_for(settings: Settings, spool: MessageSpool | None) -> RedisHealth | None:
    """The Redis this process's work goes through: the queue's broker, the events' and the kept messages' Redis."""
    urls = [*([settings.broker_url] if settings.job_backend == "celery" else []),
            *([settings.redis_url] if settings.events_backend == "redis" or isinstance(spool, RedisSpool) else [])]
    urls = [u for u in urls if u.startswith(("redis://", "rediss://", "unix://"))]  # a broker of another kind: not ours
    return RedisHealth(urls) if urls else None


def spool_for(settings: Settings) -> MessageSpool | None:
    """Where a message waits out a database outage: Redis wherever several processes or hosts share the work
    (Celery jobs or Redis events: any of them may answer it), a directory on the embedded default."""
    choice = settings.spool_backend
    if choice == "off":
        return None
    shared = settings.events_backend == "redis" or settings.job_backend == "celery"
    box = kept_box(settings.secret_key)  # kept messages are sealed: they may hold a door code
    if choice == "redis" or (choice == "auto" and shared):
        return RedisSpool.from_url(settings.redis_url, box, key=settings.spool_key)
    return FileSpool(settings.data_dir / "kept", box)


def sender_for(settings: Settings) -> Sender:
    """Twilio for SMS and WhatsApp when an account is configured, the web chat's messages kept for it to read;
    otherwise the sandbox (nothing leaves; the web chat reads its messages all the same)."""
    if not settings.twilio_sending_enabled:
        return SandboxSender()
    # Delivery receipts come back to /twilio/status when the public address is known (PARCELBOT_PUBLIC_URL).
    receipts = f"{settings.public_base_url}/twilio/status" if settings.public_base_url else None
    twilio = TwilioSender(settings.twilio_account_sid or "", settings.twilio_auth_token, status_callback=receipts)
    return ChannelSenders({"sms": twilio, "whatsapp": twilio, "rest": ChatPickup()}, NoTransport())


def payment_providers(settings: Settings) -> PaymentProviders:
    """The merchant's payment provider from settings["payments"] (bot/core/settings_schema.py): the sandbox by
    default, Stripe with the secrets' environment variable names. An unknown name is refused, never free."""
    sandbox = SandboxPayments(settings.secret_key)

    def providers(config: Mapping[str, Any] | None) -> PaymentProvider:
        name = (config or {}).get("provider") or "sandbox"
        if name == "sandbox":
            if settings.twilio_sending_enabled:  # real shoppers, play money: anyone could "pay" with a click
                raise PaymentsNotConfigured("the sandbox takes no real money: with real sending, set "
                                            "payments.provider to stripe")
            return sandbox
        if name == "stripe":
            return StripePayments((config or {}).get("secret_key_env"), (config or {}).get("webhook_secret_env"))
        raise PaymentsNotConfigured(f"unknown payment provider {name!r}")

    return providers


def build_runtime(settings: Settings, *, interpreter: Interpreter | None = None, synchronous_jobs: bool = False,
                  lazy_nlu: bool = False) -> Runtime:
    builder = RuntimeBuilder(settings).synchronous_jobs(synchronous_jobs)
    if interpreter is not None:
        builder.interpreter(interpreter)
    if lazy_nlu:
        builder.lazy_nlu()
    return builder.build()
