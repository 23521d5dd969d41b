"""One-time codes before any change: to the recipient on file, 6 digits, 5 minutes, 5 tries, 3 codes per
15 minutes from the recipient's own number and 3 an hour for everyone else, only the newest code valid,
hashed, per parcel and per conversation, verified for 15 minutes, all audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from backend import models as m
from tests.security.security_kit import (
    OWN,
    POSTCODE,
    STRANGER,
    TRACKING,
    TWO,
    audits,
    changes,
    codes_sent_to,
    count,
    instructions,
    later,
    latest_code,
    merchant_settings,
    sent_to,
    set_clock,
    talk,
    wrong_code,
)


def _stranger_proposes(runtime, note: str = "ring twice") -> str:  # noqa: ANN001
    """A stranger proves number + postcode, then asks for a change and confirms it: a code is due."""
    talk(runtime, STRANGER, f"where is {TRACKING}")
    talk(runtime, STRANGER, POSTCODE)
    talk(runtime, STRANGER, f"add a note for the driver on {TRACKING}: {note}")
    return talk(runtime, STRANGER, "yes")


def _own_proposes(runtime, sender: str = OWN, note: str = "ring twice") -> str:  # noqa: ANN001
    talk(runtime, sender, f"add a note for the driver: {note}")
    return talk(runtime, sender, "yes")


def test_postcode_proof_is_not_enough_to_change_anything(runtime, demo):
    asked = _stranger_proposes(runtime)
    assert "code" in asked and "ending 123" in asked  # sent to the recipient's number, masked
    assert changes(runtime) == [] and "note" not in instructions(runtime, TRACKING)
    # the stranger never gets it, nor anything else, in a reply or a text
    assert sent_to(runtime, STRANGER) == []
    code = latest_code(runtime, OWN)
    assert code not in asked


def test_the_code_goes_to_the_recipient_on_file_not_to_the_requester(runtime, demo):
    _stranger_proposes(runtime)
    [row] = _code_rows(runtime)
    assert row.sent_to == OWN and row.tracking_number == TRACKING
    assert len(codes_sent_to(runtime, OWN)) == 1


def test_a_recipient_without_a_phone_gets_the_code_by_email_never_the_requester(runtime, demo):
    from tests.security.security_kit import edit_shipment

    edit_shipment(runtime, TRACKING, recipient_phone=None, recipient_email="sam@example.com")
    asked = _stranger_proposes(runtime)
    assert "s***@example.com" in asked
    assert codes_sent_to(runtime, "sam@example.com") and sent_to(runtime, STRANGER) == []


def test_a_code_is_six_digits_and_stored_only_as_a_hash(runtime, demo):
    _own_proposes(runtime)
    code = latest_code(runtime, OWN)
    assert re.fullmatch(r"\d{6}", code)
    [row] = _code_rows(runtime)
    assert code not in row.code_hash and len(row.code_hash) >= 64
    # nor kept in clear anywhere else the bot writes: state, audit
    with runtime.sessions() as s:
        states = [str(c.state) for c in s.scalars(select(m.Conversation))]
        details = [str(a.detail) for a in s.scalars(select(m.AuditEntry))]
    assert not any(code in text for text in states + details)


def test_the_right_code_applies_the_change_once_and_everything_is_audited(runtime, demo):
    _own_proposes(runtime)
    talk(runtime, OWN, wrong_code(latest_code(runtime, OWN)))
    done = talk(runtime, OWN, latest_code(runtime, OWN))
    assert "Done" in done
    [change] = changes(runtime, TRACKING)
    assert change.verified_by == "otp"
    assert [a.result for a in audits(runtime, "otp_send")] == ["sent"]
    assert [a.result for a in audits(runtime, "otp_check")] == ["wrong", "ok"]
    assert all(a.actor == OWN and a.subject == TRACKING for a in audits(runtime, "otp_check"))


def test_the_fifth_wrong_try_burns_the_code(runtime, demo):
    _own_proposes(runtime)
    code = latest_code(runtime, OWN)
    for _ in range(5):
        last = talk(runtime, OWN, wrong_code(code))
    assert "locked" in last.lower()
    sixth = talk(runtime, OWN, code)  # the right one, too late
    assert "Done" not in sixth
    assert changes(runtime) == [] and "note" not in instructions(runtime, TRACKING)
    assert len(audits(runtime, "otp_check", result="locked_out")) == 1


def test_four_wrong_tries_then_the_right_code_still_works(runtime, demo):
    _own_proposes(runtime)
    code = latest_code(runtime, OWN)
    for _ in range(4):
        talk(runtime, OWN, wrong_code(code))
    assert "Done" in talk(runtime, OWN, code)


def test_an_expired_code_is_refused(runtime, demo):
    _own_proposes(runtime)
    code = latest_code(runtime, OWN)
    set_clock(runtime, later(5.1))
    reply = talk(runtime, OWN, code)
    assert "expired" in reply and changes(runtime) == []
    assert audits(runtime, "otp_check", result="expired")


def test_a_used_code_cannot_be_used_again(runtime, demo):
    _own_proposes(runtime)
    old = latest_code(runtime, OWN)
    assert "Done" in talk(runtime, OWN, old)
    set_clock(runtime, later(16))  # the verification has lapsed: a new change needs a new code
    _own_proposes(runtime, note="knock loudly")
    new = latest_code(runtime, OWN)
    assert new != old
    reply = talk(runtime, OWN, old)
    assert "Done" not in reply and len(changes(runtime)) == 1


def test_a_code_for_one_parcel_does_not_unlock_another(runtime, demo):
    talk(runtime, TWO, "add a note for the driver on PB100000005GB: ring twice")
    talk(runtime, TWO, "yes")
    code5 = latest_code(runtime, TWO)
    talk(runtime, TWO, "never mind")
    talk(runtime, TWO, "add a note for the driver on PB100000006GB: ring twice")
    talk(runtime, TWO, "yes")
    code6 = latest_code(runtime, TWO)
    if code5 == code6:  # one chance in a million; nothing to prove then
        return
    assert "Done" not in talk(runtime, TWO, code5)
    assert changes(runtime) == []


def test_a_code_sent_for_one_conversation_is_useless_in_another(runtime, demo):
    """The stranger's request texts the owner a code; a third party who learns it can't use it elsewhere."""
    _stranger_proposes(runtime)
    code = latest_code(runtime, OWN)
    talk(runtime, "+447700900777", f"where is {TRACKING}")
    talk(runtime, "+447700900777", POSTCODE)
    talk(runtime, "+447700900777", f"add a note for the driver on {TRACKING}: ring twice")
    talk(runtime, "+447700900777", "yes")
    if code == latest_code(runtime, OWN):
        return
    assert "Done" not in talk(runtime, "+447700900777", code)
    assert changes(runtime) == []


def test_no_more_than_three_codes_per_parcel_in_fifteen_minutes(runtime, demo):
    _own_proposes(runtime)
    talk(runtime, OWN, "resend")
    talk(runtime, OWN, "resend")
    fourth = talk(runtime, OWN, "resend")
    assert "most codes" in fourth and "AGENT" in fourth
    assert len(codes_sent_to(runtime, OWN)) == 3
    assert audits(runtime, "otp_send", result="rate_limited")
    # a fresh journey within the window gets no code either
    talk(runtime, OWN, "never mind")
    _own_proposes(runtime)
    assert len(codes_sent_to(runtime, OWN)) == 3
    set_clock(runtime, later(16))
    _own_proposes(runtime)
    assert len(codes_sent_to(runtime, OWN)) == 4


def test_strangers_together_get_three_codes_an_hour_and_never_use_up_the_recipients_own(runtime, demo):
    """Issue 16's review: a stranger with the number and postcode used up the recipient's 3 codes per 15
    minutes, again and again - the recipient was refused a code from their own phone."""
    for _ in range(3):
        _stranger_proposes(runtime)
        talk(runtime, STRANGER, "never mind")
    assert len(codes_sent_to(runtime, OWN)) == 3
    fourth = _stranger_proposes(runtime)  # anyone else, within the hour: no more texts to the recipient
    assert "most codes" in fourth
    assert len(codes_sent_to(runtime, OWN)) == 3
    asked = _own_proposes(runtime)  # the recipient, from their own phone: their own budget
    assert "code" in asked and "most codes" not in asked
    assert len(codes_sent_to(runtime, OWN)) == 4
    set_clock(runtime, later(61))
    talk(runtime, STRANGER, "never mind")
    _stranger_proposes(runtime)  # an hour on, strangers' budget is back
    assert len(codes_sent_to(runtime, OWN)) == 5


def test_verified_for_fifteen_minutes_then_a_new_code(runtime, demo):
    _own_proposes(runtime)
    talk(runtime, OWN, latest_code(runtime, OWN))
    set_clock(runtime, later(10))
    second = _own_proposes(runtime, note="knock loudly")
    assert "Done" in second and len(codes_sent_to(runtime, OWN)) == 1
    set_clock(runtime, later(16))
    third = _own_proposes(runtime, note="leave by the bins")
    assert "Done" not in third and "code" in third and len(codes_sent_to(runtime, OWN)) == 2


def test_verified_for_parcel_a_is_not_verified_for_parcel_b(runtime, demo):
    talk(runtime, TWO, "add a note for the driver on PB100000005GB: ring twice")
    talk(runtime, TWO, "yes")
    assert "Done" in talk(runtime, TWO, latest_code(runtime, TWO))
    talk(runtime, TWO, "add a note for the driver on PB100000006GB: ring twice")
    reply = talk(runtime, TWO, "yes")
    assert "Done" not in reply and "code" in reply
    assert [c.tracking_number for c in changes(runtime)] == ["PB100000005GB"]


def test_a_merchant_may_relax_one_action_for_the_recipients_own_number_only(runtime, demo):
    merchant_settings(runtime, verification={"add_delivery_note": "sender_number"})
    assert "Done" in _own_proposes(runtime)
    asked = _stranger_proposes(runtime, note="knock loudly")
    assert "Done" not in asked and "code" in asked
    assert len(changes(runtime)) == 1


def test_relaxing_one_action_leaves_the_others_strict(runtime, demo):
    merchant_settings(runtime, verification={"add_delivery_note": "none"})
    talk(runtime, OWN, "leave it with number 22")
    reply = talk(runtime, OWN, "yes")
    assert "Done" not in reply and "code" in reply


def test_a_stranger_cannot_cancel_an_order_without_the_code(runtime, demo):
    talk(runtime, STRANGER, "cancel order 100236")
    talk(runtime, STRANGER, POSTCODE)
    for answer in ("yes", "yes please", "123456"):
        talk(runtime, STRANGER, answer)
    assert count(runtime, m.DeliveryChange) == 0
    assert codes_sent_to(runtime, TWO) and sent_to(runtime, STRANGER) == []


def _code_rows(runtime) -> list[m.OneTimeCode]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.OneTimeCode).order_by(m.OneTimeCode.id)))


def test_resend_voids_the_earlier_code_even_after_the_newest_locks(runtime, demo):
    """Issue 16's review: RESEND left the earlier code valid; under a burst, an older code was accepted after
    the current one locked. Only the newest code sent can ever be accepted."""
    from bot.services.verification import Checked, Requester

    _own_proposes(runtime)
    first = latest_code(runtime, OWN)
    talk(runtime, OWN, "resend")
    second = latest_code(runtime, OWN)
    assert second != first
    with runtime.sessions() as session:
        conv_id = session.scalar(select(m.Conversation.id).where(m.Conversation.address == OWN))
    who, codes, merchant = Requester(conv_id, OWN, "sms"), runtime.services.codes, demo
    wrong = wrong_code(first, second)
    for _ in range(5):  # the newest code is burnt by wrong guesses...
        with runtime.uow() as uow:
            last = codes.check(uow, uow.session.merge(merchant), TRACKING, wrong, who, runtime.clock())
    assert last.status is Checked.LOCKED_OUT
    with runtime.uow() as uow:  # ...and the one before it is no way back in
        assert codes.check(uow, uow.session.merge(merchant), TRACKING, first, who, runtime.clock()).status \
            is not Checked.OK


def test_after_a_lockout_resend_sends_a_new_code(runtime, demo):
    """Issue 16's review: after a lockout the bot said "Reply RESEND", and RESEND was then out of scope."""
    _own_proposes(runtime)
    right = latest_code(runtime, OWN)
    for _ in range(5):
        locked = talk(runtime, OWN, wrong_code(right))
    assert "locked" in locked and "RESEND" in locked
    assert "Done" not in talk(runtime, OWN, right)  # the burnt code stays burnt
    again = talk(runtime, OWN, "RESEND")
    assert "sent" in again.lower() and "code" in again.lower()
    fresh = latest_code(runtime, OWN)
    assert fresh != right
    assert "Done" in talk(runtime, OWN, fresh)
