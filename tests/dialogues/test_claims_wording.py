"""The wording of claims, refunds, reschedule wishes and carrier facts fits 2 SMS segments in GSM-7 once filled
with realistic (long-ish) values: a parcel with two items, a real signed tracking link, a long pickup address."""

from __future__ import annotations

import pytest

from backend import models as m
from bot.core.merchant_config import MerchantConfig
from bot.core.sms import cost, not_gsm7
from bot.core.wording import Rendered, Wording

PARCEL, REF, EARLIER = "Sleeping bag (+1 more)", "CLM-E674C317", "CLM-36F2424F"
LINK = ("https://bot.example.com/t/eyJtIjoiZGVtbyIsInQiOiJQQjEwMDAwMDAwMUdCIn0.axPLaQ."
        "ukKkxJvqLyLMysGihFVSxpJIXg0")
POINT = {"name": "Ancoats Parcel Locker", "address": "Cotton Works car park, Manchester M4 6BF"}
HOURS = "Mon-Sat 07:00-22:00, Sun 09:00-18:00"


def _voice():  # noqa: ANN202
    merchant = m.Merchant(id=1, slug="demo", name="Acme Outdoor", timezone="Europe/London", settings={})
    config, wording = MerchantConfig.of(merchant), Wording()
    times = {"reply_time": config.claim_reply_time, "replacement_time": config.replacement_time,
             "refund_time": config.refund_time}

    def render(key: str, **values: object) -> Rendered:
        return wording.render(key, merchant=config, channel="sms", **{**times, **values})

    return render


def _replies() -> dict[str, str]:
    r = _voice()
    linked = r("utter_claim_linked", earlier=EARLIER)
    claim = {"parcel": PARCEL, "reference": REF, "when": "Tue 8 Dec"}
    slot = r("utter_reschedule_summary", parcel=PARCEL, window="Wed 9 Dec 17:00-21:00")
    pickup = r("utter_pickup_summary_with_id", parcel=PARCEL, **POINT)
    replaces = r("utter_change_replaces", what=r("utter_replaces_neighbour", neighbour="Patel next door at number 10"))
    out = {
        "closed": r("utter_claim_closed_found", **claim),
        "missing opened": r("utter_not_received_claim_opened", **claim),
        "missing linked": r("utter_not_received_claim_linked", earlier=EARLIER, **claim),
        "missing exists": r("utter_not_received_claim_exists", **claim),
        "damaged exists": r("utter_damaged_claim_exists", **claim),
        "after cancel": r("utter_refund_after_cancel", order="100236", reference="CXL-1F833165", parcel=PARCEL,
                          when="Tue 8 Dec"),
        "cancel done": r("utter_cancel_order_done", order="100236", reference="CXL-1F833165"),
        "cancel already": r("utter_cancel_order_already", order="100236", reference="CXL-1F833165", when="Tue 8 Dec"),
        "fee question": r("utter_confirm_change_with_fee", summary=Rendered(f"{slot} {replaces}"), fee="£3.50"),
        "fee done": r("utter_change_done", summary=slot, reference="RB-48914A20",
                      next=r("utter_change_fee_charged", fee="£3.50")),
        "pickup question": r("utter_confirm_change", summary=Rendered(f"{pickup} {replaces}")),
        "pickup done": r("utter_change_done", summary=pickup, reference="RB-48914A20",
                         next=r("utter_pickup_next", ready=r("utter_pickup_ready_at", ready="Wed 9 Dec at 17:00"),
                                hours=HOURS)),
        "delivered where": r("utter_status_delivered_place", parcel=PARCEL, tracking="PB100000003GB",
                             when="yesterday at 14:26", place="Left with neighbour at number 5", link=LINK),
        "not on": r("utter_reschedule_not_on", days="Mon 7 Dec or Tue 8 Dec"),
        "pod note": r("utter_pod_carrier_note", note="Left with neighbour at number 5"),
    }
    for choice in ("replacement", "refund"):
        out[f"damaged {choice}"] = r(f"utter_damaged_claim_opened_{choice}", linked=linked, **claim)
    out["damaged person"] = r("utter_damaged_handed_off", linked=linked, **claim)
    for status in ("replacement", "refund", "agent", "missing", "closed", "other"):
        out[f"claim {status}"] = r(f"utter_claim_status_{status}", **claim)
    return out


@pytest.mark.parametrize(("name", "text"), list(_replies().items()))
def test_fits_two_segments_in_gsm7(name, text):
    assert not not_gsm7(text), (name, text)
    assert cost(text).segments <= 2, (name, len(text), text)
    assert "{" not in text and "  " not in text, (name, text)
