"""A conversation's transcript as the console shows it: its messages and the team's internal notes in the order
they happened, so a note ("Called the depot") reads between the messages it came between, not after them all.

The conversation API keeps them apart (`messages`, `notes`: a helpdesk files them separately); the page merges
them. A transcript page (the newest 200 messages, or an earlier 200 with ?before=) shows the notes of its own
stretch of time: from its first message (from the beginning on the page of the oldest messages) to the first
message of the page after it (to now on the newest page), so each note is on one page only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m


def timeline(c: dict[str, Any], *, until: datetime | None = None) -> list[tuple[str, dict[str, Any]]]:
    """("message" | "note", item) in time order: a note goes before the first message written after it (a note
    and a message of the same moment: the message first). `c`: detail_json's conversation; `until`: when the
    next page's first message was written (None on the newest page)."""
    messages = c["messages"]
    start = _at(messages[0]) if messages and c.get("earlier") else None
    notes = [n for n in c["notes"] if (start is None or _at(n) >= start) and (until is None or _at(n) < until)]
    notes.sort(key=_at)  # stable: notes of one moment keep their order
    shown: list[tuple[str, dict[str, Any]]] = []
    waiting = iter(notes)
    note = next(waiting, None)
    for msg in messages:
        while note is not None and _at(note) < _at(msg):
            shown.append(("note", note))
            note = next(waiting, None)
        shown.append(("message", msg))
    while note is not None:
        shown.append(("note", note))
        note = next(waiting, None)
    return shown


def page_end(session: Session, conv_id: int, before: int | None) -> datetime | None:
    """When the first message after this page (the message `before` names) was written: where its notes end."""
    if before is None:
        return None
    return session.scalar(select(m.Message.created_at).where(m.Message.id == before,
                                                             m.Message.conversation_id == conv_id))


def _at(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["at"])
