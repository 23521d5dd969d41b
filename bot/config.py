"""Settings from the environment: one place, read once, so a deployment is configured without code.

Secrets (Twilio token, signing key) come only from the environment. For the embedded default a
random key is generated on first run into the data directory, never into the repo.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)


def _default_data_dir() -> Path:
    """./data of the checkout when run from one (scripts/run), else ./data where the process runs."""
    return REPO_ROOT / "data" if (REPO_ROOT / "pyproject.toml").exists() else Path.cwd() / "data"


class ConfigError(ValueError):
    """A setting the environment gives can't be used; the message names the variable and what it accepts."""


# Settings with a fixed set of values: a typo is refused (never a silent fall back to the default).
CHOICES: dict[str, tuple[str, ...]] = {
    "PARCELBOT_JOBS": ("inline", "celery"),
    "PARCELBOT_NLU_BACKEND": ("embedded", "rasa"),
    "PARCELBOT_EVENTS": ("inprocess", "redis"),
    # Where a message waits out a database outage (bot/core/spool.py). auto: Redis when jobs or events already use
    # it (several processes or hosts: any of them may answer it), else a directory under PARCELBOT_DATA_DIR.
    "PARCELBOT_SPOOL": ("auto", "redis", "file", "off"),
    # Where proof-of-delivery photos are kept (bot/core/storage.py): the database, or files in the data directory.
    "PARCELBOT_PHOTOS": ("database", "disk"),
}


# What a process does when one of these is unset, which several hosts must share (docs/deployment.md "Environment").
SHARED_DEFAULTS: dict[str, str] = {
    "DATABASE_URL": "DATABASE_URL is unset: this process keeps everything in a SQLite file of its own"
                    " ({s.database_url}); several hosts need the one PostgreSQL database",
    "PARCELBOT_SECRET_KEY": "PARCELBOT_SECRET_KEY is unset: this process signs with a key generated into"
                            " {s.data_dir}/secrets, so links and console sign-ins from other hosts fail here;"
                            " give every host the same value",
    "TWILIO_AUTH_TOKEN": "TWILIO_AUTH_TOKEN is unset: this process checks Twilio's signatures against a token"
                         " generated into {s.data_dir}/secrets and refuses Twilio's webhooks (403); set the"
                         " account's token",
    "REDIS_URL": "REDIS_URL is unset: events and kept messages go to {s.redis_url} (the queue to {s.broker_url}),"
                 " a Redis on this machine that other hosts don't reach; set the shared Redis",
}


def warn_per_process(settings: Settings) -> None:
    """Log, at start-up, each shared setting a process set up for several hosts made up for itself."""
    for line in settings.per_process_warnings():
        log.warning("%s (docs/deployment.md)", line)


def _choice(env: dict[str, str], name: str) -> str:
    allowed = CHOICES[name]
    value = (env.get(name) or allowed[0]).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name}={env.get(name)!r} is not one of: {', '.join(allowed)}")
    return value


def _number(env: dict[str, str], name: str, default: str, kind: type[int] | type[float]) -> int | float:
    raw = env.get(name) or default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number") from None
    if value < 0:
        raise ConfigError(f"{name}={raw!r} must not be negative")
    return value


def _rate(env: dict[str, str], name: str, default: str) -> str:
    """A rate limit as Flask-Limiter reads it ("1200 per minute", "20/second; 1000/hour"), or "off"."""
    from limits import parse_many

    raw = (env.get(name) or default).strip()
    if raw.lower() == "off":
        return "off"
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a rate limit (like '1200 per minute'), nor 'off'") from None
    return raw


def _intervals(env: dict[str, str], name: str) -> tuple[tuple[str, float], ...]:
    """Periodic jobs' intervals in seconds, "retry_pending=15,send_outbox=5" (bot/jobs/schedule.py checks the names:
    this layer doesn't know the jobs). Each a positive, finite number: "0" would run a job in a tight loop."""
    out: list[tuple[str, float]] = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", env.get(name) or ""))):
        job, _, raw = (s.strip() for s in part.partition("="))
        try:
            seconds = float(raw)
        except ValueError:
            seconds = float("nan")
        if not job or not 0 < seconds < float("inf"):
            raise ConfigError(f"{name}: {part!r} is not <job>=<seconds> with seconds above 0 (e.g. retry_pending=15)")
        out.append((job, seconds))
    return tuple(out)


def _key_prefix(env: dict[str, str], name: str) -> str:
    """A Redis key prefix: letters, digits and . _ : - (a space or a typo'd quote would be part of every key)."""
    value = (env.get(name) or "").strip()
    if len(value) > 64 or not re.fullmatch(r"[A-Za-z0-9._:-]*", value):
        raise ConfigError(f"{name}={value!r} must be up to 64 letters, digits or . _ : - (e.g. staging)")
    return value


def _zone(env: dict[str, str], name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = env.get(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}={value!r} is not a known time zone (e.g. Europe/London)") from None
    return value


def _rasa_url(env: dict[str, str], *, needed: bool) -> str | None:
    """RASA_URL, checked when the rasa backend is chosen, so a typo is one line at start-up rather than
    an "NLU down" on every message."""
    from urllib.parse import urlsplit

    raw = (env.get("RASA_URL") or "").strip()
    if not needed or not raw:
        if needed:
            raise ConfigError("PARCELBOT_NLU_BACKEND=rasa needs RASA_URL (e.g. http://rasa:5005)")
        return raw or None
    parts = urlsplit(raw)
    try:
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number
        ok = False
    if not ok:
        raise ConfigError(f"RASA_URL={env.get('RASA_URL')!r} is not an http(s) URL (e.g. http://rasa:5005)")
    return raw


def _persistent_secret(data_dir: Path, name: str) -> str:
    """A secret generated once per installation and kept out of the repo (data/ is git-ignored)."""
    path = data_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _served_url(data_dir: Path) -> str:
    """Where `parcelbot serve` last said it runs, so `parcelbot chat` builds links that open."""
    path = data_dir / "serve_url"
    return path.read_text().strip() if path.exists() else ""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    twilio_auth_token: str
    twilio_account_sid: str | None = None
    public_base_url: str | None = None
    nlu_backend: str = "embedded"
    nlu_model_path: Path = field(default_factory=lambda: Path("data/models/nlu"))
    rasa_url: str | None = None
    job_backend: str = "inline"
    broker_url: str = "redis://127.0.0.1:6379/0"
    celery_queue: str = "parcelbot"
    events_backend: str = "inprocess"
    redis_url: str = "redis://127.0.0.1:6379/0"
    events_prefix: str = "parcelbot:events"
    spool_backend: str = "auto"
    spool_key: str = "parcelbot:kept"  # the Redis list, when the spool is on Redis
    # Put before the rate limits' and the carrier breakers' Redis keys (read by backend/registry.py too), so that
    # deployments sharing a Redis (staging, production) never share a limit or a breaker; "" (default): none.
    key_prefix: str = ""
    photo_store: str = "database"
    conversation_ttl_minutes: int = 30
    # A person has the conversation, the shopper wrote and nobody answered for this long: back to the bot.
    agent_timeout_minutes: int = 30
    slow_backend_seconds: float = 2.0
    # A database connection a shopper's turn holds this long has stopped answering (backend/stall.py): shut it
    # down and take the outage path, well inside Twilio's 15 s webhook timeout.
    db_stall_seconds: float = 8.0
    # Any other web request (the API, the consoles, receipts) holding a connection this long: the same, with room for
    # the heaviest report a console asks for. Under gunicorn's 30 s worker timeout and any load balancer's.
    db_stall_request_seconds: float = 25.0
    verified_minutes: int = 15
    # Live console streams (server-sent events) one web process holds at once. Each holds a gunicorn thread for as
    # long as the page is open: uncapped, 24 open console tabs took every thread of 3 workers x 8 and shoppers'
    # webhooks and health checks waited behind them. Past the cap a page is told to come back in 30 s (it still
    # works, without live updates, meanwhile). Keep it under --threads.
    console_streams: int = 4
    # Calls to the integration API one key may make (Flask-Limiter's notation), shared by every worker through
    # Redis when there is one; "off" for none. A runaway integration then meets 429s, not the shoppers' webhooks.
    api_rate_limit: str = "1200 per minute"
    # Refused API keys (401s) one address may send before its refused calls meet 429s (valid keys are always
    # served). A flood of made-up keys is a new bucket per key for the limit above, so it is counted by where it
    # comes from instead (bot/web/limits.py Refusals).
    api_auth_failure_limit: str = "30 per minute"
    # Proxies in front of the web hosts that set X-Forwarded-For / -Proto / -Host (a load balancer: 1). Unset (0), those
    # headers are ignored, as anyone can send them; set, the client's own address is the one the sign-in and API
    # limits count and the audit trail records. Too high lets a client choose its address: count only your own.
    proxies: int = 0
    # Shoppers' turns one process runs at once; the others wait their turn (bot/core/gate.py: Python runs one
    # thread at a time, so 8 turns at once each take 8 times as long). 0: no limit.
    turns_at_once: int = 2
    default_timezone: str = "Europe/London"
    # Periodic jobs run more or less often than bot/jobs/schedule.py ships (job name, seconds), by beat and the ticker.
    schedule_seconds: tuple[tuple[str, float], ...] = ()
    # The shared settings the environment did not give, so this process made up its own (SHARED_DEFAULTS): right for
    # one machine, wrong for several; said at start-up when the rest of the settings say several (below).
    per_process: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        per_process = tuple(name for name in SHARED_DEFAULTS if not env.get(name))
        jobs, nlu = _choice(env, "PARCELBOT_JOBS"), _choice(env, "PARCELBOT_NLU_BACKEND")
        rasa_url = _rasa_url(env, needed=nlu == "rasa")
        redis_url = env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
        data_dir = Path(env.get("PARCELBOT_DATA_DIR") or _default_data_dir()).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'parcelbot.db'}"
        # A plain PostgreSQL URL gets psycopg 3. psycopg2 was measured against it (docs/performance.md, round 5):
        # a quarter less CPU a turn in-process, but under load the web workers saved about 0.4 ms a message
        # while PostgreSQL spent about 0.4 ms more (psycopg 3 prepares the statements a connection repeats;
        # psycopg2 has the server parse and plan each one) and the machine's total did not move. The database
        # is the tier every host shares, so the driver that spares it stays the default.
        if database_url.startswith("postgres://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
        elif database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            secret_key=env.get("PARCELBOT_SECRET_KEY") or _persistent_secret(data_dir, "secret_key"),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or _persistent_secret(data_dir, "twilio_auth_token"),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            public_base_url=(env.get("PARCELBOT_PUBLIC_URL") or _served_url(data_dir)).rstrip("/") or None,
            nlu_backend=nlu,
            nlu_model_path=Path(env.get("PARCELBOT_NLU_MODEL") or data_dir / "models" / "nlu"),
            rasa_url=rasa_url,
            job_backend=jobs,
            broker_url=env.get("CELERY_BROKER_URL") or redis_url,
            celery_queue=env.get("PARCELBOT_CELERY_QUEUE") or "parcelbot",
            events_backend=_choice(env, "PARCELBOT_EVENTS"),
            redis_url=redis_url,
            events_prefix=env.get("PARCELBOT_EVENTS_PREFIX") or "parcelbot:events",
            spool_backend=_choice(env, "PARCELBOT_SPOOL"),
            spool_key=env.get("PARCELBOT_SPOOL_KEY") or "parcelbot:kept",
            key_prefix=_key_prefix(env, "PARCELBOT_KEY_PREFIX"),
            photo_store=_choice(env, "PARCELBOT_PHOTOS"),
            conversation_ttl_minutes=int(_number(env, "PARCELBOT_CONVERSATION_TTL_MINUTES", "30", int)),
            agent_timeout_minutes=int(_number(env, "PARCELBOT_AGENT_TIMEOUT_MINUTES", "30", int)),
            slow_backend_seconds=float(_number(env, "PARCELBOT_SLOW_BACKEND_SECONDS", "2.0", float)),
            db_stall_seconds=float(_number(env, "PARCELBOT_DB_STALL_SECONDS", "8.0", float)),
            db_stall_request_seconds=float(_number(env, "PARCELBOT_DB_STALL_REQUEST_SECONDS", "25.0", float)),
            default_timezone=_zone(env, "PARCELBOT_TIMEZONE", "Europe/London"),
            console_streams=int(_number(env, "PARCELBOT_CONSOLE_STREAMS", "4", int)),
            api_rate_limit=_rate(env, "PARCELBOT_API_RATE_LIMIT", "1200 per minute"),
            api_auth_failure_limit=_rate(env, "PARCELBOT_API_AUTH_FAILURE_LIMIT", "30 per minute"),
            proxies=int(_number(env, "PARCELBOT_PROXIES", "0", int)),
            turns_at_once=int(_number(env, "PARCELBOT_TURNS_AT_ONCE", "2", int)),
            schedule_seconds=_intervals(env, "PARCELBOT_SCHEDULE_SECONDS"),
            per_process=per_process,
        )

    def per_process_warnings(self) -> list[str]:
        """One line per shared setting this process made up, when it is set up to share the work (the queue or the
        events on Redis): each names its variable, for the log at start-up (bot/wsgi.py, bot/worker.py). Warned,
        not refused: one machine running a Celery worker beside its web process may rightly rely on them."""
        if self.job_backend != "celery" and self.events_backend != "redis":
            return []
        return [SHARED_DEFAULTS[name].format(s=self) for name in self.per_process]

    @property
    def twilio_sending_enabled(self) -> bool:
        """Real sends only with a real account; otherwise the sandbox keeps messages in the outbox."""
        return bool(self.twilio_account_sid) and not self.twilio_account_sid.startswith("AC_sandbox")
