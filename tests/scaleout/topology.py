"""The production topology, started for real as separate processes: web hosts (gunicorn on `bot.wsgi:app`) and
Celery workers (`celery -A bot.worker`), sharing nothing but PostgreSQL, Redis and their environment.

Each process gets its own data directory, as a separate machine would: nothing may pass through local disk."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_up(url: str) -> bool:
    parts = urlsplit(url)
    with suppress(OSError), socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1):
        return True
    return False


@dataclass
class Process:
    """One started process, its log, and how to stop it (its own process id only)."""

    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} ({self.log}) ---\n" + self.log.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@dataclass
class Topology:
    """Start web hosts and workers with one shared environment; `stop()` ends every one of them."""

    env: dict[str, str]
    root: Path
    processes: list[Process] = field(default_factory=list)

    def _start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Process:
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        log = self.root / f"{name}.log"
        popen = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            argv, env={**os.environ, **self.env, **(env or {}), "PARCELBOT_DATA_DIR": str(data_dir)},
            stdout=subprocess.DEVNULL, stderr=open(log, "w"), cwd=Path(__file__).resolve().parents[2],  # noqa: SIM115
        )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def web(self, name: str, *, timeout: float = 120, env: dict[str, str] | None = None) -> str:
        """A web host: gunicorn with threads (the console's event stream holds one), ready when /healthz is.
        `env`: this host's own departures from the shared environment (a host misconfigured, say)."""
        port = free_port()
        process = self._start(name, [sys.executable, "-m", "gunicorn", "bot.wsgi:app", "--workers", "1",
                                     "--worker-class", "gthread", "--threads", "4", "--graceful-timeout", "5",
                                     "--bind", f"127.0.0.1:{port}"], env)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise AssertionError(f"{name} exited\n{process.tail()}")
            with suppress(OSError), urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return base
            time.sleep(0.3)
        raise AssertionError(f"{name} not healthy after {timeout} s\n{process.tail()}")

    def worker(self, name: str, queue: str, *, beat: bool = False) -> Process:
        """A Celery worker on the shared queue (one process). Without `beat` only a queued job can reach it; with it
        (`worker -B`, as docs/deployment.md allows for one worker) it also runs the periodic schedule."""
        return self._start(name, [sys.executable, "-m", "celery", "-A", "bot.worker", "worker", "--pool", "solo",
                                  "--queues", queue, "--loglevel", "info", "--without-gossip", "--without-mingle",
                                  *(["-B"] if beat else [])])

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
