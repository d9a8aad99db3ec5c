"""Rights Academy as production runs it, started on this machine for a
benchmark or for `make prodcheck`: a fresh database (SQLite file or PostgreSQL),
production settings, gunicorn app processes, optionally a django-tasks-db worker
and Redis. Everything started is stopped, and the database dropped, on exit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
if not Path(PYTHON).exists():
    PYTHON = sys.executable
HOST = "academy.local"
PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers() -> bool:
    parsed = urllib.parse.urlparse(REDIS)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), 1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Stack:
    def __init__(
        self,
        *,
        database: str = "sqlite",
        redis: bool = False,
        password: str | None = None,
        env: dict | None = None,
        label: str = "bench",
    ):
        self.database = database
        self.password = password or "Bench-" + uuid.uuid4().hex[:12]
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{label}-"))
        self.db_name = f"{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.processes: list[subprocess.Popen] = []
        self.ports: list[int] = []
        self.env = dict(os.environ)
        self.env.pop("DJANGO_DEBUG", None)
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY="bench-" + uuid.uuid4().hex * 2,
            DJANGO_ALLOWED_HOSTS=f"{HOST},127.0.0.1",
            TASKS_BACKEND="django_tasks_db.DatabaseBackend",
            DEMO_PASSWORD=self.password,
            DJANGO_STATIC_ROOT=str(self.workdir / "static"),
            DJANGO_LOG_LEVEL="WARNING",
            GUNICORN_ACCESSLOG="",
            # Benchmarks log in many times from one address.
            AXES_FAILURE_LIMIT="1000",
        )
        if database == "sqlite":
            self.env["DATABASE_URL"] = f"sqlite:///{self.workdir / 'db.sqlite3'}"
        else:
            self.env["DATABASE_URL"] = f"{PG_BASE}/{self.db_name}"
        if redis and redis_answers():
            self.env["REDIS_URL"] = REDIS
        self.env.update(env or {})

    # -- life cycle --------------------------------------------------------------------

    def __enter__(self) -> Stack:
        if self.database != "sqlite":
            self._psql(f'CREATE DATABASE "{self.db_name}"')
        self.manage("migrate", "--no-input", "-v0")
        self.manage("collectstatic", "--no-input", "-v0")
        return self

    def __exit__(self, *exc_info):
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if self.database != "sqlite":
            self._psql(
                f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)', check=False
            )
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _psql(self, sql: str, check: bool = True) -> None:
        subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", sql], check=check)

    # -- running things ----------------------------------------------------------------

    def manage(self, *args: str, quiet: bool = True) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def python(self, code: str) -> str:
        """Run Django code in a fresh process against this stack's database."""
        prologue = "import django; django.setup()\n"
        result = subprocess.run(
            [PYTHON, "-c", prologue + code],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def _start(self, name: str, *args: str) -> None:
        log = (self.workdir / f"{name}.log").open("w")
        self.processes.append(
            subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start_app(self, *, workers: int = 2, wsgi: str = "config.wsgi") -> int:
        port = free_port()
        self._start(
            f"app-{port}",
            PYTHON,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            wsgi,
        )
        self.ports.append(port)
        self._wait_for(port)
        return port

    def start_worker(self) -> None:
        self._start(
            "worker",
            PYTHON,
            "manage.py",
            "db_worker",
            "--interval",
            "0.2",
            "--no-startup-delay",
        )

    def _wait_for(self, port: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=10
                ):
                    return
            except OSError:  # refused while booting, or a slow first answer
                time.sleep(0.3)
        raise SystemExit(f"app on port {port} did not start; logs in {self.workdir}")
