"""The processes a load run starts and stops: the production topology, and the framework floor beside it.

    gunicorn 'bot.wsgi:app' -k gthread --workers W --threads T     (the README's production command)
    celery -A bot.worker worker -B --concurrency 1                 (outbox: the one-time codes; the schedule)
    gunicorn 'channels.floor:app' with the same worker settings    (the floor, measured in the same run)

PostgreSQL and Redis are the ones given (a database and a Redis db of the run's own). Every process gets its
environment here, not from the caller's shell, so a run is reproducible from its JSON `meta`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Topology:
    database_url: str
    redis_url: str
    data_dir: Path
    nlu_model: Path
    workers: int = 2
    threads: int = 8
    jobs: str = "celery"  # or "inline": no Celery worker, jobs run in the web workers
    auth_token: str = "bench-token"  # noqa: S105 (a throwaway token for the run)
    public_url: str = "https://bench.example"
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    web_process: subprocess.Popen[bytes] | None = None
    jobs_process: subprocess.Popen[bytes] | None = None

    @property
    def probe_dir(self) -> Path:
        return self.data_dir / "probe"

    @property
    def floor_probe_dir(self) -> Path:
        return self.data_dir / "probe-floor"

    def env(self, probe_dir: Path | None = None) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                "CELERY_BROKER_URL": self.redis_url, "PARCELBOT_JOBS": self.jobs,
                "PARCELBOT_EVENTS": "redis" if self.jobs == "celery" else "inprocess",
                "PARCELBOT_CELERY_QUEUE": f"bench-{os.getpid()}", "PARCELBOT_DATA_DIR": str(self.data_dir),
                "PARCELBOT_NLU_MODEL": str(self.nlu_model), "TWILIO_AUTH_TOKEN": self.auth_token,
                "PARCELBOT_SECRET_KEY": "bench-secret-key", "PARCELBOT_PUBLIC_URL": self.public_url,
                "PARCELBOT_BENCH_PROBE_DIR": str(probe_dir or self.probe_dir), "PYTHONUNBUFFERED": "1"}  # fmt: skip

    def gunicorn(self, app: str, port: int, *, probe: bool) -> list[str]:
        cmd = [sys.executable, "-m", "gunicorn", app, "-k", "gthread", "--workers", str(self.workers),
               "--threads", str(self.threads), "--bind", f"127.0.0.1:{port}", "--keep-alive", "5",
               "--backlog", "2048", "--log-level", "warning"]  # fmt: skip
        return [*cmd, "-c", "python:bot.cli.load.gunicorn_conf"] if probe else cmd

    def start(self, cmd: list[str], log_name: str, probe_dir: Path | None = None) -> subprocess.Popen[bytes]:
        log = (self.data_dir / log_name).open("wb")
        proc = subprocess.Popen(cmd, env=self.env(probe_dir), stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                start_new_session=True)  # fmt: skip
        self.processes.append(proc)
        return proc

    @contextlib.contextmanager
    def bot(self, port: int) -> Iterator[subprocess.Popen[bytes]]:
        """gunicorn on bot.wsgi (and the Celery worker with -B), ready when it answers /healthz."""
        web = self.web_process = self.start(self.gunicorn("bot.wsgi:app", port, probe=True), "gunicorn-bot.log")
        if self.jobs == "celery":
            celery = [sys.executable, "-m", "celery", "-A", "bot.worker", "worker", "-B", "--concurrency", "1",
                      "--loglevel", "warning", "-Q", f"bench-{os.getpid()}"]  # fmt: skip
            self.jobs_process = self.start(celery, "celery.log")
        try:
            wait_ready(port, web, self.data_dir / "gunicorn-bot.log")
            yield web
        finally:
            self.stop()

    def sessions(self) -> dict[str, int]:
        """The bot's process sessions by group, for machine_cpu: each server starts a session of its own."""
        named = {"web": self.web_process, "jobs": self.jobs_process}
        return {group: proc.pid for group, proc in named.items() if proc is not None}

    @contextlib.contextmanager
    def floor(self, port: int) -> Iterator[subprocess.Popen[bytes]]:
        web = self.start(self.gunicorn("channels.floor:app", port, probe=True), "gunicorn-floor.log",
                         self.floor_probe_dir)  # the probe counts its requests and CPU (it has no SQL)
        try:
            wait_ready(port, web, self.data_dir / "gunicorn-floor.log")
            yield web
        finally:
            self.stop()

    def stop(self) -> None:
        """SIGTERM to each process group we started (gunicorn's master stops its workers), then SIGKILL."""
        for proc in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()
        self.web_process = self.jobs_process = None


def worker_pids(master: int) -> list[int]:
    """The children of a gunicorn master (its workers), from /proc."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{master}\n" in text:
            found.append(int(status.parent.name))
    return sorted(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline, last = time.monotonic() + timeout, "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except urllib.error.HTTPError as exc:  # e.g. 503: no NLU model (`parcelbot nlu train`), no database
            last = f"HTTP {exc.code}: {exc.read()[:300]!r}"
            time.sleep(0.3)
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} was not ready in {timeout:.0f} s ({last}): "
                       f"{log.read_text()[-2000:]}")
