"""Each review test starts with the process's default breaker store empty: several of them drive a remote carrier
(one host name, shared by every test) down for many tries, which opens its breaker for whatever test runs next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.resilience import DEFAULT_STORE


@pytest.fixture(autouse=True)
def _breakers_closed() -> Iterator[None]:
    _clear()
    yield
    _clear()  # and ends with it empty again: the tests after these share the process (and the host name)


def _clear() -> None:
    with DEFAULT_STORE._lock:  # noqa: SLF001 - a test's reset of the process-wide store
        DEFAULT_STORE._state.clear()  # noqa: SLF001
