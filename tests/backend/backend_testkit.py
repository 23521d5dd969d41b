"""Shared constants for backend tests (a unique module name: tests/ has no packages)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from backend.rules import apply_to_row, evaluate_actions
from backend.types import ActionKind, ActionOption, DeliveryAction

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
