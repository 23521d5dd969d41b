"""Every web request watched by the stall guard (backend/stall.py), not only the shoppers' turns.

A database that stops answering without going away leaves a request waiting on its socket for ever: nothing in
the driver, the kernel or gunicorn's gthread worker ends it. Turns already give up after
`PARCELBOT_DB_STALL_SECONDS` (the engine watches them). Without this, an API call, a console page or a delivery
receipt would hold its worker thread for good, and a few dozen of them would leave no thread for the webhooks,
which would then go unanswered: silence for the shoppers. Watched here with the longer
`PARCELBOT_DB_STALL_REQUEST_SECONDS`, such a request is cut loose and answered 503 with Retry-After
(bot/web/errors.py), and the pool drops the connection.

WSGI middleware rather than a Flask hook: it covers the whole request, error handlers included. A streamed body is
produced after the block ends, so a long CSV export is never cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from backend.stall import StallGuard

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def watched_requests(wsgi_app: WsgiApp, guard: StallGuard, seconds: float) -> WsgiApp:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with guard.watching(seconds):
            return wsgi_app(environ, start_response)

    return app
