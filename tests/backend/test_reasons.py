"""Reason codes: every code the backend gives has words, the bot renders them in the merchant's voice, and
the code survives the contract's JSON and the delivery_changes column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from backend_testkit import NOW

from backend import models as m
from backend.changes import apply_change
from backend.reasons import CODES, STORED_PREFIX, Reason, because, from_stored, to_stored
from backend.reference import ReferenceBackend
from backend.serialize import option_from_json, option_to_json, result_from_json, result_to_json
from backend.types import ActionKind, ActionOption, ActionResult, ChangeContext, DeliveryAction, ResultStatus
from bot.core.wording import Wording, load_catalogue

SCHEMAS = yaml.safe_load((Path(__file__).parents[2] / "backend/openapi/carrier-contract.yaml").read_text())[
    "components"]["schemas"]
CTX = ChangeContext(actor="+447700900123", channel="sms", verified_by="otp_sms")
# GSM 03.38: the basic set plus the extension table; anything else turns an SMS into UCS-2 (70 characters a part).
GSM7 = set(
    "@£$¥èéùìòÇ\nØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def _check(data: dict, schema_name: str) -> None:
    assert set(data) <= set(SCHEMAS[schema_name]["properties"]), set(data) - set(SCHEMAS[schema_name]["properties"])


def _voice(merchant: m.Merchant | None = None):  # noqa: ANN202
    return Wording().voice(merchant)


# -- the catalogue ----------------------------------------------------------------------------------------
def test_every_code_and_every_action_kind_has_words():
    catalogue = load_catalogue()
    assert [c for c in CODES if f"reason_{c}" not in catalogue] == []
    assert [k.value for k in ActionKind if f"label_action_{k.value}" not in catalogue] == []
    assert "reason_unknown" in catalogue
    assert len(set(CODES)) == len(CODES)


def test_no_reason_template_without_a_code():
    orphans = {k for k in load_catalogue() if k.startswith("reason_")} - {f"reason_{c}" for c in CODES}
    assert orphans == {"reason_unknown"}


def test_reason_words_are_plain_gsm7():
    keys = [f"reason_{c}" for c in CODES] + ["reason_unknown"] + [f"label_action_{k.value}" for k in ActionKind]
    for key in keys:
        text = load_catalogue()[key].text
        assert not set(text) - GSM7, (key, set(text) - GSM7)
        assert all(name.isidentifier() for name in re.findall(r"{([^}]*)}", text)), key


def test_the_backend_cannot_give_a_code_without_words():
    with pytest.raises(ValueError, match="unknown reason code"):
        because("too_late_now")
    with pytest.raises(ValueError, match="snake_case"):
        Reason("Too late!")


# -- rendering --------------------------------------------------------------------------------------------
def test_a_code_and_its_second_sentence_render_as_one_reason():
    reason = because("needs_signature_unattended", also=because("alt_pickup"))
    assert _voice().reason(reason) == (
        "This parcel needs a signature, so it can't be left unattended. "
        "I can send it to a pickup point near you instead."
    )


def test_params_fill_the_words_and_an_action_is_named_not_spelt_as_a_code():
    voice = _voice()
    assert voice.reason(because("cutoff_passed", cutoff="22:00 on Sunday 22 November")).startswith(
        "Changes to the day, address or delivery point closed at 22:00 on Sunday 22 November, "
    )
    assert voice.reason(because("carrier_does_not_offer", action="hold_delivery")) == (
        "The carrier delivering this parcel doesn't offer holding parcels at the depot, so I can't arrange that."
    )
    assert voice.reason(Reason("not_here", {"action": "teleport_parcel"})) == (
        "I can't arrange teleport parcel for this order from here."
    )


def test_the_merchant_is_named_by_its_brand(session, merchant):
    merchant.settings = {"brand_name": "Trailhead"}
    words = _voice(merchant).reason(because("merchant_does_not_offer", action="hold_delivery"))
    assert words == "Trailhead doesn't offer holding parcels at the depot for its orders."
    # A carrier's params can't rename the merchant.
    assert _voice(merchant).reason(Reason("merchant_does_not_offer", {"brand": "Evil Corp"})).startswith("Trailhead")


def test_a_merchant_override_of_a_reason_is_used(session, merchant):
    merchant.settings = {"responses": {"reason_sender_locked": "{brand} has paused changes: {why}."}}
    reason = because("sender_locked", why="it's ice cream and it will melt")
    assert _voice(merchant).reason(reason) == "Acme Outdoors has paused changes: it's ice cream and it will melt."
    assert _voice().reason(reason) == (
        "The sender has locked this parcel against changes because it's ice cream and it will melt."
    )


def test_params_are_cleaned_like_any_value():
    words = _voice().reason(because("postcode_invalid", postcode="<b>M1\x00 4BT</b>"))
    assert words == "bM1 4BT/b doesn't look like a UK postcode - could you check it?"


def test_unknown_codes_fall_back_to_the_carriers_words_then_to_an_apology():
    voice = _voice()
    assert voice.reason(Reason("too_late_for_the_van"), "It's too late to change this delivery.") == (
        "It's too late to change this delivery."
    )
    assert voice.reason(None, "  <i>Too late</i>\n") == "iToo late/i"
    assert voice.reason(Reason("too_late_for_the_van"), None) == voice("reason_unknown")
    assert voice.reason(None, None) == voice("reason_unknown") != ""
    # A known code wins over free text sent with it; an unknown second sentence is left out.
    both = Reason("already_cancelled", {}, Reason("mystery"))
    assert voice.reason(both, "Cancelled already.") == "This order has already been cancelled."


# -- JSON and the delivery_changes column -----------------------------------------------------------------
def test_reason_json_round_trip_and_malformed_input_names_the_field():
    reason = because("redirect_outside_area", area="M1", also=because("alt_pickup"))
    assert Reason.from_json(reason.to_json()) == reason and hash(Reason.from_json(reason.to_json())) == hash(reason)
    assert Reason.from_json(None) is None
    with pytest.raises(ValueError, match="reason_code.params"):
        Reason.from_json({"code": "no_slots", "params": ["5"]})
    with pytest.raises(ValueError, match="reason_code.also"):
        Reason.from_json({"code": "no_slots", "also": "alt_later"})


def test_the_contract_carries_codes_and_stays_compatible_with_free_text():
    option = ActionOption(ActionKind.LEAVE_IN_SAFE_PLACE, False,
                          reason_code=because("needs_signature_unattended", also=because("alt_later")))
    data = option_to_json(option)
    _check(data, "ActionOption")
    assert data["reason_code"] == "needs_signature_unattended" and data["reason_also"]["code"] == "alt_later"
    assert option_from_json(data) == option
    # An older carrier: its own words only, kept as they are.
    old = option_from_json({"kind": "hold_delivery", "available": False, "reason": "Not on Sundays."})
    assert (old.reason, old.reason_code) == ("Not on Sundays.", None)
    # A carrier using our codes, with its params.
    sent = {"status": "rejected", "reason_code": "no_slots", "reason_params": {"days": 5}}
    assert result_from_json(sent) == ActionResult(ResultStatus.REJECTED, reason_code=because("no_slots", days=5))
    _check(result_to_json(result_from_json(sent)), "ActionResult")
    with pytest.raises(ValueError, match="reason_params"):
        result_from_json({"status": "rejected", "reason_code": "no_slots", "reason_params": "5"})


def test_the_column_keeps_free_text_as_is_and_codes_as_prefixed_json():
    code = because("hold_too_long", days=14, latest="Friday 4 December")
    assert from_stored(to_stored(code, None)) == (code, None)
    assert from_stored(to_stored(code, "Too long.")) == (code, "Too long.")
    assert to_stored(None, "Too long.") == "Too long." and from_stored("Too long.") == (None, "Too long.")
    assert from_stored(None) == (None, None) and to_stored(None, None) is None
    assert from_stored("code: the carrier's own words") == (None, "code: the carrier's own words")


def test_a_refusal_is_recorded_with_its_code_and_answered_again_from_the_record(session, merchant, make_row):
    row = make_row(signature_required=True)
    backend = ReferenceBackend(session, merchant, now=NOW)
    action = DeliveryAction(ActionKind.LEAVE_IN_SAFE_PLACE, {"safe_place": "porch"})
    first = apply_change(session, backend, merchant, row.tracking_number, action, idempotency_key="r", context=CTX)
    assert first.reason_code.code == "needs_signature_unattended" and first.reason is None
    change = session.query(m.DeliveryChange).one()
    assert change.reason.startswith(STORED_PREFIX)
    again = apply_change(session, backend, merchant, row.tracking_number, action, idempotency_key="r", context=CTX)
    assert again == first
    audit = session.query(m.AuditEntry).one()
    assert audit.detail["reason_code"] == first.reason_code.to_json()
