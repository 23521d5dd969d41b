"""Neighbours: the standing preference needs an explicit YES after a verified change, stays on the recipient's
own contact, is revocable and audited; descriptions are cleaned and length-limited."""

from __future__ import annotations

from aftersales_kit import audits, changes, latest_code, merchant_settings, talk, text_of
from sqlalchemy import select

from backend import models as m
from backend.db import transaction

OWN = "+447700900123"  # PB100000001GB, in transit
TRACKING = "PB100000001GB"
STRANGER = "+447700900999"


def _preferences(runtime, phone: str) -> dict:  # noqa: ANN001
    with runtime.sessions() as s:
        contact = s.scalar(select(m.Contact).where(m.Contact.phone == phone))
        return dict(contact.preferences or {}) if contact else {}


def _change_with_code(runtime, first: str) -> str:  # noqa: ANN001
    talk(runtime, OWN, first)
    talk(runtime, OWN, "yes")
    return text_of(talk(runtime, OWN, latest_code(runtime, OWN)))


def test_standing_preference_is_saved_only_after_an_explicit_yes(runtime, demo):
    done = _change_with_code(runtime, "always leave it with number 14")
    assert "Done" in done and "all your future parcels too" in done
    assert _preferences(runtime, OWN) == {}  # asked, not assumed
    saved = text_of(talk(runtime, OWN, "yes"))
    assert "from now on" in saved
    pref = _preferences(runtime, OWN)["neighbour"]
    assert pref["value"] == "number 14" and pref["set_with"] == TRACKING and pref["since"]
    [entry] = audits(runtime, "preference_set")
    assert entry.actor == OWN and entry.subject == TRACKING and entry.verification == "otp"


def test_no_means_this_parcel_only(runtime, demo):
    _change_with_code(runtime, "always leave it with number 14")
    assert "just this parcel" in text_of(talk(runtime, OWN, "no"))
    assert _preferences(runtime, OWN) == {}
    assert audits(runtime, "preference_set") == []


def test_without_always_there_is_no_preference_question(runtime, demo):
    done = _change_with_code(runtime, "leave it with number 14")
    assert "Done" in done and "future parcels" not in done


def test_a_declined_change_never_sets_a_preference(runtime, demo):
    talk(runtime, OWN, "always leave it with number 14")
    assert "haven't changed anything" in text_of(talk(runtime, OWN, "no"))
    talk(runtime, OWN, "yes")
    assert _preferences(runtime, OWN) == {} and changes(runtime, "leave_with_neighbour") == []


def test_someone_elses_number_cannot_set_a_preference(runtime, demo):
    merchant_settings(runtime, verification={"leave_with_neighbour": "none"})
    assert "postcode" in text_of(talk(runtime, STRANGER, f"always leave {TRACKING} with number 14"))
    talk(runtime, STRANGER, "M1 4BT")
    done = text_of(talk(runtime, STRANGER, "yes"))
    assert "Done" in done and "future parcels" not in done
    assert _preferences(runtime, STRANGER) == {} and _preferences(runtime, OWN) == {}


def test_revoking_removes_the_preference_and_is_audited(runtime, demo):
    talk(runtime, OWN, "hi")  # creates the contact
    with transaction(runtime.sessions) as s:
        contact = s.scalar(select(m.Contact).where(m.Contact.phone == OWN))
        contact.preferences = {"neighbour": {"value": "number 14", "since": "2026-01-01T00:00:00+00:00"},
                               "language": "en"}
    reply = text_of(talk(runtime, OWN, "please cancel my neighbour preference"))
    assert "number 14" in reply
    assert _preferences(runtime, OWN) == {"language": "en"}
    [entry] = audits(runtime, "preference_revoked")
    assert entry.actor == OWN and entry.detail["value"] == "number 14"


def test_the_usual_neighbour_is_offered_for_a_plain_request(runtime, demo):
    talk(runtime, OWN, "hi")
    with transaction(runtime.sessions) as s:
        contact = s.scalar(select(m.Contact).where(m.Contact.phone == OWN))
        contact.preferences = {"neighbour": {"value": "number 14", "since": "2026-01-01T00:00:00+00:00"}}
    assert "number 14, as usual" in text_of(talk(runtime, OWN, "can you leave it with a neighbour"))
    assert "number 14" in text_of(talk(runtime, OWN, "yes"))


def test_a_description_too_long_for_the_driver_is_asked_again(runtime, demo):
    talk(runtime, OWN, "can you leave it with a neighbour")
    long = "Mrs Abernathy who lives in the big red brick house on the corner opposite the old church hall"
    reply = text_of(talk(runtime, OWN, long))
    assert "under 60 characters" in reply and "Just to check" not in reply
    assert "Just to check" in text_of(talk(runtime, OWN, "Mrs Abernathy opposite"))
    talk(runtime, OWN, "yes")
    talk(runtime, OWN, latest_code(runtime, OWN))
    [change] = changes(runtime, "leave_with_neighbour")
    assert change.params == {"neighbour": "Mrs Abernathy opposite"}
