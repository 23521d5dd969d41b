"""Which backend serves a merchant: chosen by merchant.settings["backend"], default the reference carrier.

    {"type": "reference"}
    {"type": "http", "base_url": "https://carrier.example.com/v1", "secret_env": "MERCHANT_ACME__CARRIER_SECRET",
     "name": "acme-carrier", "supported_actions": ["leave_with_neighbour", "add_delivery_note"]}
    {"type": "shopify", "shop": "acme.myshopify.com", "token_env": "MERCHANT_ACME__SHOPIFY_TOKEN",
     "api_version": "2024-10", "delivery_instructions": true}

Secrets never live in the database: settings name the environment variable that holds them, and only one the
operator set aside for that merchant (backend/merchant_env.py). Adding a backend is `register("mytype",
factory)`; see docs/backend.md. `check_config` builds a config before it is saved, so a bad one is refused
with the field named instead of breaking every lookup later.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from backend import egress
from backend import models as m
from backend.http_adapter import HttpBackend
from backend.merchant_env import MerchantEnvError, read
from backend.pending import session_sink
from backend.protocol import Backend, BackendError
from backend.reference import ReferenceBackend
from backend.resilience import DEFAULT_STORE, BreakerStore, CircuitBreaker, RedisBreakerStore, RetryPolicy
from backend.sealing import CodeBox
from backend.shopify import API_VERSION, SHOP_HOST, ShopifyBackend
from backend.types import ActionKind

BREAKER_REDIS_ENV = "PARCELBOT_BREAKER_REDIS_URL"
KEY_PREFIX_ENV = "PARCELBOT_KEY_PREFIX"  # the deployment's Redis key prefix (bot/config.py checks it at start-up)
BREAKER_KEYS = "parcelbot:breaker:"
SECRET_LOOKING = {"secret", "token", "access_token", "api_key", "password"}

Factory = Callable[[Session, m.Merchant, Mapping[str, Any], "datetime | None", Mapping[str, str]], Backend]
_FACTORIES: dict[str, Factory] = {}


class BackendConfigError(BackendError):
    """merchant.settings["backend"] can't be used; the message says what to fix (never a secret's value).
    `field` is the key of the backend settings at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def register(type_name: str, factory: Factory) -> None:
    """Make `{"type": type_name}` in merchant settings build a backend with `factory`."""
    _FACTORIES[type_name] = factory


def backend_for(
    session: Session, merchant: m.Merchant, *, now: datetime | None = None, env: Mapping[str, str] | None = None,
    code_box: CodeBox | None = None,
) -> Backend:
    """The merchant's backend for this unit of work (session) and, for tests, a fixed clock.

    `code_box` opens the access codes the bot sealed (derived from settings.secret_key by the composition
    root): a backend that hands a code to the driver gets it if its factory takes a `code_box` argument."""
    config = (merchant.settings or {}).get("backend") or {"type": "reference"}
    if not isinstance(config, Mapping):
        raise BackendConfigError(f"merchant {merchant.slug}: backend settings must be a mapping")
    kind = config.get("type", "reference")
    leaked = SECRET_LOOKING & set(config)
    if leaked:
        raise BackendConfigError(
            f"merchant {merchant.slug}: backend settings must not hold secrets ({', '.join(sorted(leaked))}); "
            "put the value in an environment variable and give its name (secret_env / token_env)"
        )
    factory = _FACTORIES.get(kind) if isinstance(kind, str) else None
    if factory is None:
        raise BackendConfigError(f"merchant {merchant.slug}: unknown backend type {kind!r} (known: "
                                 f"{', '.join(sorted(_FACTORIES))})", "type")
    environ = os.environ if env is None else env
    if _takes_code_box(factory):
        return factory(session, merchant, config, now, environ, code_box=code_box)
    return factory(session, merchant, config, now, environ)


@lru_cache(maxsize=64)
def _takes_code_box(factory: Factory) -> bool:
    """Read once per factory: inspecting a signature on every turn was about 1 % of a turn's CPU."""
    return "code_box" in inspect.signature(factory).parameters


def backend_factory(session: Session, *, now: datetime | None = None,
                    code_box: CodeBox | None = None) -> Callable[[m.Merchant], Backend]:
    """For backend.retry.retry_pending: merchant -> its backend, in this session."""
    return lambda merchant: backend_for(session, merchant, now=now, code_box=code_box)


def check_config(session: Session, merchant: m.Merchant, config: Mapping[str, Any],
                 env: Mapping[str, str] | None = None) -> tuple[str | None, str] | None:
    """Build `config` for `merchant` as a lookup would, before it is saved: None if it builds, else
    (the field at fault or None, what is wrong). Builds, and looks the carrier's host name up in DNS: no call goes
    to the far side."""
    probe = m.Merchant(id=merchant.id, slug=merchant.slug, name=merchant.name, timezone=merchant.timezone,
                       settings={"backend": dict(config)})
    try:
        backend_for(session, probe, env=env)
    except BackendConfigError as exc:
        return exc.field, str(exc).removeprefix(f"merchant {merchant.slug}: ")
    except (BackendError, ValueError, TypeError) as exc:  # a registered factory's own refusal
        return None, f"can't be used: {exc}"
    stored = (merchant.settings or {}).get("backend")
    if isinstance(stored, Mapping) and _host(stored) == _host(config):
        return None  # the host saved before: a save of another section doesn't look it up again (review)
    return _resolves_inside(config, os.environ if env is None else env)


def _host(config: Mapping[str, Any]) -> str | None:
    return urlsplit(str(config.get("base_url") or "")).hostname if config.get("type") == "http" else None


def _resolves_inside(config: Mapping[str, Any], env: Mapping[str, str]) -> tuple[str, str] | None:
    """A carrier host NAME that resolves to a private address, told at save (a 422 naming base_url) rather than
    as a carrier that never answers; the connection itself is checked again every time (backend/egress.py)."""
    host = _host(config)  # None: not an http carrier
    if host is None or egress.private_allowed(env):
        return None
    reason = egress.inside_reason(host)
    return ("base_url", f"base_url must be a public address: {reason}") if reason else None


def _secret(config: Mapping[str, Any], env: Mapping[str, str], key: str, merchant: m.Merchant) -> str:
    """Only a variable set aside for this merchant is read (backend/merchant_env.py), whatever is stored."""
    name = config.get(key)
    if not name:
        raise BackendConfigError(f"merchant {merchant.slug}: backend settings need {key} (an env variable name)",
                                 key)
    try:
        return read(env, merchant.slug, name)
    except MerchantEnvError as exc:
        raise BackendConfigError(f"merchant {merchant.slug}: {key}: {exc}", key) from None


def _require(config: Mapping[str, Any], key: str, merchant: m.Merchant) -> Any:
    if not config.get(key):
        raise BackendConfigError(f"merchant {merchant.slug}: backend settings need {key}", key)
    return config[key]


def _number(config: Mapping[str, Any], key: str, default: float, low: float, high: float, *,
            whole: bool = False) -> Any:
    """A number setting in its range: int("x") at lookup time was a 500 on every page of the merchant.
    A number in a string ("5") is read as before; a bool, a fraction where a whole number goes, or text is not."""
    value = config.get(key, default)
    try:
        number = None if isinstance(value, bool) else int(value) if whole else float(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or (whole and number != float(value)) or not low <= number <= high:
        kind = "a whole number" if whole else "a number"
        raise BackendConfigError(f"backend settings: {key} must be {kind} from {low:g} to {high:g}", key)
    return number


def _flag(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise BackendConfigError(f"backend settings: {key} must be true or false", key)
    return value


@lru_cache(maxsize=4)
def _redis_store(url: str, prefix: str) -> BreakerStore:
    import redis

    return RedisBreakerStore(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5), prefix=prefix)


def breaker_store(env: Mapping[str, str]) -> BreakerStore:
    """Shared through Redis when PARCELBOT_BREAKER_REDIS_URL is set (several workers), else this process. Keys
    under PARCELBOT_KEY_PREFIX when set: staging's failures must not open production's breaker on a shared Redis."""
    url = env.get(BREAKER_REDIS_ENV)
    if not url:
        return DEFAULT_STORE
    prefix = (env.get(KEY_PREFIX_ENV) or "").strip()
    return _redis_store(url, f"{prefix}:{BREAKER_KEYS}" if prefix else BREAKER_KEYS)


def _breaker(name: str, config: Mapping[str, Any], env: Mapping[str, str]) -> CircuitBreaker:
    return CircuitBreaker(
        name,
        threshold=_number(config, "breaker_threshold", 5, 1, 1000, whole=True),
        cooldown=_number(config, "breaker_cooldown_seconds", 30, 0, 3600),
        store=breaker_store(env),
    )


def _timeouts(config: Mapping[str, Any]) -> tuple[float, float]:
    return _number(config, "connect_timeout_seconds", 3.05, 0.1, 60), _number(config, "timeout_seconds", 10, 0.1, 120)


def _reference(session, merchant, config, now, env) -> Backend:  # noqa: ANN001
    return ReferenceBackend(session, merchant, now=now)


def _http(session, merchant, config, now, env, *, code_box=None) -> Backend:  # noqa: ANN001
    base_url = str(_require(config, "base_url", merchant))
    parts = urlsplit(base_url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _flag(config, "allow_insecure_http", False)):
        raise BackendConfigError(f"merchant {merchant.slug}: base_url must be https://", "base_url")
    if not parts.hostname or parts.username or parts.password:
        raise BackendConfigError(f"merchant {merchant.slug}: base_url must be https://host/path", "base_url")
    if egress.private_spelling(parts.hostname) and not egress.private_allowed(env):
        raise BackendConfigError(f"merchant {merchant.slug}: base_url must be a public address, not "
                                 f"{parts.hostname} (the operator can allow private ones)", "base_url")
    actions = config.get("supported_actions")
    known = {kind.value for kind in ActionKind}
    if actions is not None and (not isinstance(actions, list) or not all(a in known for a in actions)):
        raise BackendConfigError(f"merchant {merchant.slug}: supported_actions must be a list of action names "
                                 f"({', '.join(sorted(known))})", "supported_actions")
    return HttpBackend(
        base_url,
        _secret(config, env, "secret_env", merchant),
        name=str(config.get("name", "http")),
        merchant_slug=merchant.slug,
        supported_actions=actions,
        timeout=_timeouts(config),
        retry=RetryPolicy(attempts=_number(config, "retry_attempts", 3, 1, 10, whole=True)),
        breaker=_breaker(f"http:{parts.netloc}", config, env),
        pending_sink=session_sink(session, merchant.id, now),
        code_box=code_box,
        http=egress.kept_session(f"carrier:{merchant.id}:{parts.netloc}", env),  # inside refused at connect
    )


def _shopify(session, merchant, config, now, env, *, code_box=None) -> Backend:  # noqa: ANN001
    shop = str(_require(config, "shop", merchant)).removeprefix("https://").strip("/").lower()
    if not SHOP_HOST.fullmatch(shop):
        raise BackendConfigError(f"merchant {merchant.slug}: shop must be your shop's <name>.myshopify.com",
                                 "shop")
    api_version = str(config.get("api_version", API_VERSION))
    if not re.fullmatch(r"\d{4}-\d{2}|unstable", api_version):
        raise BackendConfigError(f"merchant {merchant.slug}: api_version must look like {API_VERSION}",
                                 "api_version")
    return ShopifyBackend(
        shop,
        _secret(config, env, "token_env", merchant),
        merchant_slug=merchant.slug,
        api_version=api_version,
        allow_cancel=_flag(config, "allow_cancel", True),
        delivery_instructions=_flag(config, "delivery_instructions", False),
        code_box=code_box,
        timeout=_timeouts(config),
        breaker=_breaker(f"shopify:{shop}", config, env),
        pending_sink=session_sink(session, merchant.id, now),
    )


register("reference", _reference)
register("http", _http)
register("shopify", _shopify)
