"""The load run's CPU by process group (bot/cli/load/machine_cpu.py): a server's session is charged with what its
processes burned (its children too, as gunicorn's workers are its master's), and nothing else."""

from __future__ import annotations

import subprocess
import sys
import time

from bot.cli.load import machine_cpu

# A server whose child (same session, as a gunicorn worker) waits 0.5 s, burns 0.4 s of CPU, then sleeps.
CHILD = ("import time\ntime.sleep(0.5)\nend = time.process_time() + 0.4\n"
         "while time.process_time() < end: pass\ntime.sleep(30)")
SERVER = f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {CHILD!r}])\ntime.sleep(30)"
IDLE = "import time\ntime.sleep(30)"


def test_a_session_is_charged_with_its_processes_cpu_and_an_idle_one_with_none():
    busy = subprocess.Popen([sys.executable, "-c", SERVER], start_new_session=True)
    idle = subprocess.Popen([sys.executable, "-c", IDLE], start_new_session=True)
    try:
        time.sleep(0.35)  # both started; the child is in its sleep
        before = machine_cpu.snapshot({"web": busy.pid, "jobs": idle.pid})
        time.sleep(1.6)
        after = machine_cpu.snapshot({"web": busy.pid, "jobs": idle.pid})
    finally:
        subprocess.run(["pkill", "-s", str(busy.pid)], check=False)
        idle.kill()
    assert set(after) == {"web", "jobs", "postgres", "redis", "driver", "machine"}
    per = machine_cpu.per_message(before, after, messages=100)
    assert 3.0 <= per["web"] <= 6.0, per  # 0.4 s over 100 messages: 4 ms each (the clock ticks in 10 ms)
    assert per["jobs"] < 0.5, per
    assert per["machine"] >= 3.0, per  # the whole machine saw it too
    assert machine_cpu.per_message(before, after, messages=0) == {}
