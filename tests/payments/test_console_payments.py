"""The agent console's conversation page and the conversation API list the conversation's payments: amount,
status, refunds; another merchant's agent sees none of them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from tests.conftest import PUBLIC_URL
from tests.console.kit import make_user, sign_in
from tests.dialogues.aftersales_kit import edit_shipment, latest_code, talk, text_of
from tests.payments.kit import EVERY_DAY, OWN, TRACKING, path_of, pay_link, payments, set_merchant


@pytest.fixture
def refused_payment(runtime, demo, client) -> int:  # noqa: ANN001
    """A £3.50 slot paid in the sandbox, which the carrier then refused: failed, refunded. Returns the conversation."""
    set_merchant(runtime, rules=EVERY_DAY)
    talk(runtime, OWN, "I need to reschedule")
    talk(runtime, OWN, "3")
    talk(runtime, OWN, "yes")
    path = path_of(pay_link(text_of(talk(runtime, OWN, latest_code(runtime, OWN)))), PUBLIC_URL)
    edit_shipment(runtime, TRACKING, status="delivered")
    client.post(path, data={"choice": "pay"})
    [payment] = payments(runtime)
    assert payment.status == "failed" and payment.refunded_amount is not None
    return payment.conversation_id


def test_the_conversation_page_lists_payments_and_refunds(runtime, client, refused_payment):
    make_user(runtime)
    sign_in(client)
    page = client.get(f"/console/c/{refused_payment}").get_data(as_text=True)
    assert 'id="pay-h">Payments' in page
    row = page.split('id="pay-h"')[1].split("</table>")[0]
    assert TRACKING in row and "reschedule delivery" in row and "£3.50" in row and "failed" in row
    assert "sbx_re_" in row  # the refund's reference


def test_the_conversation_api_lists_payments(runtime, client, refused_payment):
    with transaction(runtime.sessions) as session:
        key, _ = create_key(session, session.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")))
    detail = client.get(f"/api/v1/conversations/{refused_payment}", headers={"Authorization": f"Bearer {key}"})
    assert detail.status_code == 200
    [payment] = detail.get_json()["payments"]
    assert payment["amount"] == "3.50" and payment["currency"] == "GBP" and payment["status"] == "failed"
    assert payment["refunded"] == "3.50" and payment["refunds"][0]["ref"].startswith("sbx_re_")


def test_another_merchants_agent_sees_no_payment(runtime, client, refused_payment):
    with transaction(runtime.sessions) as session:
        session.add(m.Merchant(slug="other", name="Other Shop", settings={}))
    make_user(runtime, "ola@other.example", slug="other", name="Ola")
    sign_in(client, "ola@other.example")
    response = client.get(f"/console/c/{refused_payment}")
    assert response.status_code == 404 and "£3.50" not in response.get_data(as_text=True)
