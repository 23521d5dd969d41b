"""Which merchant a message is for, and its settings, without a query before the turn's transaction.

Every turn used to open a session (a pool checkout, a pre-ping, BEGIN, SELECT, ROLLBACK) just to learn the
merchant and its parse settings before running the NLU. The number a message is sent to and the merchant's
row change rarely, so a worker keeps them here. A cached entry is never trusted blindly: the turn's own
transaction reads the merchant row anyway (it needs it), and the engine compares that row with the snapshot
kept here. Any difference (settings saved in the console by any worker on any host, a number moved, a
merchant removed) makes the turn roll back, forget the entry and run again on a fresh read: a change takes
effect on the very next message everywhere, with no extra statement and no cross-worker invalidation
(no pub/sub to miss, no TTL to wait out).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect

from backend import models as m
from bot.core.merchant_config import MerchantConfig

MAX_ENTRIES = 4096  # keys are numbers and slugs merchants really use (misses are not cached): a backstop


def snapshot(merchant: m.Merchant) -> tuple[Any, ...]:
    """Every column of the row, as compared values (the settings JSON compares by value)."""
    return tuple(getattr(merchant, attr.key) for attr in inspect(m.Merchant).column_attrs)


@dataclass(frozen=True)
class CachedMerchant:
    merchant_id: int
    row: tuple[Any, ...]  # snapshot() when cached
    config: MerchantConfig

    def matches(self, merchant: m.Merchant) -> bool:
        return merchant.id == self.merchant_id and snapshot(merchant) == self.row


class MerchantCache:
    """(channel, recipient) -> CachedMerchant, per process, thread-safe."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], CachedMerchant] = {}
        self._lock = threading.Lock()

    def get(self, channel: str, recipient: str) -> CachedMerchant | None:
        return self._entries.get((channel, recipient))

    def put(self, channel: str, recipient: str, merchant: m.Merchant, config: MerchantConfig) -> CachedMerchant:
        entry = CachedMerchant(merchant.id, _copy(snapshot(merchant)), config)
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[(channel, recipient)] = entry
        return entry

    def forget(self, channel: str, recipient: str) -> None:
        with self._lock:
            self._entries.pop((channel, recipient), None)


def _copy(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A deep copy of the JSON values: a later in-place change to the ORM object must not change the snapshot."""
    import copy

    return tuple(copy.deepcopy(v) if isinstance(v, dict | list) else v for v in row)
