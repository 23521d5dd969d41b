"""Which backend serves a merchant: chosen by merchant.settings["backend"], default the reference carrier.

    {"type": "reference"}
    {"type": "http", "base_url": "https://carrier.example.com/v1", "secret_env": "ACME_CARRIER_SECRET",
     "name": "acme-carrier", "supported_actions": ["leave_with_neighbour", "add_delivery_note"]}
    {"type": "shopify", "shop": "acme.myshopify.com", "token_env": "ACME_SHOPIFY_TOKEN", "api_version": "2024-10",
     "delivery_instructions": true}

Secrets never live in the database: settings name the environment variable that holds them. Adding a
backend is `register("mytype", factory)`; see docs/backend.md.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from backend import models as m
from backend.http_adapter import HttpBackend
from backend.pending import session_sink
from backend.protocol import Backend, BackendError
from backend.reference import ReferenceBackend
from backend.resilience import DEFAULT_STORE, BreakerStore, CircuitBreaker, RedisBreakerStore, RetryPolicy
from backend.sealing import CodeBox
from backend.shopify import API_VERSION, ShopifyBackend

BREAKER_REDIS_ENV = "PARCELBOT_BREAKER_REDIS_URL"
SECRET_LOOKING = {"secret", "token", "access_token", "api_key", "password"}

Factory = Callable[[Session, m.Merchant, Mapping[str, Any], "datetime | None", Mapping[str, str]], Backend]
_FACTORIES: dict[str, Factory] = {}


class BackendConfigError(BackendError):
    """merchant.settings["backend"] can't be used; the message says what to fix (never a secret's value)."""


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
    kind = config.get("type", "reference")
    leaked = SECRET_LOOKING & set(config)
    if leaked:
        raise BackendConfigError(
            f"merchant {merchant.slug}: backend settings must not hold secrets ({', '.join(sorted(leaked))}); "
            "put the value in an environment variable and give its name (secret_env / token_env)"
        )
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise BackendConfigError(f"merchant {merchant.slug}: unknown backend type {kind!r}")
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


def _secret(config: Mapping[str, Any], env: Mapping[str, str], key: str, merchant: m.Merchant) -> str:
    name = config.get(key)
    if not name:
        raise BackendConfigError(f"merchant {merchant.slug}: backend settings need {key} (an env variable name)")
    value = env.get(name)
    if not value:
        raise BackendConfigError(f"merchant {merchant.slug}: environment variable {name} is not set")
    return value


def _require(config: Mapping[str, Any], key: str, merchant: m.Merchant) -> Any:
    if not config.get(key):
        raise BackendConfigError(f"merchant {merchant.slug}: backend settings need {key}")
    return config[key]


@lru_cache(maxsize=4)
def _redis_store(url: str) -> BreakerStore:
    import redis

    return RedisBreakerStore(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5))


def breaker_store(env: Mapping[str, str]) -> BreakerStore:
    """Shared through Redis when PARCELBOT_BREAKER_REDIS_URL is set (several workers), else this process."""
    url = env.get(BREAKER_REDIS_ENV)
    return _redis_store(url) if url else DEFAULT_STORE


def _breaker(name: str, config: Mapping[str, Any], env: Mapping[str, str]) -> CircuitBreaker:
    return CircuitBreaker(
        name,
        threshold=int(config.get("breaker_threshold", 5)),
        cooldown=float(config.get("breaker_cooldown_seconds", 30)),
        store=breaker_store(env),
    )


def _timeouts(config: Mapping[str, Any]) -> tuple[float, float]:
    return float(config.get("connect_timeout_seconds", 3.05)), float(config.get("timeout_seconds", 10))


def _reference(session, merchant, config, now, env) -> Backend:  # noqa: ANN001
    return ReferenceBackend(session, merchant, now=now)


def _http(session, merchant, config, now, env, *, code_box=None) -> Backend:  # noqa: ANN001
    base_url = str(_require(config, "base_url", merchant))
    if urlsplit(base_url).scheme != "https" and not config.get("allow_insecure_http"):
        raise BackendConfigError(f"merchant {merchant.slug}: base_url must be https://")
    return HttpBackend(
        base_url,
        _secret(config, env, "secret_env", merchant),
        name=config.get("name", "http"),
        merchant_slug=merchant.slug,
        supported_actions=config.get("supported_actions"),
        timeout=_timeouts(config),
        retry=RetryPolicy(attempts=int(config.get("retry_attempts", 3))),
        breaker=_breaker(f"http:{urlsplit(base_url).netloc}", config, env),
        pending_sink=session_sink(session, merchant.id, now),
        code_box=code_box,
    )


def _shopify(session, merchant, config, now, env, *, code_box=None) -> Backend:  # noqa: ANN001
    shop = str(_require(config, "shop", merchant))
    return ShopifyBackend(
        shop,
        _secret(config, env, "token_env", merchant),
        merchant_slug=merchant.slug,
        api_version=config.get("api_version", API_VERSION),
        allow_cancel=bool(config.get("allow_cancel", True)),
        delivery_instructions=bool(config.get("delivery_instructions", False)),
        code_box=code_box,
        timeout=_timeouts(config),
        breaker=_breaker(f"shopify:{shop}", config, env),
        pending_sink=session_sink(session, merchant.id, now),
    )


register("reference", _reference)
register("http", _http)
register("shopify", _shopify)
