"""The dialogues: how a conversation goes, channel-free.

    base.py      Turn (what a flow sees of one message) and Flow (a journey's start and steps)
    router.py    which flow hears a message
    kit/         shared helpers: reading answers, formatting, cleaning free text; no flows
    subflows/    flows entered from other flows (identify the parcel, verify with a code, make a change,
                 the next step after a failed delivery, clarify, resume, one-tap offers)
    journeys/    the intent-started journeys, one module each; a journey never imports another journey

Importing this package registers every flow with the router: every module in subflows/ and journeys/ is
imported, so adding a journey is adding a module.
"""

import importlib
import pkgutil

from dialogues import journeys, subflows
from dialogues.base import REGISTRY, Flow, Turn
from dialogues.router import respond

for _package in (subflows, journeys):
    for _module in pkgutil.iter_modules(_package.__path__):
        importlib.import_module(f"{_package.__name__}.{_module.name}")

__all__ = ["REGISTRY", "Flow", "Turn", "respond"]
