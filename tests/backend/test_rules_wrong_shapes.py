"""The carrier rules take params of any JSON shape without breaking and without applying what nobody named.

Params reach the rules from the chat, the API (checked first, bot/services/action_params.py), stored changes
(a slow change finished later) and remote callers: a value of the wrong type must be a refusal with a reason,
never an AttributeError (a window that was a list was a 500) and never str() of it written for the driver (a
neighbour of null was left as "None")."""

from __future__ import annotations

import pytest
from backend_testkit import apply

from backend.types import ActionKind, ResultStatus

K = ActionKind
WRONG = [None, 42, 4.5, True, ["x"], {"x": 1}, "", "   "]


@pytest.mark.parametrize("value", WRONG, ids=repr)
@pytest.mark.parametrize(("kind", "key"), [
    (K.LEAVE_WITH_NEIGHBOUR, "neighbour"), (K.LEAVE_WITH_NEIGHBOUR, "house_number"),
    (K.LEAVE_IN_SAFE_PLACE, "safe_place"), (K.ADD_DELIVERY_NOTE, "note"), (K.RESCHEDULE, "window"),
    (K.PICKUP_POINT, "pickup_point_id"), (K.HOLD, "until"), (K.CHANGE_ADDRESS, "address"),
])
def test_a_param_of_the_wrong_type_is_refused_and_nothing_is_written(make_row, merchant, kind, key, value) -> None:  # noqa: ANN001
    row = make_row()
    before = dict(row.instructions or {})
    result = apply(row, merchant, kind, {key: value})
    assert result.status is ResultStatus.REJECTED and result.reason_code is not None
    assert dict(row.instructions or {}) == before


@pytest.mark.parametrize("window", [{"start": ["x"], "end": 1}, {"start": "0001-01-01T00:00:00+01:00",
                                                                 "end": "9999-12-31T23:59:59-01:00"}])
def test_a_window_whose_times_are_not_times_is_a_slot_not_offered(make_row, merchant, window) -> None:  # noqa: ANN001
    result = apply(make_row(), merchant, K.RESCHEDULE, {"window": window})
    assert result.status is ResultStatus.REJECTED and result.reason_code.code == "slot_not_offered"


@pytest.mark.parametrize("days", [10**30, "9" * 5000, [1], None])
def test_hold_days_past_the_calendar_or_not_a_number_is_refused(make_row, merchant, days) -> None:  # noqa: ANN001
    params = {"days": days} if days is not None else {"until": {"x": 1}}
    result = apply(make_row(), merchant, K.HOLD, params)
    assert result.status is ResultStatus.REJECTED and result.reason_code.code == "hold_day_missing"


def test_address_lines_of_the_wrong_type_are_not_written(make_row, merchant) -> None:  # noqa: ANN001
    row = make_row()
    result = apply(row, merchant, K.CHANGE_ADDRESS, {"address": {"line1": {"x": 1}, "postcode": "M1 7ED"}})
    assert result.status is ResultStatus.REJECTED and result.reason_code.code == "address_missing"
