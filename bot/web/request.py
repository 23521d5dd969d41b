"""The request class every Parcelbot web endpoint reads JSON through: a body nested deeper than any request
we serve is refused with a 400 like any other malformed body, never parsed into a RecursionError (a 500); so is
one that names a key twice (which value was meant?).

Set once on the app (create_app: app.request_class and app.json), so an endpoint added later is covered
without knowing."""

from __future__ import annotations

from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from bot.core.json_limits import MAX_DEPTH, AmbiguousJSON, strict_loads, too_deep

MAX_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on PostgreSQL (SQLite's are wider)

class StrictJSON(DefaultJSONProvider):
    """The app's JSON provider, which get_json parses with (Flask hands every request the app's): a key given twice,
    or NaN, is a 400 like any malformed body (bot/core/json_limits.py), not a silent choice of one value."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_loads(s)


class ParcelbotRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, AmbiguousJSON):  # say which key: "could not understand" gives a sender nothing to fix
            raise BadRequest(str(e)) from e
        return super().on_json_loading_failed(e)

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if force or self.is_json:
            text = self.get_data(cache=True).decode("utf-8", errors="replace")
            if too_deep(text):
                if silent:
                    return None
                raise BadRequest(f"JSON nested deeper than {MAX_DEPTH} levels")
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError as exc:  # a backstop: too_deep should have caught it
            if silent:
                return None
            raise BadRequest("JSON nested too deeply") from exc


class StorableInt(IntegerConverter):
    """`<int:...>` in every route: a number no id column holds (our ids are INTEGER: 2**31 - 1 on PostgreSQL) is a
    404 like any other id that does not exist, never an overflow (a 500) in the driver. Set on the app before
    routes register."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
