"""Shared bits for HTTP channels: reach the runtime, and answer bad requests clearly."""

from __future__ import annotations

from typing import Any

from flask import current_app


def runtime() -> Any:
    return current_app.extensions["parcelbot"]
