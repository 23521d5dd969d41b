"""The merchant's side of the wording service: see every template, check a proposed text, save it, go back.

Channel-free (the console's page, the API and the settings import all call this). The current wording lives
in merchant.settings["responses"] (the one place bot/core/wording.py reads), as key -> text for every
channel, or key -> {"default": text, "sms": text, ...}; every change also writes a ConfigRevision row in the
same transaction (who, when, before, after), which is what the history shows and what a revert restores.

Slots: a merchant's text for one channel ("sms", "whatsapp", "rest", "web") or for every channel (channel
None, stored under "default"). The most specific wins when the bot renders (merchant+channel, merchant,
default+channel, default), so an all-channel text is what SMS sends unless there is an SMS text too.

Variables a template may use: the union of the fields its default variants use, plus {brand}, plus the
agreement form {name|one/many} of any of them. Required: the facts a message is useless without (REQUIRED
below: a code, a link, a fee, a reference, the list of choices), when every default variant has them.
"""

from __future__ import annotations

import dataclasses
import string
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from bot.core.grammar import AGREEMENT
from bot.core.merchant_config import MerchantConfig
from bot.core.notifications import SIGNED_TEMPLATES, signed
from bot.core.outbox import OptedOut, queue_message
from bot.core.samples import FAMILIES, fields, sample_values, values_for
from bot.core.wording import Template, Wording
from bot.services.template_check import CheckResult, Problem, check_text, parse

CHANNELS = ("sms", "whatsapp", "rest", "web")  # the variants a merchant may write (None: every channel)
ALL = "default"  # the storage slot of the every-channel text
# Facts a shopper can't act without: a one-time code, where to click, what it costs, the reference to quote,
# the choices to pick from. Required only where every default variant has them (so a merchant's text can
# never need more than ours gives it).
REQUIRED = frozenset({"code", "link", "url", "fee", "amount", "reference", "options"})
HISTORY_KINDS = ("template", "revert")


class TemplateError(Exception):
    """A request the service refuses; `errors` names each field's problem (the API's 422, the page's notice)."""

    def __init__(self, errors: dict[str, str], status: int = 422, result: CheckResult | None = None) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.status = status
        self.result = result


class UnknownTemplate(TemplateError):
    def __init__(self, name: str) -> None:
        super().__init__({"name": f"no template {name!r}"}, status=404)


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    group: str  # the file it is defined in, e.g. "leave_with_neighbour"
    defaults: dict[str, str]  # "default" (every channel) and each channel variant of our wording
    variables: tuple[str, ...]
    required: tuple[str, ...]
    agreements: tuple[str, ...]  # the {name|one/many} forms our wording uses, e.g. "parcel|is/are"
    overrides: dict[str, str]  # the merchant's slots: "default" and/or channels

    @property
    def overridden(self) -> bool:
        return bool(self.overrides)

    def effective(self, channel: str | None) -> str:
        """The text the bot sends on this channel for this merchant now (the wording service's order)."""
        slot = channel or ALL
        return (self.overrides.get(slot) or self.overrides.get(ALL) or self.defaults.get(slot)
                or self.defaults[ALL])

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "group": self.group, "defaults": self.defaults, "overrides": self.overrides,
                "overridden": self.overridden, "variables": list(self.variables), "required": list(self.required),
                "agreements": list(self.agreements)}


@dataclass(frozen=True)
class Revision:
    id: int
    kind: str
    name: str
    channel: str | None
    before: str | None  # None: our default was in force
    after: str | None  # None: back to our default
    author: str
    at: datetime

    @classmethod
    def of(cls, row: m.ConfigRevision) -> Revision:
        return cls(row.id, row.kind, row.name, row.channel, row.before, row.after, row.author, row.created_at)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "name": self.name, "channel": self.channel,
                "before": self.before, "after": self.after, "author": self.author,
                "at": self.at.isoformat() if self.at else None}


def _slots(value: Any) -> dict[str, str]:
    """A stored override as slots: "text" -> {"default": "text"}; a mapping keeps its non-empty strings."""
    if isinstance(value, str):
        return {ALL: value} if value else {}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if isinstance(v, str) and v}
    return {}


def _stored(slots: dict[str, str]) -> str | dict[str, str] | None:
    if not slots:
        return None
    return slots[ALL] if set(slots) == {ALL} else dict(slots)


def _fields_of(template: Template) -> tuple[set[str], set[str]]:
    """(plain variables, agreement forms) over every default variant."""
    plain: set[str] = set()
    forms: set[str] = set()
    for text in (template.text, *template.by_channel.values()):
        plain |= parse(text).variables
        forms |= {f for _, f, _, _ in string.Formatter().parse(text) if f and AGREEMENT.match(f)}
    return plain, forms


class Templates:
    """The admin side of one Wording service (the runtime's)."""

    def __init__(self, wording: Wording) -> None:
        self.wording = wording
        self._samples: dict[str, str] | None = None

    # -- reading ------------------------------------------------------------------------------------------
    def samples(self) -> dict[str, str]:
        if self._samples is None:
            self._samples = sample_values(self.wording)
        return self._samples

    def names(self) -> list[str]:
        return sorted(self.wording.catalogue)

    def info(self, name: str, responses: dict[str, Any] | MappingProxyType | None = None) -> TemplateInfo:
        template = self.wording.catalogue.get(name)
        if template is None:
            raise UnknownTemplate(name)
        plain, forms = _fields_of(template)
        required = frozenset.intersection(*(parse(t).variables for t in (template.text, *template.by_channel.values())))
        return TemplateInfo(name, template.source or "other", {ALL: template.text, **template.by_channel},
                            tuple(sorted(plain | {"brand"})), tuple(sorted(required & REQUIRED)),
                            tuple(sorted(forms)), _slots((responses or {}).get(name)))

    def overview(self, responses: dict[str, Any] | MappingProxyType | None = None) -> list[TemplateInfo]:
        """Every template, grouped by file then by name (the page's order)."""
        return sorted((self.info(n, responses) for n in self.names()), key=lambda t: (t.group, t.name))

    # -- checking -----------------------------------------------------------------------------------------
    def check(self, name: str, channel: str | None, text: str, *,
              responses: dict[str, Any] | MappingProxyType | None = None, brand: str | None = None,
              sign_off: str | None = None) -> CheckResult:
        """Check a proposed text for one channel (None: every channel) against this merchant's current wording
        (`responses`: whether SMS would send an all-channel text) and fill it with the sample values; a
        notification's text ends with the merchant's `sign_off`, as the shopper gets it (notifications.signed)."""
        if channel is not None and channel not in CHANNELS:
            return CheckResult(name, channel, text, (Problem("channel", f"must be one of {', '.join(CHANNELS)} "
                                                                        "or null (every channel)"),))
        info = self.info(name, responses)
        sms_applies = channel == "sms" or (channel is None and "sms" not in info.overrides)
        values = {k: v for k, v in values_for(name, self.samples()).items() if not (brand and k == "brand")}
        config = dataclasses.replace(MerchantConfig.of(None), brand_name=brand or values.get("brand", ""),
                                     responses=MappingProxyType({name: {channel or ALL: text}}), sign_off=sign_off)

        parent = self.parent(name)

        def fill(proposed: str) -> str:
            # The real path: the wording service renders the proposed override as it would for a shopper -
            # and a part of a message (a change's summary) inside the message it goes out in, so the preview
            # and the segment count are what the shopper receives, not a fragment of it.
            own = self.wording.render(name, merchant=config, channel=channel, **values)
            if parent is None:
                return signed(config, own) if name in SIGNED_TEMPLATES else own
            key, slot = parent
            whole = self.wording.render(key, merchant=config, channel=channel, **{**values, slot: own})
            return signed(config, whole) if key in SIGNED_TEMPLATES else whole

        result = check_text(name, channel, text, allowed=info.variables, required=info.required, fill=fill,
                            sms_applies=sms_applies)
        return dataclasses.replace(result, inside=parent[0]) if parent and result.preview else result

    def parent(self, name: str) -> tuple[str, str] | None:
        """(the longest default template that carries this one, the placeholder it fills) for a template that
        is a part of a message (bot/core/samples.py FAMILIES: summaries, reasons...), else None."""
        for slot, marks in FAMILIES.items():
            if not any(name.startswith(mark) or name.endswith(mark) for mark in marks):
                continue
            carriers = [(len(t.text), key) for key, t in self.wording.catalogue.items()
                        if slot in fields(t.text) and key != name]
            if carriers:
                return max(carriers)[1], slot
        return None

    # -- writing ------------------------------------------------------------------------------------------
    def save(self, session: Session, merchant_id: int, name: str, channel: str | None, text: str, *,
             author: str) -> Revision:
        """Check, then store the merchant's text for one channel (None: every channel) with its revision.
        Raises TemplateError (422 with each problem named) if the check fails. The caller commits."""
        merchant = _locked(session, merchant_id)
        result = self.check(name, channel, text, responses=_responses(merchant), brand=_brand(merchant),
                            sign_off=MerchantConfig.of(merchant).sign_off)
        if not result.ok:
            raise TemplateError(result.errors(), result=result)
        return _write(session, merchant, "template", name, channel, text, author)

    def reset(self, session: Session, merchant_id: int, name: str, channel: str | None = None, *, author: str,
              every_channel: bool = False) -> list[Revision]:
        """Back to our default: one slot (channel, or the every-channel text), or all of them."""
        merchant = _locked(session, merchant_id)
        self.info(name)  # 404 for a name we don't have
        current = _slots(_responses(merchant).get(name))
        slots = sorted(current) if every_channel else [channel or ALL]
        return [_write(session, merchant, "template", name, None if s == ALL else s, None, author)
                for s in slots if s in current]

    def history(self, session: Session, merchant_id: int, name: str, limit: int = 50) -> list[Revision]:
        """Who changed this template's wording, when, and from what to what; newest first."""
        rows = session.scalars(
            select(m.ConfigRevision)
            .where(m.ConfigRevision.merchant_id == merchant_id, m.ConfigRevision.name == name,
                   m.ConfigRevision.kind.in_(HISTORY_KINDS))
            .order_by(m.ConfigRevision.id.desc()).limit(limit))
        return [Revision.of(r) for r in rows]

    def revert(self, session: Session, merchant_id: int, name: str, revision_id: int, *, author: str) -> Revision:
        """Put back what a revision replaced (its `before`), recorded as a new revision of kind "revert"."""
        merchant = _locked(session, merchant_id)
        # an id no INTEGER column holds is no revision, before the database is asked (review: a 500 from the admin form)
        row = session.get(m.ConfigRevision, revision_id) if 0 < revision_id < 2**31 else None
        if row is None or row.merchant_id != merchant_id or row.name != name or row.kind not in HISTORY_KINDS:
            raise TemplateError({"revision": f"no revision {revision_id} of {name} for this merchant"}, 404)
        if row.before is not None:
            result = self.check(name, row.channel, row.before, responses=_responses(merchant), brand=_brand(merchant),
                                sign_off=MerchantConfig.of(merchant).sign_off)
            if not result.ok:  # our template changed since: the old text no longer fits it
                raise TemplateError(result.errors(), result=result)
        return _write(session, merchant, "revert", name, row.channel, row.before, author)

    # -- trying it ----------------------------------------------------------------------------------------
    def send_test(self, session: Session, merchant_id: int, user_id: int, name: str,
                  channel: str | None = "sms") -> m.Message:
        """The merchant's current text for this channel, filled with the sample values, queued through the
        outbox to the admin's own phone by SMS (so it goes out through the sender like any message)."""
        merchant = session.get(m.Merchant, merchant_id)
        user = session.get(m.User, user_id)
        if merchant is None or user is None or user.merchant_id != merchant_id:
            raise TemplateError({"user": "not a user of this merchant"}, 403)
        self.info(name)
        if not user.phone:
            raise TemplateError({"phone": "your user has no phone number: ask for one to be set with "
                                          "`parcelbot user add ... --phone +44...` or `parcelbot user phone`"}, 409)
        values = {k: v for k, v in values_for(name, self.samples()).items() if k != "brand"}
        body = self.wording.render(name, merchant=merchant, channel=channel or "sms", **values)
        try:
            return queue_message(session, merchant=merchant, channel="sms", to=user.phone, body=str(body)).message
        except OptedOut:
            raise TemplateError({"phone": f"{user.phone} has texted STOP to this merchant's number: text START "
                                          "to it first"}, 409) from None


# -- storage ------------------------------------------------------------------------------------------------
def _locked(session: Session, merchant_id: int) -> m.Merchant:
    """The merchant's row, locked for this transaction (two admins saving at once don't lose a change)."""
    merchant = session.scalar(select(m.Merchant).where(m.Merchant.id == merchant_id).with_for_update())
    if merchant is None:
        raise TemplateError({"merchant": "no such merchant"}, 404)
    return merchant


def _responses(merchant: m.Merchant) -> dict[str, Any]:
    settings = merchant.settings if isinstance(merchant.settings, dict) else {}
    responses = settings.get("responses")
    return dict(responses) if isinstance(responses, dict) else {}


def _brand(merchant: m.Merchant) -> str:
    return MerchantConfig.of(merchant).brand_name


def _write(session: Session, merchant: m.Merchant, kind: str, name: str, channel: str | None, text: str | None,
           author: str) -> Revision:
    """Set (or clear, text None) one slot and record the revision, in the caller's transaction."""
    responses = _responses(merchant)
    slots = _slots(responses.get(name))
    slot = channel or ALL
    before = slots.get(slot)
    if text is None:
        slots.pop(slot, None)
    else:
        slots[slot] = text
    stored = _stored(slots)
    if stored is None:
        responses.pop(name, None)
    else:
        responses[name] = stored
    settings = dict(merchant.settings) if isinstance(merchant.settings, dict) else {}
    settings["responses"] = responses
    merchant.settings = settings  # a new dict: the JSON column sees the change
    row = m.ConfigRevision(merchant_id=merchant.id, kind=kind, name=name, channel=channel, before=before,
                           after=text, author=author[:200])
    session.add(row)
    session.flush()
    return Revision.of(row)
