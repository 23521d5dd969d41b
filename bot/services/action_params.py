"""The params a person may send with a change made for a shopper (POST /conversations/{id}/actions): for each
action kind, which keys it takes and of what type, as the chat builds them (docs/backend.md, "Action params").

Before, only "params is an object" was checked and every value was str()ed: {"neighbour": null} told the
carrier to leave the parcel with "None", and a window that was a list broke the carrier rules (a 500). Now a
missing, unknown or mistyped key is a 422 naming it (`params.window.start`), before anything is applied.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from backend.types import ActionKind
from bot.core.calendar_bounds import FIRST_YEAR, LAST_YEAR, parse_day
from bot.core.messages import clean_text
from bot.core.wording import clean_value
from bot.services.console import ConsoleError

TEXT_MAX = 160  # what a driver reads (a neighbour, a safe place, a note), and an address line
ID_MAX = 64
HOLD_DAYS_MAX = 365


class ParamsInvalid(ConsoleError):
    """A 422 whose `errors` names the params field that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}", status=422, errors={field: message})


def text(field: str, value: Any, limit: int = TEXT_MAX) -> str:
    """Text fit for a driver (no control characters, NUL or lone surrogates; whitespace collapsed), 1 to `limit`
    characters."""
    if not isinstance(value, str):
        raise ParamsInvalid(field, "must be text")
    cleaned = clean_value(clean_text(value)) if len(value) <= 4 * limit else ""
    if not cleaned or len(cleaned) > limit:
        raise ParamsInvalid(field, f"must be 1 to {limit} characters")
    return cleaned


def _optional_text(field: str, value: Any) -> str | None:
    return None if value is None or value == "" else text(field, value)


def _moment(field: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise ParamsInvalid(field, "must be a date-time with its offset, e.g. 2026-12-08T12:00:00+00:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ParamsInvalid(field, "must be a date-time with its offset, e.g. 2026-12-08T12:00:00+00:00")
    return value


def _object(field: str, value: Any, keys: dict[str, Callable[[str, Any], Any]], required: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise ParamsInvalid(field, f"must be an object with {', '.join(keys)}")
    out: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in keys:
            raise ParamsInvalid(f"{field}.{key}", f"is not taken here (only {', '.join(keys)})")
        checked = keys[key](f"{field}.{key}", raw)
        if checked is not None:
            out[key] = checked
    for key in required:
        if key not in out:
            raise ParamsInvalid(f"{field}.{key}", "is needed")
    return out


def _window(field: str, value: Any) -> dict:
    return _object(field, value, {"start": _moment, "end": _moment}, ("start", "end"))


def _address(field: str, value: Any) -> dict:
    keys = {"line1": text, "line2": _optional_text, "city": _optional_text, "postcode": text,
            "country": _optional_text}
    return _object(field, value, keys, ("line1", "postcode"))


def _house_number(field: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000:
        return str(value)
    return text(field, value, 16)


def _until(field: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 10:
        raise ParamsInvalid(field, "must be a day written YYYY-MM-DD, e.g. 2026-12-09")
    try:
        return parse_day(value).isoformat()
    except ValueError as exc:
        raise ParamsInvalid(field, str(exc)) from None


def _days(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= HOLD_DAYS_MAX:
        raise ParamsInvalid(field, f"must be a whole number of days, 1 to {HOLD_DAYS_MAX}")
    return value


# kind -> (the keys it takes with their checks, the sets of keys of which one is needed)
KEYS: dict[ActionKind, tuple[dict[str, Callable[[str, Any], Any]], tuple[str, ...]]] = {
    ActionKind.LEAVE_WITH_NEIGHBOUR: ({"neighbour": text, "house_number": _house_number},
                                      ("neighbour", "house_number")),
    ActionKind.LEAVE_IN_SAFE_PLACE: ({"safe_place": text}, ("safe_place",)),
    ActionKind.ADD_DELIVERY_NOTE: ({"note": text}, ("note",)),
    ActionKind.RESCHEDULE: ({"window": _window}, ("window",)),
    ActionKind.PICKUP_POINT: ({"pickup_point_id": lambda f, v: text(f, v, ID_MAX)}, ("pickup_point_id",)),
    ActionKind.HOLD: ({"until": _until, "days": _days}, ("until", "days")),
    ActionKind.CHANGE_ADDRESS: ({"address": _address}, ("address",)),
}


def check_params(kind: ActionKind, params: Any) -> dict[str, Any]:
    """The params, checked and cleaned for `kind` (one of the keys in its "needed" set, exactly), or ParamsInvalid."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ParamsInvalid("params", "must be an object")
    keys, one_of = KEYS[kind]
    out = _object("params", params, keys, ())
    given = [k for k in one_of if k in out]
    if len(given) != 1:
        wanted = " or ".join(f"params.{k}" for k in one_of)
        raise ParamsInvalid(f"params.{one_of[0]}", f"is needed ({wanted}, one of them)" if not given
                            else f"goes alone: send {wanted}, not both")
    return out
