"""make prodcheck: Rights Academy as it runs in production, on this machine.

Starts, on a fresh PostgreSQL database: two gunicorn app processes (two ports,
production settings, Redis cache and sessions when Redis answers) and one
django-tasks-db worker. Then it logs in through the first process and continues
the same session through the second, uploads a staff file as HR, lets the worker
run the dry run and (after confirming) the import, checks the result, and stops
everything it started and drops its database.
"""

from __future__ import annotations

import contextlib
import http.cookies
import os
import re
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
HOST = "academy.local"
PASSWORD = "Prodcheck-" + uuid.uuid4().hex[:10]
PG_BASE = os.environ.get("PRODCHECK_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("PRODCHECK_REDIS", "redis://127.0.0.1:6379/14")


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


class Browser:
    """Just enough of a browser: cookies by hand (Secure cookies over plain HTTP,
    as behind a TLS-terminating load balancer), forms with CSRF tokens."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port, path, data=None, files=None):
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in (data or {}).items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                    f"\r\n\r\n{value}\r\n".encode()
                )
            for name, (filename, content) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=body, headers=headers
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return (
            response.status,
            response.headers,
            response.read().decode("utf-8", "replace"),
        )

    def csrf(self, html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for(port, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10):
                return
        except OSError:  # refused while booting, or a slow first answer
            time.sleep(0.3)
    raise SystemExit(f"app on port {port} did not start")


def check(condition, message):
    if not condition:
        raise SystemExit(f"PRODCHECK FAILED: {message}")
    print(f"  ok  {message}")


def main() -> int:
    database = f"prodcheck_{os.getpid()}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="prodcheck-" + uuid.uuid4().hex * 2,
        DJANGO_ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        DATABASE_URL=f"{PG_BASE}/{database}",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        DEMO_PASSWORD=PASSWORD,
        DJANGO_STATIC_ROOT=tempfile.mkdtemp(prefix="prodcheck-static-"),
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_ACCESSLOG="",
    )
    if redis_answers():
        env["REDIS_URL"] = REDIS
    env.pop("DJANGO_DEBUG", None)
    processes: list[subprocess.Popen] = []
    logs = Path(tempfile.mkdtemp(prefix="prodcheck-logs-"))

    def run(*args):
        subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(name, *args):
        log = (logs / f"{name}.log").open("w")
        processes.append(
            subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    subprocess.run(
        ["psql", f"{PG_BASE}/postgres", "-qc", f'CREATE DATABASE "{database}"'],
        check=True,
    )
    try:
        redis = "on" if "REDIS_URL" in env else "off"
        print(f"prodcheck: database {database}, redis {redis}")
        run("migrate", "--no-input", "-v0")
        run("collectstatic", "--no-input", "-v0")
        run("load_demo")
        ports = [free_port(), free_port()]
        for port in ports:
            start(
                f"app-{port}",
                PYTHON,
                "-m",
                "gunicorn",
                "-c",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "config.wsgi",
            )
        start(
            "worker",
            PYTHON,
            "manage.py",
            "db_worker",
            "--interval",
            "0.2",
            "--no-startup-delay",
        )
        for port in ports:
            wait_for(port)
        check(True, f"two app processes answer /healthz on ports {ports}")

        browser = Browser()
        _s, _h, page = browser.request(ports[0], "/accounts/login/")
        status, headers, _ = browser.request(
            ports[0],
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": browser.csrf(page),
                "username": "demo-hr",
                "password": PASSWORD,
                "next": "/",
            },
        )
        check(
            status == 302 and headers["Location"] == "/",
            f"logged in through port {ports[0]}",
        )
        status, _h, page = browser.request(ports[1], "/")
        check(
            status == 200 and "赵静怡" in page,
            f"the same session continues through port {ports[1]}",
        )

        staff_file = (
            "工号,姓名,部门编码,岗位,入职日期,邮箱,在职\n"
            "800001,周检查,BJ01-SB1-01,柜员,2025-01-02,,是\n"
            "800002,吴检查,BJ01-SB2-01,客户经理,2025-02-03,,是\n"
        ).encode("gb18030")
        _s, _h, page = browser.request(ports[1], "/admin/imports/staff/")
        status, headers, _ = browser.request(
            ports[1],
            "/admin/imports/staff/",
            {"csrfmiddlewaretoken": browser.csrf(page)},
            files={"file": ("staff.csv", staff_file)},
        )
        check(status == 302, "staff file uploaded through the admin")
        job_url = headers["Location"]

        def wait_job(url, marker):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                _s, _h, body = browser.request(ports[0], url)
                if marker in body:
                    return body
                time.sleep(0.5)
            raise SystemExit(f"PRODCHECK FAILED: job at {url} did not finish")

        page = wait_job(job_url, "data-confirm-import")
        check('data-count="new">2<' in page, "the worker ran the dry run: 2 new staff")
        status, headers, _ = browser.request(
            ports[0], job_url + "confirm/", {"csrfmiddlewaretoken": browser.csrf(page)}
        )
        check(status == 302, "import confirmed")
        wait_job(headers["Location"], "data-import-done")
        check(True, "the worker wrote the import")
        _s, _h, listing = browser.request(ports[1], "/admin/staff/?q=800001")
        check("周检查" in listing, "the imported staff are listed")
        print("prodcheck passed")
        return 0
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        subprocess.run(
            [
                "psql",
                f"{PG_BASE}/postgres",
                "-qc",
                f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
            ],
            check=False,
        )
        print(f"(logs in {logs})")


if __name__ == "__main__":
    sys.exit(main())
