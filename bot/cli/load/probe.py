"""What a web worker did during a load run, counted inside the worker and exported to a file.

PostgreSQL's pg_stat_statements is not installed here, and pg_stat_database counts every client (the Celery
worker, the driver reading codes), so each gunicorn worker counts its own SQL statements, commits and
rollbacks with SQLAlchemy engine events, and the turns it answered with a WSGI wrapper. A daemon thread writes
the counters and the worker's resident memory to <dir>/<pid>.json twice a second; the driver sums the files
between load steps. Loaded only by the benchmark's gunicorn config (gunicorn_conf.py): production never runs it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

TURN_PATHS = ("/twilio/sms", "/twilio/whatsapp", "/webhooks/rest/webhook")
DUMP_EVERY = 0.5


@dataclass
class Counters:
    pid: int = 0
    turns: int = 0
    statements: int = 0
    commits: int = 0
    rollbacks: int = 0
    rss_bytes: int = 0
    cpu_seconds: float = 0.0  # the process's CPU time (all threads): robust to a busy machine, unlike latency


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size from /proc (Linux), 0 where it can't be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class Probe:
    """The counters of one process; install() hooks SQLAlchemy, wrap() the WSGI app, start() the exporter."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.counters = Counters(pid=os.getpid())
        self._lock = threading.Lock()

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def statement(*_args: Any) -> None:
            with self._lock:
                self.counters.statements += 1

        def commit(*_args: Any) -> None:
            with self._lock:
                self.counters.commits += 1

        def rollback(*_args: Any) -> None:
            with self._lock:
                self.counters.rollbacks += 1

        self._listeners = [("before_cursor_execute", statement), ("commit", commit), ("rollback", rollback)]
        for name, fn in self._listeners:
            event.listen(Engine, name, fn)

    def uninstall(self) -> None:
        """Remove the listeners (a test's in-process probe; a worker's lives as long as the worker)."""
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        for name, fn in getattr(self, "_listeners", []):
            event.remove(Engine, name, fn)
        self._listeners = []

    def wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get("PATH_INFO") in TURN_PATHS:
                with self._lock:
                    self.counters.turns += 1
            return app(environ, start_response)

        return counted

    def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        threading.Thread(target=self._export, name="bench-probe", daemon=True).start()

    def dump(self) -> None:
        with self._lock:
            self.counters.rss_bytes = rss_bytes()
            self.counters.cpu_seconds = time.process_time()
            data = json.dumps(asdict(self.counters))
        self.out_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.out_dir / f".{self.counters.pid}.tmp"
        tmp.write_text(data)
        tmp.replace(self.out_dir / f"{self.counters.pid}.json")

    def _export(self) -> None:
        while True:
            time.sleep(DUMP_EVERY)
            try:
                self.dump()
            except OSError:  # the run's directory was removed: the run is over
                return


def read_all(out_dir: Path) -> list[Counters]:
    """Every worker's latest counters (a worker that died keeps its last file)."""
    found = []
    for path in sorted(out_dir.glob("*.json")):
        try:
            found.append(Counters(**json.loads(path.read_text())))
        except (OSError, ValueError, TypeError):
            continue
    return found


def total(rows: list[Counters]) -> Counters:
    return Counters(turns=sum(r.turns for r in rows), statements=sum(r.statements for r in rows),
                    commits=sum(r.commits for r in rows), rollbacks=sum(r.rollbacks for r in rows),
                    cpu_seconds=sum(r.cpu_seconds for r in rows))
