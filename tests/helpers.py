"""Test helpers: sign requests exactly as Twilio does, and talk to the engine."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import time_machine
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from bot.core.messages import InboundMessage

_sids = itertools.count(1)


def real_now() -> datetime:
    """The real time: the clock of a process a test starts (gunicorn, a CLI), which the suite's midday clock
    (tests/conftest.py) does not move. For a time handed to such a process; everything in-process uses now()."""
    return time_machine.escape_hatch.datetime.datetime.now(UTC)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def twilio_post(client, path: str, form: dict[str, str], *, token: str, public_url: str, signature: str | None = None):  # noqa: ANN001, ANN201
    """POST a form signed with Twilio's own RequestValidator over the public URL, as Twilio would."""
    url = public_url + path
    sig = signature if signature is not None else RequestValidator(token).compute_signature(url, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": sig})


def sms_form(body: str, *, sender: str = "+447700900123", to: str = "+441614960000", sid: str | None = None,
             media: list[tuple[str, str]] | None = None) -> dict[str, str]:
    form = {
        "MessageSid": sid or new_sid(),
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": str(len(media or [])),
    }
    for i, (url, ctype) in enumerate(media or []):
        form[f"MediaUrl{i}"] = url
        form[f"MediaContentType{i}"] = ctype
    return form


def say(  # noqa: ANN201
    runtime, text: str, *, sender: str = "+447700900123", to: str = "+441614960000", channel: str = "sms"  # noqa: ANN001
) -> list[str]:
    outcome = runtime.engine.handle(InboundMessage(channel, sender, to, text, channel_message_id=new_sid()))
    return [r.text for r in outcome.replies]


@contextmanager
def sqlite_file_away(runtime: Any, db_url: str) -> Iterator[None]:
    """The embedded database gone for the block: a directory where its file was ("unable to open database file"),
    its pooled connections closed; put back after, as it was."""
    path = Path(make_url(db_url).database or "")
    runtime.db.dispose()
    aside = path.with_suffix(".aside")
    os.replace(path, aside)
    path.mkdir()
    try:
        yield
    finally:
        shutil.rmtree(path)
        os.replace(aside, path)


# The product's password hasher, kept by tests/conftest.py when it swaps in a cheap one for the suite's process.
PRODUCT_HASHER: list = []
