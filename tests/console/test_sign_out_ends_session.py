"""Signing out of the console ends the session, not just the browser's copy of it. The session is a signed
cookie holding the user's id: a copy taken before sign-out (a shared support desk, a proxy's log, a stolen
laptop's profile) still opened the console and the conversation API for a month."""

from __future__ import annotations

from tests.console.kit import make_user, page_token, sign_in


def _copy_session(source, target) -> None:  # noqa: ANN001
    cookie = source.get_cookie("session")
    assert cookie is not None, "signed in without a session cookie"
    target.set_cookie("session", cookie.value)


def test_a_copied_cookie_stops_working_at_sign_out(runtime, demo, app):  # noqa: ANN001
    make_user(runtime)
    desk, copy = app.test_client(), app.test_client()
    assert sign_in(desk).status_code == 302
    _copy_session(desk, copy)
    assert copy.get("/console").status_code == 200  # the copy works while the person is signed in

    assert desk.post("/console/logout", data={"csrf_token": page_token(desk)}).status_code == 302

    page = copy.get("/console")
    assert page.status_code == 302 and "/console/login" in page.headers["Location"]
    assert copy.get("/api/v1/conversations?status=waiting").status_code == 401
    again = app.test_client()
    assert sign_in(again).status_code == 302 and again.get("/console").status_code == 200  # a new sign-in works


def test_a_sign_out_without_the_form_token_changes_nothing(runtime, demo, app):  # noqa: ANN001
    make_user(runtime)
    desk = app.test_client()
    sign_in(desk)
    assert desk.post("/console/logout").status_code == 400  # a cross-site form can't sign people out
    assert desk.get("/console").status_code == 200
