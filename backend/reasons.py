"""Why a change can't be made, as a code plus parameters: the words live with the bot, not the backend.

The backend decides *that* something is refused and *why* (a code from CODES, with values such as a
cut-off time); the bot words it in the merchant's voice (training_data/responses/reasons.yml, rendered by
bot/core/wording.Voice.reason), so a merchant can change every sentence a shopper reads. Times and money
travel already formatted ("22:00 on Sunday 22 November", "£2.00"); an action kind travels as its value
({"action": "hold_delivery"}) and is named by the template `label_action_<value>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CODES: tuple[str, ...] = (
    # the parcel's state stops every change
    "already_delivered",
    "returning_to_sender",
    "depot_problem",
    "sender_locked",  # {why}: the merchant's own words for the lock
    "sender_locked_as_arranged",  # a lock the merchant gave no words for
    "too_many_changes",  # {count}
    "too_many_changes_once",
    # timing
    "out_for_delivery_late_only",
    "cutoff_passed",  # {cutoff}
    # who offers what
    "carrier_does_not_offer",  # {action}
    "merchant_does_not_offer",  # {action}
    "not_here",  # {action}: an order system that can't change deliveries (Shopify)
    "not_here_try_tracking",  # {action, url}
    # the parcel itself
    "needs_signature_unattended",
    "too_valuable_unattended",  # {limit}
    "needs_signature_neighbour",
    "no_slots",  # {days}
    "no_pickup_points",  # {area}
    "no_pickup_points_here",
    # what can be done instead: the second sentence (Reason.also)
    "alt_pickup_or_later",
    "alt_pickup",
    "alt_later",
    "alt_someone_in",
    # cancelling
    "already_cancelled",
    "no_order",
    "delivered_return_instead",
    "left_warehouse_return_later",
    "shop_could_not_cancel",
    # the details of a change (backend/rules_apply.py)
    "neighbour_missing",
    "neighbour_too_long",  # {limit}
    "safe_place_missing",
    "safe_place_too_long",  # {limit}
    "note_missing",
    "note_too_long",  # {limit}
    "slot_not_offered",
    "pickup_point_not_offered",
    "hold_day_missing",
    "hold_day_not_after_today",
    "hold_too_long",  # {days, latest}
    "address_missing",
    "address_other_country",
    "postcode_invalid",  # {postcode}
    "redirect_outside_area",  # {area}
    "address_town_mismatch",  # {town, postcode}
    "address_town_missing",  # {postcode}
    "fee_needs_confirmation",  # {fee}
    # the far side
    "carrier_refused",
    "carrier_not_answering_kept",
    "gave_up",
    "gave_up_unsure",  # its answers could not be read: it may have been made
    "parcel_not_found",
    "order_not_found",
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Reason:
    """One sentence's worth of "why not": a code, its values, and optionally a second sentence."""

    code: str
    params: Mapping[str, str] = field(default_factory=dict)
    also: Reason | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.match(self.code):
            raise ValueError(f"reason_code: expected a snake_case code, got {self.code!r}")
        object.__setattr__(self, "params", {str(k): str(v) for k, v in dict(self.params or {}).items()})

    def __hash__(self) -> int:  # params is a dict; the value is still immutable in use
        return hash((self.code, tuple(sorted(self.params.items())), self.also))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "params": dict(self.params)}
        if self.also is not None:
            out["also"] = self.also.to_json()
        return out

    @classmethod
    def from_json(cls, data: Any, name: str = "reason_code") -> Reason | None:
        """None for nothing; ValueError naming the field for something that isn't a reason."""
        if data in (None, "", {}):
            return None
        if not isinstance(data, Mapping):
            raise ValueError(f"{name}: expected {{'code': ..., 'params': {{...}}}}, got {data!r}")
        params = data.get("params") or {}
        if not isinstance(params, Mapping):
            raise ValueError(f"{name}.params: expected an object, got {params!r}")
        return cls(str(data.get("code") or ""), params, cls.from_json(data.get("also"), f"{name}.also"))


def because(code: str, *, also: Reason | None = None, **params: Any) -> Reason:
    """A reason the backend itself gives: the code must be one of ours (a typo fails in the tests)."""
    if code not in CODES:
        raise ValueError(f"unknown reason code {code!r}: add it to backend/reasons.py CODES and reasons.yml")
    return Reason(code, {k: str(v) for k, v in params.items()}, also)


# delivery_changes.reason is one Text column. It keeps the carrier's free text as it is (readable in the
# API and the console, and every row written before codes existed stays valid). A coded reason is stored
# as STORED_PREFIX + the JSON of Reason.to_json() (with the carrier's free text, if it sent both, under
# "text"), so the bot can word it later in the merchant's voice. Text that merely starts with the prefix
# but isn't that JSON reads back as free text.
STORED_PREFIX = "code:"


def to_stored(code: Reason | None, text: str | None) -> str | None:
    """The column value for a result's reason (see above)."""
    if code is None:
        return text
    data = code.to_json()
    if text:
        data["text"] = text
    return STORED_PREFIX + json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def from_stored(value: str | None) -> tuple[Reason | None, str | None]:
    """(code, free text) from the column value written by to_stored."""
    if not value or not value.startswith(STORED_PREFIX):
        return None, value or None
    try:
        data = json.loads(value[len(STORED_PREFIX):])
        code = Reason.from_json(data)
    except ValueError:
        return None, value
    return code, (data.get("text") or None) if isinstance(data, dict) else None
