"""The Wording pages without JavaScript: the list (grouped, filtered, overrides marked), Preview posts the form and
the page shows the check, Save refuses naming the variable (422), an agent gets 403, another merchant's admin
sees only their own wording, "send me a test" really goes through the outbox and sender (and is refused without
a phone), and `parcelbot user add --phone` / `user phone` set the number."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backend import models as m
from backend.db import transaction
from tests.console.kit import make_user, sign_in, token_in
from tests.test_cli import run

NEIGHBOUR = "utter_neighbour_summary"
PAGE = f"/admin/templates/{NEIGHBOUR}"


@pytest.fixture
def admin(runtime, demo, app):  # noqa: ANN001, ANN201
    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    client = app.test_client()
    sign_in(client, "ann@acme.example")
    return client


def _post(client, path: str, **form: str):  # noqa: ANN001, ANN202
    token = token_in(client.get(PAGE).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **form})


def test_the_list_groups_filters_and_marks_overrides(admin, runtime):  # noqa: ANN001
    html = admin.get("/admin/templates").get_data(as_text=True)
    assert '<h2 id="g-leave_with_neighbour">Leave with neighbour</h2>' in html
    assert html.count('class="template-row') > 300 and "Overridden" not in html
    _post(admin, PAGE, channel="default", action="save", text="your {parcel} goes to {who}.")
    filtered = admin.get("/admin/templates?q=neighbour_summ").get_data(as_text=True)
    assert filtered.count('class="template-row') == 1
    assert re.search(r'class="template-row overridden".*?utter_neighbour_summary.*?Overridden', filtered, re.S)


def test_preview_without_javascript_shows_the_filled_text_and_its_cost(admin):  # noqa: ANN001
    response = _post(admin, PAGE, channel="sms", action="preview", text="Your {parcel} \u2013 to {who} [ok]")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your Hiking boots (+1 more) \u2013 to your neighbour at number 16 [ok]" in html
    assert "UCS-2" in html and "Forces UCS-2: <code>\u2013</code>" in html
    assert "Count twice: <code>[</code> <code>]</code>" in html
    assert "Saved" not in html  # a preview saves nothing


def test_save_refuses_naming_the_variable_and_saves_a_good_text(admin, runtime):  # noqa: ANN001
    refused = _post(admin, PAGE, channel="sms", action="save", text="to {who} {unknown_variable}")
    assert refused.status_code == 422
    assert "Not saved: unknown variable {unknown_variable}." in refused.get_data(as_text=True)
    saved = _post(admin, PAGE, channel="sms", action="save", text="to {who} please")
    assert saved.status_code == 302
    with runtime.sessions() as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        assert merchant.settings["responses"][NEIGHBOUR] == {"sms": "to {who} please"}
        revision = s.scalar(select(m.ConfigRevision).where(m.ConfigRevision.merchant_id == merchant.id))
        assert (revision.kind, revision.channel, revision.before, revision.after, revision.author) == (
            "template", "sms", None, "to {who} please", "admin:ann@acme.example")
    reset = _post(admin, f"{PAGE}/reset", channel="sms")
    assert reset.status_code == 302
    with runtime.sessions() as s:
        assert NEIGHBOUR not in (s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")).settings
                                 .get("responses") or {})


def test_a_post_without_the_csrf_token_changes_nothing(admin, runtime):  # noqa: ANN001
    admin.post(PAGE, data={"channel": "sms", "action": "save", "text": "to {who}"})
    with runtime.sessions() as s:
        assert s.scalars(select(m.ConfigRevision)).all() == []


def test_an_agent_gets_403(runtime, demo, app):  # noqa: ANN001
    make_user(runtime, "sam@acme.example", role="agent")
    client = app.test_client()
    sign_in(client, "sam@acme.example")
    assert client.get("/admin/templates").status_code == 403
    assert client.get(PAGE).status_code == 403


def test_another_merchants_admin_sees_only_their_own_wording(admin, runtime, app):  # noqa: ANN001
    _post(admin, PAGE, channel="default", action="save", text="Demo words for {who}.")
    with transaction(runtime.sessions) as session:
        session.add(m.Merchant(slug="other", name="Other Shop", settings={}))
    make_user(runtime, "olga@other.example", slug="other", role="admin", name="Olga")
    other = app.test_client()
    sign_in(other, "olga@other.example")
    html = other.get(PAGE).get_data(as_text=True)
    assert "Demo words" not in html and "No changes yet" in html
    with runtime.sessions() as s:
        demo_revision = s.scalar(select(m.ConfigRevision.id))
    token = token_in(html)
    other.post(f"{PAGE}/revert", data={"csrf_token": token, "revision": str(demo_revision)})
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.ConfigRevision)) == 1  # nothing reverted
        assert s.scalar(select(m.Merchant).where(m.Merchant.slug == "other")).settings == {}


def test_send_me_a_test_goes_out_through_the_sender(admin, runtime):  # noqa: ANN001
    no_phone = _post(admin, f"{PAGE}/test", channel="sms")
    assert "Not sent: your user has no phone number" in admin.get(no_phone.headers["Location"]).get_data(as_text=True)
    with transaction(runtime.sessions) as s:
        s.scalar(select(m.User).where(m.User.email == "ann@acme.example")).phone = "+447700900999"
    _post(admin, PAGE, channel="default", action="save", text="Test words: your {parcel} goes to {who}.")
    sent = _post(admin, f"{PAGE}/test", channel="sms")
    assert "Test text queued to +447700900999" in admin.get(sent.headers["Location"]).get_data(as_text=True)
    with runtime.sessions() as s:
        msg = s.scalar(select(m.Message).where(m.Message.recipient == "+447700900999"))
    assert msg.body == "Test words: your Hiking boots (+1 more) goes to your neighbour at number 16."
    assert msg.channel == "sms" and msg.status != "queued"  # the send_outbox job ran after commit


def test_user_add_phone_and_user_phone(env, runtime):  # noqa: ANN001
    assert run(env, "merchant", "add", "acme", "--name", "Acme Ltd", "--sms-number", "+447700900500").returncode == 0
    added = run(env, "user", "add", "ann@acme.example", "--merchant", "acme", "--role", "admin", "--phone",
                "07700 900321", "--password-stdin", stdin="correct horse battery staple\n")
    assert added.returncode == 0, added.stderr
    assert "+447700900321" in run(env, "user", "list", "acme").stdout
    bad = run(env, "user", "phone", "ann@acme.example", "not-a-number")
    assert bad.returncode == 2 and "not a phone number" in bad.stderr and "Traceback" not in bad.stderr
    assert run(env, "user", "phone", "ann@acme.example", "+447700900322").returncode == 0
    assert "+447700900322" in run(env, "user", "list", "acme").stdout
    assert run(env, "user", "phone", "ann@acme.example", "none").returncode == 0
    assert "no phone" in run(env, "user", "list", "acme").stdout
    missing = run(env, "user", "phone", "nobody@acme.example", "+447700900322")
    assert missing.returncode == 1 and "no user nobody@acme.example" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert run(env, "user", "deactivate", "ann@acme.example").returncode == 0
    assert "deactivated" in run(env, "user", "list", "acme").stdout
    assert run(env, "user", "deactivate", "nobody@acme.example").returncode == 1
    with runtime.sessions() as s:  # each change is in the audit trail, under the user and the CLI
        trail = s.execute(select(m.AuditEntry.action, m.AuditEntry.result, m.AuditEntry.detail)
                          .where(m.AuditEntry.actor == "cli", m.AuditEntry.subject == "ann@acme.example")
                          .order_by(m.AuditEntry.id)).all()
    assert [tuple(t) for t in trail] == [("user_add", "created", {"role": "admin"}), ("user_phone", "set", {}),
                                         ("user_phone", "removed", {}), ("user_deactivate", "deactivated", {})]
