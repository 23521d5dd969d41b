"""Issue 16's review: two changes to one parcel at the same moment (PostgreSQL, two workers). Both turns read
the parcel, both pass the rules, both write the row: both shoppers heard "Done", one change was lost (the later
write replaced the parcel's instructions) and the merchant's maximum number of changes was exceeded.

The shipment is locked while the rules are checked and the change is written (after the conversation, the
order every writer takes). The two turns are made to reach the carrier together: each waits, just before it
applies its change, until the other is there too.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from backend import models as m
from backend.reference import ReferenceBackend
from tests.security.security_kit import POSTCODE, TRACKING, changes, instructions, merchant_settings, talk

pytestmark = pytest.mark.skipif(
    not os.environ.get("PARCELBOT_TEST_DATABASE_URL"),
    reason="SQLite serialises writers (BEGIN IMMEDIATE), so two changes cannot overlap there",
)

NOTE = f"{TRACKING} add a note for the driver: ring twice"
SAFE_PLACE = f"leave {TRACKING} in the porch"


def _web(runtime, sender: str, text: str) -> str:  # noqa: ANN001
    return talk(runtime, f"rest:{sender}", text, channel="rest", to="demo")


def _both_confirm_at_once(runtime) -> list[str]:  # noqa: ANN001
    """Two web chats each get to "shall I?" for a different change to one parcel, then both say yes at once."""
    for sender, request in (("first", NOTE), ("second", SAFE_PLACE)):
        _web(runtime, sender, request)
        asked = _web(runtime, sender, POSTCODE)
        assert "YES" in asked, asked  # at the confirmation
    meet = threading.Barrier(2, timeout=5)

    class MeetAtTheCarrier(ReferenceBackend):
        def apply_action(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()
            return super().apply_action(*args, **kwargs)

    runtime.set_backends(lambda session, merchant, now: MeetAtTheCarrier(session, merchant, now=now))
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda s: _web(runtime, s, "yes"), ["first", "second"]))


def _changes_count(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Shipment.changes_count).where(m.Shipment.tracking_number == TRACKING))


def test_two_changes_at_once_are_both_kept(runtime, demo):
    merchant_settings(runtime, verification={"add_delivery_note": "none", "leave_in_safe_place": "none"})
    replies = _both_confirm_at_once(runtime)
    assert all("Done" in r for r in replies), replies
    kept = instructions(runtime, TRACKING)
    assert "ring twice" in (kept.get("note") or "") and "porch" in (kept.get("safe_place") or "").lower(), kept
    assert len(changes(runtime, TRACKING)) == 2
    assert _changes_count(runtime) == 2


def test_two_changes_at_once_respect_the_merchants_maximum(runtime, demo):
    merchant_settings(runtime, verification={"add_delivery_note": "none", "leave_in_safe_place": "none"},
                      rules={"max_changes": 1})
    replies = _both_confirm_at_once(runtime)
    assert sum("Done" in r for r in replies) == 1, replies
    refused = next(r for r in replies if "Done" not in r)
    assert "went wrong" not in refused and refused.strip(), refused  # told why, not an apology or silence
    assert len(changes(runtime, TRACKING)) == 1
    assert _changes_count(runtime) == 1
