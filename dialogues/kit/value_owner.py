"""Which journey a bare value belongs to ("the porch": a safe place; "next door at 14": a neighbour), for a part of a
message that names a value and asks for nothing in words (a correction, the value after a refusal). Read by
dialogues/kit/requests.py."""

from __future__ import annotations

import re

from dialogues.base import Flow, valued_by
from intents.types import ParsedClause

# A number the parcel is left "with" or given "to" ("with number 8", "give it to no. 3"): someone to take it, since
# nobody leaves a parcel with an address.
_TAKEN_BY = re.compile(r"\b(?:with|to)\s+(?:(?:house\s+)?(?:number|no\.?|num|nr|#)\s*)?\d", re.IGNORECASE)


def journey_of(part: ParsedClause) -> Flow | None:
    """The one journey whose values this part names, or None (none, or several: "number 5" could be a neighbour
    or an address). Values only one journey takes together ("next door at 14") are that journey's, and a number
    left "with" someone a neighbour's."""
    kinds = {e.entity for e in part.parse.entities}
    flows = [f for f in valued_by(kinds) if not f.values_when_proposed]
    if len(flows) > 1:
        named = kinds & {v for f in flows for v in f.values}
        flows = [f for f in flows if set(f.values) >= named] or flows
    if len(flows) > 1 and _TAKEN_BY.search(part.text):
        flows = [f for f in flows if "neighbour" in f.values]
    return flows[0] if len(flows) == 1 else None
