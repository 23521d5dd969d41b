"""The console behind a TLS load balancer (PARCELBOT_PROXIES=1). Found by review: trusting X-Forwarded-Proto made
every request "secure", which turns on Flask-WTF's strict Referer check (the Referer must be https://<host>/),
and the host was the balancer's upstream name, so nobody could sign in. The balancer's X-Forwarded-Host is now
trusted with the rest; docs/deployment.md says a proxy must pass the browser's host one way or the other."""

from __future__ import annotations

import dataclasses

import pytest

from bot.web import create_app
from tests.console.kit import PASSWORD, make_user, token_in

UPSTREAM = "http://10.0.0.9:8000"  # the host the balancer talks to
PUBLIC = "bot.example.com"


@pytest.mark.parametrize("proxies", [0, 1])
def test_signing_in_through_a_tls_balancer_that_names_the_public_host(runtime, demo, proxies):  # noqa: ANN001
    runtime.settings = dataclasses.replace(runtime.settings, proxies=proxies)
    client = create_app(runtime=runtime).test_client()
    make_user(runtime)
    via_balancer = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC,
                    "Referer": f"https://{PUBLIC}/console/login"}
    page = client.get("/console/login", headers=via_balancer, base_url=UPSTREAM)
    signed = client.post("/console/login", headers=via_balancer, base_url=UPSTREAM,
                         data={"email": "sam@acme.example", "password": PASSWORD,
                               "csrf_token": token_in(page.get_data(as_text=True))})
    assert signed.status_code in (302, 303), (signed.status_code, signed.get_data(as_text=True)[:300])
