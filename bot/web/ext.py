"""The Flask extension that hands every view the one Runtime (Flask's `init_app` pattern).

One key in app.extensions, set by create_app; views call current_runtime() (typed) instead of reaching
into app.extensions themselves. The extension keeps no app: one extension object serves any number of apps.
"""

from __future__ import annotations

from flask import Flask, current_app

from bot.runtime import Runtime

KEY = "parcelbot"


class ParcelbotExtension:
    def init_app(self, app: Flask, runtime: Runtime) -> None:
        app.extensions[KEY] = runtime


def current_runtime() -> Runtime:
    return current_app.extensions[KEY]


parcelbot = ParcelbotExtension()
