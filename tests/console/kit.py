"""Helpers for the console tests: a console user, signing in as a browser does (CSRF token from the form),
and the page's CSRF token for the conversation API."""

from __future__ import annotations

import re

from backend import models as m
from backend.db import transaction
from bot.services.users import add_user

PASSWORD = "correct horse battery staple"


def make_user(runtime, email: str = "sam@acme.example", *, slug: str = "demo", role: str = "agent",  # noqa: ANN001
              name: str = "Sam", max_open: int = 5) -> int:
    with transaction(runtime.sessions) as session:
        merchant = session.query(m.Merchant).filter_by(slug=slug).one()
        return add_user(session, merchant=merchant, email=email, password=PASSWORD, role=role, name=name,
                        max_open=max_open).id


def token_in(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client, email: str = "sam@acme.example", password: str = PASSWORD):  # noqa: ANN001, ANN201
    page = client.get("/console/login")
    return client.post("/console/login", data={"email": email, "password": password,
                                               "csrf_token": token_in(page.get_data(as_text=True))})


def page_token(client) -> str:  # noqa: ANN001
    """The token the console page carries in <meta name="csrf-token"> for its API calls."""
    return token_in(client.get("/console").get_data(as_text=True))


def sign_in_page(page, url: str, email: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    """Sign in through the real login form in a browser page (Chromium), landing where `url` asks."""
    page.goto(url)
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
