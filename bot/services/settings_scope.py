"""The checks of a merchant's settings that depend on WHICH merchant saves them, run by every save (the
console's page, PUT /api/v1/settings, PUT /api/v1/config and the CLI import, through merchant_settings).

- Every environment variable a setting names must be one set aside for this merchant (backend/merchant_env.py):
  the environment is the whole installation's, the settings are the merchant's.
- The carrier backend is built once, as a lookup would build it (backend/registry.check_config): a setting
  that can't be built was saved with 200 and then made every tracking page and event feed fail.
- A handoff webhook's host must be public (backend/egress.py), as a carrier's must: the server POSTs to it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from backend import egress
from backend import models as m
from backend.merchant_env import name_error
from backend.registry import check_config
from bot.core.settings_schema import MerchantSettings


def merchant_errors(session: Session, merchant: m.Merchant, s: MerchantSettings,
                    env: Mapping[str, str] | None = None) -> dict[str, str]:
    """{"dotted.field": "what is wrong"} for this merchant's settings; empty if none."""
    errors: dict[str, str] = {}
    named = {
        "handoff.webhook.secret_env": s.handoff.webhook.secret_env if s.handoff.webhook else None,
        "payments.secret_key_env": s.payments.secret_key_env,
        "payments.webhook_secret_env": s.payments.webhook_secret_env,
    }
    for path, name in named.items():
        problem = name_error(merchant.slug, name) if name else None
        if problem:
            errors[path] = problem
    environ = os.environ if env is None else env
    hook = s.handoff.webhook.url if s.handoff.webhook else None
    stored = (merchant.settings or {}).get("handoff_webhook")
    saved_before = isinstance(stored, dict) and _host(stored.get("url")) == _host(hook)  # not looked up again
    reason = (None if not hook or saved_before or egress.private_allowed(environ)
              else egress.inside_reason(_host(hook) or ""))
    if reason:
        errors["handoff.webhook.url"] = f"must be a public address: {reason}"
    problem = check_config(session, merchant, s.backend, env)
    if problem is not None:
        field, message = problem
        errors[f"backend.{field}" if field else "backend"] = message
    return errors


def _host(url: object) -> str | None:
    return urlsplit(url).hostname if isinstance(url, str) else None
