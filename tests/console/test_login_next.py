"""After signing in, the console goes back to the page that asked (`?next=`) only if it is one of ours and can be
put in a Location header as it is; anything else goes to the queue. Never a 500 to someone who typed the right
password: a `next` with CR/LF (`/admin?x=%0a`) passed the old check and Werkzeug refused the header. (A NUL is
refused before any view, by bot/web/nul_guard.py.)"""

from __future__ import annotations

import pytest

from tests.console.kit import PASSWORD, make_user, token_in


def _sign_in(client, runtime, nxt: str):  # noqa: ANN001, ANN202
    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    token = token_in(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login?next=" + nxt,
                       data={"email": "ann@acme.example", "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("nxt", ["/console%0d%0aX-Evil:%201", "/admin?x=%0a", "/admin%0d",
                                 "/console%09x", "/admin?x=%E2%80%AE", "/admin?x=%E2%80%A8", "/console/" + "a" * 3000,
                                 "//evil.example/console", "/console\\\\evil", "https://evil.example/admin"])
def test_a_next_that_cannot_be_a_location_of_ours_goes_to_the_queue(client, runtime, demo, nxt) -> None:  # noqa: ANN001
    response = _sign_in(client, runtime, nxt)
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:200])
    assert response.headers["Location"] == "/console"


@pytest.mark.parametrize("nxt", ["/admin/settings", "/console/c/1?before=5", "/admin/templates?q=a%20b"])
def test_a_next_of_ours_is_where_the_sign_in_goes(client, runtime, demo, nxt) -> None:  # noqa: ANN001
    response = _sign_in(client, runtime, nxt)
    assert response.status_code == 302
    assert response.headers["Location"].replace(" ", "%20") == nxt


@pytest.mark.parametrize(("nxt", "page"), [
    ("/console/c/7/reply", "/console/c/7"), ("/console/c/7/resolve", "/console/c/7"), ("/console/next", "/console"),
    ("/console/logout", "/console"), ("/admin/settings/brand", "/admin/settings"),
    ("/admin/templates/utter_greet/reset", "/admin/templates/utter_greet"), ("/console/nowhere/at/all", "/console"),
])
def test_a_next_that_only_takes_a_post_goes_to_its_page(client, runtime, demo, nxt, page) -> None:  # noqa: ANN001
    """Review 4: Send pressed after signing out elsewhere asked for a sign-in with next= the action's address,
    which the browser then fetched with GET: a 405 where the agent had just signed in."""
    response = _sign_in(client, runtime, nxt)
    assert response.status_code == 302
    assert response.headers["Location"] == page
