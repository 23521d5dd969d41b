"""Driver notes: access codes are secrets (sealed, masked, never echoed, purged after delivery); notes are clean."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from aftersales_kit import audits, changes, latest_code, talk, text_of
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.redaction import find_access_codes
from bot.core.secrets_box import SECRET_FIELD, seal, unseal
from bot.jobs.purge_secrets import purge_delivered_secrets
from dialogues.kit.driver_text import driver_text

OWN = "+447700900123"  # PB100000001GB, in transit
TRACKING = "PB100000001GB"
KEY = "test-secret-key"  # PARCELBOT_SECRET_KEY in tests/conftest.py


def _everything_stored(runtime) -> str:  # noqa: ANN001
    """Every place a code could leak to at rest, as one string."""
    with runtime.sessions() as s:
        rows = [
            *(msg.body for msg in s.scalars(select(m.Message))),
            *(json.dumps(c.state) for c in s.scalars(select(m.Conversation))),
            *(json.dumps(c.params) for c in s.scalars(select(m.DeliveryChange))),
            *(json.dumps(a.detail) for a in s.scalars(select(m.AuditEntry))),
            *(json.dumps(r.instructions) for r in s.scalars(select(m.Shipment))),
        ]
    return "\n".join(rows)


# The code as a number of its own: a random id or reference ("chg-7225cd61142a4821...", "RB-A4821F0C") may hold
# the same digits by chance (it failed a run that way), and is no leak.
GATE_CODE = re.compile(r"(?<![0-9A-Za-z])4821(?![0-9A-Za-z])")


def test_gate_code_is_sealed_for_the_carrier_and_never_echoed_or_stored_in_clear(runtime, demo):
    replies = [text_of(talk(runtime, OWN, "the gate code is 4821"))]
    assert "the gate code to the driver privately" in replies[0]
    replies.append(text_of(talk(runtime, OWN, "yes")))
    replies.append(text_of(talk(runtime, OWN, latest_code(runtime, OWN))))
    assert "Done" in replies[-1]
    assert not any(GATE_CODE.search(r) for r in replies)

    [change] = changes(runtime, "add_delivery_note")
    assert change.status == "accepted" and change.reference in replies[-1]
    assert not GATE_CODE.search(change.params["note"]) and "[code]" in change.params["note"]
    assert unseal(KEY, change.params[SECRET_FIELD]) == "gate: 4821"
    assert not GATE_CODE.search(_everything_stored(runtime))


def test_a_note_without_a_code_carries_no_secret(runtime, demo):
    talk(runtime, OWN, "please tell the driver to ring twice")
    talk(runtime, OWN, "yes")
    talk(runtime, OWN, latest_code(runtime, OWN))
    [change] = changes(runtime, "add_delivery_note")
    assert change.params == {"note": "ring twice"}


def test_links_and_markup_never_reach_the_driver(runtime, demo):
    talk(runtime, OWN, "note for driver: <b>ring twice</b> see http://phish.example/x")
    talk(runtime, OWN, "yes")
    talk(runtime, OWN, latest_code(runtime, OWN))
    [change] = changes(runtime, "add_delivery_note")
    note = change.params["note"]
    assert "ring twice" in note and "<" not in note and ">" not in note and "phish" not in note


def test_a_note_over_the_limit_is_not_sent(runtime, demo):
    reply = text_of(talk(runtime, OWN, "note for driver: " + "please knock loudly " * 12))
    assert "too long" in reply and "Just to check" not in reply
    assert changes(runtime, "add_delivery_note") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("gate code is 4821", [("gate", "4821")]),
        ("the gate code is 1990#", [("gate", "1990#")]),
        ("key code for the building is 2580", [("building", "2580")]),
        ("code for the front door is *1122", [("door", "*1122")]),
        ("1234 is the gate code", [("gate", "1234")]),
        ("key safe 4455", [("key-safe", "4455")]),
        ("gate code 12 34 and door code 5678", [("gate", "1234"), ("door", "5678")]),
        ("ring twice", []),
        ("buzz flat 5", []),
        ("call me on 07700 900456", []),
        ("if the code doesn't work call 07700900456", []),
        ("door 2", []),
    ],
)
def test_access_codes_are_found(text, found):
    assert [(c.kind, c.code) for c in find_access_codes(text)] == found


def test_driver_text_is_single_spaced_and_plain():
    assert driver_text("  ring\n\ttwice <i>please</i> www.example.com ") == "ring twice please"
    assert driver_text("a < b {x}") == "a b x"


def test_sealed_codes_need_the_right_key_and_hide_the_code():
    token = seal(KEY, "gate: 4821")
    assert "4821" not in token
    assert unseal(KEY, token) == "gate: 4821"
    assert unseal("another-key", token) is None
    assert unseal(KEY, token[:-4] + "AAAA") is None


def _with_code(runtime, tracking: str, status: str, token: str) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        row.status = status
        row.instructions = {**(row.instructions or {}), "note": "gate code is [code]", SECRET_FIELD: token}
        s.add(m.DeliveryChange(merchant_id=row.merchant_id, tracking_number=tracking, action="add_delivery_note",
                               params={"note": "gate code is [code]", SECRET_FIELD: token},
                               idempotency_key=f"k-{tracking}", status="accepted"))
        s.add(m.AuditEntry(merchant_id=row.merchant_id, actor="+447700900123", action="add_delivery_note",
                           subject=tracking, result="accepted", detail={"params": {SECRET_FIELD: token}}))


def test_purge_removes_codes_of_delivered_parcels_only(runtime, demo):
    token = seal(KEY, "gate: 4821")
    _with_code(runtime, "PB100000003GB", "delivered", token)
    _with_code(runtime, TRACKING, "in_transit", token)
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as s:
        assert purge_delivered_secrets(s, now) == 1
    with runtime.sessions() as s:
        done = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == "PB100000003GB"))
        live = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == TRACKING))
        assert SECRET_FIELD not in done.instructions and done.instructions["note"] == "gate code is [code]"
        assert done.instructions["access_code_purged_at"] == now.isoformat()
        assert live.instructions[SECRET_FIELD] == token  # not delivered yet: the driver still needs it
        for change in s.scalars(select(m.DeliveryChange)):
            assert (SECRET_FIELD in change.params) == (change.tracking_number == TRACKING)
    stored = _everything_stored(runtime)
    assert stored.count(token) == 3  # only the in-transit parcel's instructions, change and audit entry
    assert [a.subject for a in audits(runtime, "access_code_purge")] == ["PB100000003GB"]
    with transaction(runtime.sessions) as s:
        assert purge_delivered_secrets(s, now) == 0  # nothing left to purge
