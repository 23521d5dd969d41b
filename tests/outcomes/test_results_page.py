"""The Results page (/admin): an admin sees the money view and the charts from the demo history; an agent
gets 403; a bad range is a 422 with the field named on the page; every chart is an accessible SVG."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from backend import models as m
from backend.db import transaction
from bot.services.demo_history import seed_demo_history
from bot.services.outcomes import as_json, compute, window_for
from bot.web.admin.results_views import money
from tests.console.kit import make_user, sign_in


@pytest.fixture
def history(runtime, demo):  # noqa: ANN001, ANN201
    with transaction(runtime.sessions) as s:
        merchant = s.merge(demo)
        assert seed_demo_history(s, merchant, now=runtime.clock())
        assert not seed_demo_history(s, merchant, now=runtime.clock())  # once only
    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    return demo


def _figures(runtime, start, end) -> dict:  # noqa: ANN001
    with runtime.sessions() as s:
        merchant = s.query(m.Merchant).filter_by(slug="demo").one()
        return as_json(compute(s, merchant, window_for(merchant, start, end, now=runtime.clock())))


def test_the_page_shows_the_money_view_and_the_charts(runtime, history, client):
    sign_in(client, "ann@acme.example")
    response = client.get("/admin")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    today = runtime.clock().astimezone(history.zone()).date()
    body = _figures(runtime, today - timedelta(days=29), today + timedelta(days=1))
    total = re.search(r'id="money-total">([^<]+)<', html).group(1)
    assert total == money(Decimal(body["money"]["total"]), "GBP")
    assert body["money"]["failed_attempts_avoided"] > 0 and body["money"]["contacts_without_agent"] > 0
    svgs = re.findall(r"<svg [^>]*>", html)
    assert len(svgs) >= 8
    assert all('role="img"' in svg and "viewBox" in svg for svg in svgs)
    assert html.count("<title id=\"chart") == len(svgs) and html.count("<desc id=\"chart") == len(svgs)
    assert html.count("<details><summary>Data table</summary>") == len(svgs)
    for carrier in body["carriers"]:
        assert f'<th scope="row">{carrier["carrier"]}</th>' in html
    containment = body["metrics"]["containment"]
    assert f"{containment['value'] * 100:.0f}%" in html and containment["definition"] in html
    assert "set yours in Settings" in html  # the demo uses our default costs, and says so
    assert "cdn" not in html.lower() and "<script" not in html.split("<main")[1]


def test_a_quick_range_and_a_chosen_range(runtime, history, client):
    sign_in(client, "ann@acme.example")
    html = client.get("/admin").get_data(as_text=True)
    links = re.findall(r'href="(/admin\?[^"]+)"', html)
    assert len(links) == 3  # last 7, 30, 90 days
    seven = client.get(links[0].replace("&amp;", "&")).get_data(as_text=True)
    assert 'aria-current="true">Last 7 days' in seven
    narrow = client.get("/admin?from=2020-01-01&to=2020-01-08").get_data(as_text=True)
    assert "No data in this range" in narrow and 'id="money-total">\u00a30.00<' in narrow


@pytest.mark.parametrize(("query", "field"), [("from=31-12-2026", "from"), ("from=2026-11-09&to=2026-11-02", "to")])
def test_a_bad_range_says_which_field(runtime, history, client, query, field):
    sign_in(client, "ann@acme.example")
    response = client.get(f"/admin?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and f'aria-describedby="{field}-error"' in html
    assert "money-total" not in html


def test_an_agent_may_not_see_results(runtime, history, client):
    make_user(runtime, "sam@acme.example", role="agent")
    sign_in(client, "sam@acme.example")
    assert client.get("/admin").status_code == 403


def test_signed_out_goes_to_the_sign_in_page(history, client):
    response = client.get("/admin")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
