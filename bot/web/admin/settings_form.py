"""The Settings page's forms, rendered from the settings schema itself (bot/core/settings_schema.py): each
field's input kind, label, hint and choices come from the pydantic model, so a setting added to the schema
appears on the page without a template change, and the page can never accept what the API refuses.

A form posts flat names ("brand.primary_colour", "actions.hold_delivery.allowed"); `section_data` turns them
back into the section's JSON, which the same service as the API validates and saves.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from backend.types import ActionKind
from bot.core import settings_schema as schema
from bot.services.merchant_settings import SettingsInvalid

# Sections on the page, in order, with a title and why a merchant would change them. "general" gathers
# top-level values; "actions" and "fees" are tables (one row per delivery action).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("brand", "Brand", "How the bot and your tracking pages look and sign off."),
    ("general", "Time zone and channel", "Your time zone sets quiet hours and every time the bot writes."),
    ("support", "Support hours", "When a person reads conversations handed over; shoppers are told these."),
    ("actions", "Delivery changes", "Which changes shoppers may ask for, and how they prove who they are."),
    ("fees", "Fees for premium options", "Charged for a change; leave empty for free."),
    ("quiet_hours", "Quiet hours", "No notification texts between these times (replies are always sent)."),
    ("numbers", "Numbers", "The numbers shoppers text; each selects your shop, so it can be yours only."),
    ("handoff", "Handing over to a person", "When the bot hands a conversation to your team."),
    ("console", "Agent console targets", "When a waiting shopper turns amber, then red, in the queue."),
    ("money", "Costs for the money view", "What a contact and a failed delivery attempt cost you."),
    ("payments", "Payments", "Who takes payment for paid options. Give variable NAMES, never secrets."),
    ("survey", "Satisfaction survey", "Ask shoppers how it went after delivery."),
)
GENERAL = ("timezone", "region", "notification_channel")
POLICY_LABELS = {"code": "A one-time code", "sender_number": "Texting from the parcel's number",
                 "none": "Nothing (anyone with the tracking number)"}
ACTION_LABELS = {
    ActionKind.LEAVE_WITH_NEIGHBOUR: "Leave with a neighbour", ActionKind.LEAVE_IN_SAFE_PLACE: "Leave in a safe place",
    ActionKind.ADD_DELIVERY_NOTE: "Add a note for the driver", ActionKind.RESCHEDULE: "Deliver on another day",
    ActionKind.PICKUP_POINT: "Deliver to a pickup point", ActionKind.HOLD: "Hold at the depot",
    ActionKind.CHANGE_ADDRESS: "Change the address", ActionKind.CANCEL_ORDER: "Cancel the order",
}


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the dotted path, also the form field's name and the error's key
    label: str
    hint: str = ""
    kind: str = "text"  # text | checkbox | select | number | decimal | url | email
    options: tuple[tuple[str, str], ...] = ()
    optional: bool = True

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


def _plain(annotation: Any) -> tuple[Any, bool]:
    """`X | None` -> (X, True); Annotated[...] -> its type."""
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else str
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional


_WORDS = {"url": "URL", "sms": "SMS", "whatsapp": "WhatsApp", "sla": "SLA:", "env": "variable",
          "email": "Email"}


def _label(name: str) -> str:
    words = [_WORDS.get(w, w) for w in name.split("_")]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if not text or text.endswith((".", ")")) else ".")


def _field(path: str, name: str, info: FieldInfo) -> list[FieldSpec]:
    annotation, optional = _plain(info.annotation)
    hint = _sentence(info.description or "")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return fields_of(annotation, f"{path}.{name}")
    kind, options = "text", ()
    if annotation is bool:
        kind = "checkbox"
    elif typing.get_origin(annotation) is Literal:
        choices = typing.get_args(annotation)
        kind, options = "select", tuple((str(v), POLICY_LABELS.get(str(v), str(v))) for v in choices)
    elif annotation is int:
        kind = "number"
    elif annotation is Decimal:
        kind = "decimal"
    elif name.endswith("url"):
        kind = "url"
    elif name == "email":
        kind = "email"
    return [FieldSpec(f"{path}.{name}".lstrip("."), _label(name), hint, kind, options, optional)]


def fields_of(model: type[BaseModel], path: str = "") -> list[FieldSpec]:
    out: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        out.extend(_field(path, name, info))
    return out


def section_fields(section: str) -> list[FieldSpec]:
    """The inputs of one section's form."""
    if section == "general":
        return [f for name in GENERAL for f in _field("", name, schema.MerchantSettings.model_fields[name])]
    if section == "actions":
        out = []
        for kind in ActionKind:
            out.append(FieldSpec(f"actions.{kind.value}.allowed", ACTION_LABELS[kind], kind="checkbox"))
            out.append(FieldSpec(f"actions.{kind.value}.verification", "Proof needed", kind="select",
                                 options=tuple(POLICY_LABELS.items()), optional=False))
        return out
    if section == "fees":
        return [FieldSpec("fees.currency", "Currency", "ISO 4217, e.g. GBP", optional=False),
                *(FieldSpec(f"fees.per_action.{kind.value}", ACTION_LABELS[kind], kind="decimal")
                  for kind in ActionKind)]
    model = schema.MerchantSettings.model_fields[section].annotation
    return fields_of(model, section)


def value_at(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    """Write `value` at the dotted path, making each parent an object: a parent the stored settings hold as
    null (handoff.webhook while none is set) or as anything else is replaced, not written into (a 500)."""
    *parents, leaf = path.split(".")
    for part in parents:
        child = target.get(part)
        target[part] = child = dict(child) if isinstance(child, Mapping) else {}
        target = child
    target[leaf] = value


NUMBER_DIGITS = 9  # no setting's number is near a billion; int() of 5,000 digits is a ValueError


def _number(name: str, raw: str) -> int:
    """A whole number typed in ASCII digits, or SettingsInvalid naming the field: str.isdigit() also takes "²"
    and "①", which int() refuses (a 500)."""
    text = raw.strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits or len(digits) > NUMBER_DIGITS or not (digits.isascii() and digits.isdigit()):
        raise SettingsInvalid({name: f"must be a whole number written in digits 0-9 (at most {NUMBER_DIGITS})"})
    return int(text)


def section_data(section: str, form: Mapping[str, str], current: Mapping[str, Any]) -> dict[str, Any]:
    """The posted form -> the settings JSON for this section (merged onto the current values of anything the
    form doesn't show, so saving one section never clears another's keys). SettingsInvalid for a number that
    is not one, as the service's own check would be."""
    out: dict[str, Any] = {}
    keys = GENERAL if section == "general" else (section,)
    for key in keys:
        if isinstance(current.get(key), dict):
            out[key] = copy.deepcopy(current[key])  # _set writes into it: never into the caller's dict
    if section == "fees":
        out["fees"] = {"per_action": {}}
    for spec in section_fields(section):
        raw = form.get(spec.name)
        if spec.kind == "checkbox":
            value: Any = raw is not None
        elif raw is None or not raw.strip():
            if section == "fees" and spec.name.startswith("fees.per_action."):
                continue  # an empty fee: free
            value = None if spec.optional else ""
        elif spec.kind == "number":
            value = _number(spec.name, raw)
        else:
            value = raw.strip()
        _set(out, spec.name, value)
    if section == "handoff" and not value_at(out, "handoff.webhook.url") and not value_at(
            out, "handoff.webhook.secret_env"):
        out["handoff"]["webhook"] = None  # both empty: no webhook
    return out


def form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Every field's current value by its dotted name, for the template."""
    return {spec.name: value_at(data, spec.name) for section, _, _ in SECTIONS for spec in section_fields(section)}
