"""Shared constants for backend tests (a unique module name: tests/ has no packages)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from backend.protocol import BackendUnavailable
from backend.rules import evaluate_actions
from backend.rules_apply import apply_to_row
from backend.types import ActionKind, ActionOption, ActionResult, DeliveryAction, ResultStatus, ReturnInfo

# Friday 20 November 2026, 10:00 in London (GMT, so also 10:00 UTC). The parcel is due Monday morning.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ETA_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ETA_END = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)

ALL = frozenset(ActionKind)
REFERENCE = re.compile(r"^RB-[0-9A-F]{8}$")


def options(row, merchant, *, now: datetime = NOW, supported: frozenset[ActionKind] = ALL) -> list[ActionOption]:  # noqa: ANN001
    return evaluate_actions(row, merchant, supported, now=now)


def option(row, merchant, kind: ActionKind, **kw) -> ActionOption:  # noqa: ANN001, ANN003
    return next(o for o in options(row, merchant, **kw) if o.kind is kind)


def apply(  # noqa: ANN201
    row,  # noqa: ANN001
    merchant,  # noqa: ANN001
    kind: ActionKind,
    params: dict | None = None,
    *,
    now: datetime = NOW,
    supported: frozenset[ActionKind] = ALL,
    fee_accepted: bool = False,
):
    return apply_to_row(row, merchant, DeliveryAction(kind, params or {}, fee_accepted), supported, now=now)


class StubBackend:
    """A stand-in carrier for the record-keeping tests: answers from a script, counts calls.

    `down` makes every write raise BackendUnavailable, as the HTTP adapter does when the carrier is out.
    """

    name = "stub"
    supported_actions = frozenset(ActionKind)

    def __init__(self, *, down: bool = False, on_apply=None) -> None:  # noqa: ANN001
        self.down = down
        self.calls: list[tuple[str, str]] = []
        self.on_apply = on_apply

    def _write(self, what: str, key: str) -> None:
        self.calls.append((what, key))
        if self.down:
            raise BackendUnavailable("carrier timed out")

    def apply_action(self, tracking_number, action, *, idempotency_key, context):  # noqa: ANN001, ANN201
        self._write("apply", idempotency_key)
        if self.on_apply:
            self.on_apply(idempotency_key)
        return ActionResult(ResultStatus.ACCEPTED, reference=f"ST-{len(self.calls)}")

    def cancel_order(self, order_number, *, idempotency_key, context):  # noqa: ANN001, ANN201
        self._write("cancel", idempotency_key)
        return ActionResult(ResultStatus.ACCEPTED, reference="ST-CXL")

    def create_return(self, tracking_number, request, *, idempotency_key, context):  # noqa: ANN001, ANN201
        self._write("return", idempotency_key)
        return ReturnInfo(reference="ST-RTN", status="created", label_url="https://example.test/label.pdf")
