"""Settings from the environment: one place, read once, so a deployment is configured without code.

Secrets (Twilio token, signing key) come only from the environment. For the embedded default a
random key is generated on first run into the data directory, never into the repo.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


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
    conversation_ttl_minutes: int = 30
    slow_backend_seconds: float = 2.0
    verified_minutes: int = 15
    default_timezone: str = "Europe/London"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("PARCELBOT_DATA_DIR") or REPO_ROOT / "data").resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'parcelbot.db'}"
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
            nlu_backend=env.get("PARCELBOT_NLU_BACKEND", "embedded"),
            nlu_model_path=Path(env.get("PARCELBOT_NLU_MODEL") or data_dir / "models" / "nlu"),
            rasa_url=env.get("RASA_URL") or None,
            job_backend=env.get("PARCELBOT_JOBS", "inline"),
            broker_url=env.get("CELERY_BROKER_URL") or env.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
            conversation_ttl_minutes=int(env.get("PARCELBOT_CONVERSATION_TTL_MINUTES", "30")),
            slow_backend_seconds=float(env.get("PARCELBOT_SLOW_BACKEND_SECONDS", "2.0")),
            default_timezone=env.get("PARCELBOT_TIMEZONE", "Europe/London"),
        )

    @property
    def twilio_sending_enabled(self) -> bool:
        """Real sends only with a real account; otherwise the sandbox keeps messages in the outbox."""
        return bool(self.twilio_account_sid) and not self.twilio_account_sid.startswith("AC_sandbox")
