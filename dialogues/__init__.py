"""The journeys, one module each. Importing this package registers every flow with the router."""

from dialogues import (  # noqa: F401 - imported for their flow registrations
    handoff,
    identify,
    opt_out,
    resume,
    smalltalk,
    where_is_my_order,
)
from dialogues.base import REGISTRY, Flow, Turn
from dialogues.router import respond

__all__ = ["REGISTRY", "Flow", "Turn", "respond"]
