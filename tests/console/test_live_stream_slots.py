"""Each open console page holds a live stream (server-sent events), and with it a web thread, for as long as it is
open. Uncapped, 24 console tabs took every thread of 3 gunicorn workers x 8 threads: shoppers' webhooks and the
load balancer's health checks waited behind them and timed out. A process now holds at most
PARCELBOT_CONSOLE_STREAMS of them; a page past the cap is told to come back in 30 s and works without live updates
meanwhile; a stream's slot is free again when its page goes."""

from __future__ import annotations

import pytest

from tests.console.kit import make_user, sign_in


@pytest.fixture
def env(env):  # noqa: ANN001, ANN201
    return {**env, "PARCELBOT_CONSOLE_STREAMS": "1"}


def _open(client):  # noqa: ANN001, ANN202
    response = client.get("/console/events", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    return response


def test_past_the_cap_a_page_is_asked_to_come_back_and_a_closed_stream_frees_its_slot(runtime, demo, app):  # noqa: ANN001
    make_user(runtime)
    first_tab, second_tab = app.test_client(), app.test_client()
    sign_in(first_tab)
    sign_in(second_tab)

    live = _open(first_tab)
    assert next(iter(live.response)) == b"retry: 3000\n\n"  # streaming: it holds its thread
    busy = _open(second_tab)
    assert next(iter(busy.response)) == b"retry: 30000\n\n"  # no stream: come back in 30 s
    busy.close()
    assert second_tab.get("/console").status_code == 200  # the page itself still works

    live.close()  # the tab is closed (the server closes the response)
    again = _open(second_tab)
    assert next(iter(again.response)) == b"retry: 3000\n\n"
    again.close()
