"""The turn gate (bot/core/gate.py): at most N shoppers' turns of a process run at once, the rest wait their turn;
a turn waiting on the network lends its place; nobody waits past the gate's patience; and the engine runs every
turn through it (PARCELBOT_TURNS_AT_ONCE)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pytest

import bot.core.gate as gate_module
from bot.config import ConfigError, Settings
from bot.core.gate import TurnGate
from bot.core.messages import InboundMessage
from bot.runtime import LazyInterpreter
from tests.helpers import new_sid


class Inside:
    """How many threads are inside at once, at most."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.now -= 1


@pytest.mark.parametrize("size", [1, 2, 3])
def test_no_more_than_its_size_run_at_once_and_everyone_runs(size):
    gate, inside, done = TurnGate(size, patience=30), Inside(), []

    def turn(i: int) -> None:
        with gate.turn(), inside:
            time.sleep(0.02)
            done.append(i)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(turn, range(16)))
    assert inside.most == size and sorted(done) == list(range(16))


def test_no_size_means_no_limit():
    gate, inside, ready = TurnGate(0), Inside(), threading.Barrier(6, timeout=5)

    def turn(_: int) -> None:
        with gate.turn(), inside:
            ready.wait()  # all six must be inside together, or this breaks

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(turn, range(6)))
    assert inside.most == 6


def test_a_turn_stepping_aside_lets_the_next_one_in_and_then_takes_its_place_back():
    gate, inside = TurnGate(1, patience=30), Inside()
    waiting, other_done, back = threading.Event(), threading.Event(), []

    def slow() -> None:
        with gate.turn(), inside:
            with gate.aside():
                waiting.set()
                assert other_done.wait(10), "the other turn never got in while this one waited"
            back.append(inside.now)  # its place back: the other has left

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(slow)
        assert waiting.wait(10)
        with gate.turn(), inside:
            pass
        other_done.set()
        first.result(timeout=10)
    assert back == [1]  # back inside alone: the other had left before it took its place back


def test_nobody_waits_past_the_patience():
    gate, held, release = TurnGate(1, patience=0.05), threading.Event(), threading.Event()

    def stuck() -> None:
        with gate.turn():
            held.set()
            release.wait(10)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(stuck)
        assert held.wait(10)
        with gate.turn():  # the stuck turn holds the only place: this one runs anyway after its patience
            ran = True
        release.set()
    assert ran
    with gate.turn():  # the stuck turn gave its place back, and the one that ran without one gave nothing
        assert gate._holding() and gate._free == 0
    assert gate._free == 1 and not gate._waiting  # one place in all, free again


def test_a_turn_inside_a_turn_of_the_same_thread_does_not_queue_behind_itself():
    gate = TurnGate(1, patience=60)

    def nested() -> bool:
        with gate.turn(), gate.turn():
            return True

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(nested).result(timeout=10)


def test_the_engine_runs_each_turn_through_the_gate(runtime, demo):
    entered = []

    class Counting(TurnGate):
        def turn(self):  # noqa: ANN202
            entered.append(1)
            return super().turn()

    runtime.engine = runtime.engine.replace(gate=Counting(1))
    outcome = runtime.engine.handle(InboundMessage("sms", "+447700900123", "+441614960000", "where's my parcel",
                                                   channel_message_id=new_sid()))
    assert outcome.replies and entered == [1]


def test_turns_at_once_is_a_setting(env):
    assert Settings.from_env(env).turns_at_once == 2
    assert Settings.from_env({**env, "PARCELBOT_TURNS_AT_ONCE": "0"}).turns_at_once == 0
    with pytest.raises(ConfigError, match="PARCELBOT_TURNS_AT_ONCE"):
        Settings.from_env({**env, "PARCELBOT_TURNS_AT_ONCE": "-1"})


def test_a_thread_taking_turns_back_to_back_does_not_shut_out_a_waiting_turn():
    """Found by review: on a plain semaphore the releasing thread could take the place straight back (barging),
    so a thread running turn after turn (the kept-message replay draining a backlog) kept the only place, and a
    shopper's turn that arrived meanwhile waited its whole patience, then ran without a place anyway."""
    gate, stop, started = TurnGate(1, patience=3.0), threading.Event(), threading.Event()

    def replay_loop() -> None:
        while not stop.is_set():
            with gate.turn():
                started.set()
                time.sleep(0.005)  # a turn's work (releases the GIL like any I/O of a turn)

    with ThreadPoolExecutor(1) as pool:
        looping = pool.submit(replay_loop)
        assert started.wait(5)
        began = time.monotonic()
        with gate.turn():
            waited = time.monotonic() - began
            had_a_place = gate._holding()
        stop.set()
        looping.result(timeout=10)
    assert waited < 0.5 and had_a_place, f"waited {waited:.2f} s (patience 3 s); ran with a place: {had_a_place}"


class _NluOverHttp:
    """The interpreter as a Rasa server over HTTP (PARCELBOT_NLU=rasa): a parse is a network round trip. The
    first message containing "slow" waits until released (Rasa's read timeout is 5 s)."""

    waits_on_network = True  # as intents/rasa_http.RasaHTTPInterpreter says of itself

    def __init__(self, real) -> None:  # noqa: ANN001
        self.real, self.called, self.release = real, threading.Event(), threading.Event()

    def parse(self, text, context=None):  # noqa: ANN001, ANN201
        if "slow" in text:
            self.called.set()
            self.release.wait(5)
        return self.real.parse(text, context) if context is not None else self.real.parse(text)

    def __getattr__(self, name):  # noqa: ANN001, ANN204
        return getattr(self.real, name)


def test_a_turn_waiting_on_an_nlu_server_lends_its_place(runtime, demo):  # noqa: ANN001
    """Found by review: the gate rations CPU, and a turn waiting on an NLU server (Rasa over HTTP: several round
    trips a message) kept its place, so two slow Rasa answers held every other shopper of the process."""
    nlu = _NluOverHttp(runtime.engine.interpreter)
    runtime.engine = runtime.engine.replace(gate=TurnGate(1, patience=30), interpreter=nlu)

    def text(sender: str, words: str) -> float:
        began = time.monotonic()
        runtime.engine.handle(InboundMessage("sms", sender, "+441614960000", words, channel_message_id=new_sid()))
        return time.monotonic() - began

    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(text, "+447700900999", "slow: where is my parcel")
        assert nlu.called.wait(10)
        other_thread = ThreadPoolExecutor(1)
        other_took = other_thread.submit(text, "+447700900123", "where's my parcel")
        try:
            finished_while_nlu_waits = other_took.result(timeout=3) is not None
        except FutureTimeout:
            finished_while_nlu_waits = False
        nlu.release.set()
        slow.result(timeout=30)
        other_thread.shutdown()
    assert finished_while_nlu_waits, "the other shopper waited for the first one's NLU server round trip"


def test_a_wait_interrupted_by_an_exception_leaves_no_ticket_behind(monkeypatch):
    """An exception raised while a turn waits for its ticket (KeyboardInterrupt in a CLI's main thread, or any
    async exception) leaves the ticket in the queue: the next give-back hands the place to nobody, and the gate
    has one place fewer for good."""
    gate = TurnGate(1, patience=5)
    holder_in, release = threading.Event(), threading.Event()

    def holder() -> None:
        with gate.turn():
            holder_in.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    assert holder_in.wait(5)

    class Interrupted(threading.Event):
        def wait(self, timeout=None):  # noqa: ANN001, ANN202
            raise KeyboardInterrupt

    monkeypatch.setattr(gate_module.threading, "Event", Interrupted)
    with pytest.raises(KeyboardInterrupt), gate.turn():
        pass
    monkeypatch.undo()
    release.set()
    t.join(5)
    assert gate._free == 1 and not gate._waiting, (gate._free, len(gate._waiting))


def test_the_workers_lazy_interpreter_still_says_it_waits_on_the_network(env):
    """Engine._understand asks getattr(interpreter, "waits_on_network"); the Celery worker's runtime wraps the
    interpreter in LazyInterpreter (bot/runtime.py), which doesn't pass the attribute on, so a kept-message replay
    in a worker holds its place through every Rasa round trip."""
    from bot.config import Settings

    settings = Settings.from_env({**env, "PARCELBOT_NLU_BACKEND": "rasa", "RASA_URL": "http://127.0.0.1:5005"})
    assert getattr(LazyInterpreter(settings), "waits_on_network", False) is True
