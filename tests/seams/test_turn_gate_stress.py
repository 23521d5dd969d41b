"""The turn gate under stress (from the second review): 1,500 turns on 24 threads with random waits, a patience
so short that many give up, asides, asides inside asides, turns inside turns and exceptions. No more than `size`
turns ever hold a place at once, and afterwards exactly `size` places are free and nobody waits."""
from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.core.gate import TurnGate


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("size", [1, 2, 3])
def test_stress_places_are_neither_lost_nor_made(size, seed):
    gate = TurnGate(size, patience=0.004)
    lock, inside_with_place = threading.Lock(), [0]
    most = [0]
    errors: list[str] = []

    def body(r: random.Random) -> None:
        held = gate._holding()
        if held:
            with lock:
                inside_with_place[0] += 1
                most[0] = max(most[0], inside_with_place[0])
                if inside_with_place[0] > size:
                    errors.append(f"{inside_with_place[0]} holders > {size}")
        try:
            time.sleep(r.random() * 0.004)
        finally:
            if held:
                with lock:
                    inside_with_place[0] -= 1

    def one(i: int) -> None:
        r = random.Random(i * 7919 + seed)
        try:
            with gate.turn():
                body(r)
                if r.random() < 0.5:
                    with gate.aside():
                        time.sleep(r.random() * 0.004)
                        if r.random() < 0.3:
                            with gate.aside():  # aside inside aside
                                time.sleep(r.random() * 0.002)
                        if r.random() < 0.3:
                            with gate.turn():  # a turn inside an aside
                                body(r)
                    body(r)
                if r.random() < 0.3:
                    with gate.turn():  # re-entrant
                        body(r)
                if r.random() < 0.2:
                    raise ValueError("boom")
        except ValueError:
            pass

    with ThreadPoolExecutor(24) as pool:
        list(pool.map(one, range(1500)))
    assert not errors, errors[:3]
    assert gate._free == size and not gate._waiting
