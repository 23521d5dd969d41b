"""A merchant's own order or tracking number pattern runs on every shopper message. One with a repeat inside
a repeat ("(\\d+)+x") makes Python's matcher try every split of the text: 22 digits took 0.8 s, 30 would take
minutes, holding a worker every merchant shares. Saving one is refused with what to write instead, and one
stored before this check is ignored like a broken one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from intents.entities._base import compile_merchant, merchant_matches, runaway_repeat

RUNAWAY = ("(\\d+)+x", "(a*)*", "(\\w{1,9})*#", "(?:\\d{3,4}-?)+$", "(ORD|(\\d+)+)x")
FINE = ("ORD-?\\d{6,8}", "(\\d{3}-)?\\d{6}", "(?P<id>[A-Z]{2}\\d{9}[A-Z]{2})", "(\\d{4})+", "(?>\\d+)+", "#?(\\d{5,7})")


@pytest.mark.parametrize("field", ["order_number_pattern", "tracking_number_pattern"])
def test_a_runaway_pattern_is_refused_naming_the_field(client, auth, field):  # noqa: ANN001
    for pattern in RUNAWAY:
        put = client.put("/api/v1/settings", headers=auth, json={field: pattern})
        assert put.status_code == 422, (pattern, put.get_json())
        assert "repeat inside a repeat" in put.get_json()["errors"][field], pattern
    for pattern in FINE:
        put = client.put("/api/v1/settings", headers=auth, json={field: pattern})
        assert put.status_code == 200, (pattern, put.get_json())


def test_a_runaway_pattern_stored_before_the_check_is_ignored():
    """compile_merchant is what the NLU calls on the stored pattern at every message."""
    assert all(runaway_repeat(p) for p in RUNAWAY) and not any(runaway_repeat(p) for p in FINE)
    assert all(compile_merchant(p) is None for p in RUNAWAY)
    assert all(compile_merchant(p) is not None for p in FINE)


def test_a_slow_pattern_of_another_shape_finds_nothing_on_that_message_instead_of_holding_the_worker():
    """Not every runaway pattern has a repeat inside a repeat: "(?:a|aa)+x" passes that check and, on Python's own
    matcher, takes minutes on 60 letters. Merchant patterns run with a timeout (the `regex` package), so that
    message's merchant match is empty (logged) and the built-in extractors still run; a quick message still matches."""
    pattern = compile_merchant("(?:a|aa)+x")
    assert pattern is not None and not runaway_repeat("(?:a|aa)+x")
    pool = ThreadPoolExecutor(1)  # bounded: without the timeout this test fails instead of hanging the suite
    try:
        assert pool.submit(merchant_matches, pattern, "a" * 60).result(timeout=30) == []
    finally:
        pool.shutdown(wait=False)
    assert merchant_matches(pattern, "order aax please") == [("aax", 6, 9)]
