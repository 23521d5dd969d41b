"""Which environment variables a merchant's settings may name as a secret (carrier, Shopify, handoff webhook,
Stripe): only the ones the operator set aside for THAT merchant, `MERCHANT_<SLUG>__<NAME>`.

Why: settings are edited by the merchant (console, API key, YAML import), but the environment is the whole
installation's: PARCELBOT_SECRET_KEY, TWILIO_AUTH_TOKEN, DATABASE_URL, other merchants' tokens. A setting
that could name any variable would let one merchant send any of them to a host it chooses. So the name must
start with the merchant's own prefix; the operator decides what goes in it.

<SLUG> is the slug upper-cased with "-" as "_" (shop "acme-eu": MERCHANT_ACME_EU__SHOPIFY_TOKEN). <NAME> is
words of A-Z and 0-9 joined by single "_": with no "__" in it, a name belongs to exactly one slug (the part
before its last "__"), so "acme" can't name "acme-eu"'s variables, nor "acme--eu"'s.

Checked when settings are saved (bot/core/settings_schema.py, bot/services) AND where each secret is read
(`read`), so a row stored before this rule, or written past the schema, can't leak anything either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PREFIX = "MERCHANT_"
_NAME = re.compile(r"[A-Z0-9]+(?:_[A-Z0-9]+)*")


class MerchantEnvError(ValueError):
    """The name isn't this merchant's, or the variable isn't set; the message names it, never a value."""


def prefix_for(slug: str) -> str:
    """MERCHANT_ACME_EU__ for slug "acme-eu": the start of every variable that merchant's settings may name."""
    return f"{PREFIX}{slug.upper().replace('-', '_')}__"


def name_error(slug: str, name: object) -> str | None:
    """Why `name` may not be named by merchant `slug`'s settings, or None if it may."""
    prefix = prefix_for(slug)
    if not isinstance(name, str) or not name.startswith(prefix) or not _NAME.fullmatch(name[len(prefix):]):
        return (f"must be the name of an environment variable set aside for this merchant: {prefix}<NAME> "
                f"(e.g. {prefix}SECRET; ask the operator to set it)")
    return None


def read(env: Mapping[str, str], slug: str, name: object) -> str:
    """The value of merchant `slug`'s variable `name`, or MerchantEnvError (a foreign name is never read)."""
    problem = name_error(slug, name)
    if problem:
        raise MerchantEnvError(f"{name!s:.80} {problem}")
    value = env.get(str(name), "")
    if not value.strip():
        raise MerchantEnvError(f"environment variable {name} is not set on the server (ask the operator)")
    return value
