"""Where a load step's CPU went, by process group, read from /proc (Linux): the web workers are not the whole cost.

On one machine the web workers, PostgreSQL, Redis, the Celery worker and the driver share the cores, so the
CPU a message costs all of them together is what bounds the sustained rate: 2 cores / (ms a message) is the
ceiling. Each step reads every process's utime + stime before and after and puts the difference, per message
answered, in the step's JSON (`cpu_ms_per_message_by`):

    web       the gunicorn processes of the target (master and workers: the topology's session)
    jobs      the Celery worker and its children (the topology's session)
    postgres  every `postgres` process: the run's backends, and whatever else the server did meanwhile
    redis     `redis-server`
    driver    this process (the load generator and its code-reading threads)
    machine   all non-idle CPU time on the machine (/proc/stat), the others included

Nothing else should run during a benchmark; "machine" minus the rest shows if something did.
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid_dir: Path) -> tuple[str, int, float] | None:
    """(command name, session id, CPU seconds) of one process; None if it went away or isn't readable."""
    try:
        raw = (pid_dir / "stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()  # from field 3 (state) on
    try:
        session, utime, stime = int(fields[3]), int(fields[11]), int(fields[12])
    except (IndexError, ValueError):
        return None
    return name, session, (utime + stime) / TICK


def _machine_busy_seconds() -> float:
    """Non-idle CPU time of the whole machine, all cores (the first line of /proc/stat)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return 0.0
    ticks = [int(v) for v in first[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / TICK  # user..steal; guest time is already inside user


def snapshot(sessions: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far per group. `sessions` names process sessions ({"web": pid, "jobs": pid}): the
    topology starts each server in a session of its own."""
    by_session = {sid: group for group, sid in sessions.items()}
    totals = dict.fromkeys([*sessions, "postgres", "redis"], 0.0)
    for pid_dir in Path("/proc").glob("[0-9]*"):
        found = _proc_stat(pid_dir)
        if found is None:
            continue
        name, session, seconds = found
        if session in by_session:
            totals[by_session[session]] += seconds
        elif name == "postgres":
            totals["postgres"] += seconds
        elif name == "redis-server":
            totals["redis"] += seconds
    own = os.times()
    totals["driver"] = own.user + own.system
    totals["machine"] = _machine_busy_seconds()
    return totals


def per_message(before: dict[str, float], after: dict[str, float], messages: int) -> dict[str, float]:
    """ms of CPU per message answered, per group, between two snapshots."""
    if not messages:
        return {}
    return {k: round((after[k] - before.get(k, 0.0)) * 1000 / messages, 3) for k in after}
