"""The journeys, one module each. Importing this package registers every flow with the router.

Every module in this package is imported (so adding a journey is adding a module); modules that only
hold helpers simply register nothing.
"""

import importlib
import pkgutil

from dialogues.base import REGISTRY, Flow, Turn
from dialogues.router import respond

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["REGISTRY", "Flow", "Turn", "respond"]
