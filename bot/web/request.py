"""The request class every Parcelbot web endpoint reads JSON through: a body nested deeper than any request
we serve is refused with a 400 like any other malformed body, never parsed into a RecursionError (a 500).

Set once on the app (create_app: app.request_class), so an endpoint added later is covered without knowing."""

from __future__ import annotations

from typing import Any

from flask import Request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from bot.core.json_limits import MAX_DEPTH, too_deep

MAX_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on PostgreSQL (SQLite's are wider)


class ParcelbotRequest(Request):
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
