"""Keyset pages for the API's lists: `?limit=` and the opaque `?cursor=` a page's `next` gave.

A cursor names the last row of a page by its sort key and id, so the next page starts right after it however many
rows came or went meanwhile (an offset would skip or repeat rows of a queue that moves every second), and each page
is one indexed range read however deep it goes. The cursor only says where to start: it is read back, checked
for shape, and every page is still filtered by the caller's merchant."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_


class BadPage(ValueError):
    """A ?limit= or ?cursor= that isn't one: each named (the API's 422 lists them)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k} {v}" for k, v in errors.items()))
        self.errors = errors


def page_args(args: Any, *, most: int) -> tuple[int, tuple[datetime, int] | None]:
    """(how many rows, after which (key, id)) from the query string."""
    errors: dict[str, str] = {}
    limit = most
    if "limit" in args:
        try:
            limit = int(args["limit"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= most:
            errors["limit"] = f"must be a whole number from 1 to {most}"
    after = None
    if args.get("cursor"):
        after = _decode(args["cursor"])
        if after is None:
            errors["cursor"] = "is not one this list gave: use the `next` of the page before"
    if errors:
        raise BadPage(errors)
    return limit, after


def after(key: Any, id_column: Any, cursor: tuple[datetime, int], *, ascending: bool) -> Any:
    """The rows that come after the cursor in (key, id) order."""
    value, last_id = cursor
    if ascending:
        return or_(key > value, and_(key == value, id_column > last_id))
    return or_(key < value, and_(key == value, id_column < last_id))


def cursor_for(value: datetime, row_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([value.isoformat(), row_id]).encode()).decode().rstrip("=")


MAX_CURSOR = 120  # characters: what cursor_for makes is about 70; anything much longer was not made here


def _decode(raw: str) -> tuple[datetime, int] | None:
    """The (moment in UTC, id) a cursor names, or None for anything cursor_for could not have made (a length cap
    first: a made-up cursor is never parsed deeply; then a moment any database can store)."""
    if len(raw) > MAX_CURSOR:
        return None
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return None
        moment = moment.astimezone(UTC)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError, RecursionError):
        return None
    if not 1970 <= moment.year <= 9998 or not isinstance(row_id, int) or isinstance(row_id, bool) \
            or not 0 < row_id < 2**31:
        return None
    return moment, row_id
