"""make prodcheck: Rights Academy as it runs in production, on this machine.

Starts, on a fresh PostgreSQL database: two gunicorn app processes (two ports,
production settings, Redis cache and sessions when Redis answers) and one
django-tasks-db worker. Then it logs in through the first process and continues
the same session through the second, uploads a staff file as HR, lets the worker
run the dry run and (after confirming) the import, checks the result, and stops
everything it started and drops its database.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from httpclient import Browser  # noqa: E402  (shared with the benchmarks)
from server import HOST, Stack  # noqa: E402


def check(condition, message):
    if not condition:
        raise SystemExit(f"PRODCHECK FAILED: {message}")
    print(f"  ok  {message}")


def main() -> int:
    with Stack(database="postgres", redis=True, label="prodcheck") as stack:
        redis = "on" if "REDIS_URL" in stack.env else "off"
        print(f"prodcheck: database {stack.db_name}, redis {redis}")
        stack.manage("load_demo")
        ports = [stack.start_app(workers=2), stack.start_app(workers=2)]
        stack.start_worker()
        check(True, f"two app processes answer /healthz on ports {ports}")
        return run_checks(stack, ports)


def run_checks(stack: Stack, ports: list[int]) -> int:
    browser = Browser(HOST)
    _s, _h, page = browser.request(ports[0], "/accounts/login/")
    status, headers, _ = browser.request(
        ports[0],
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": browser.csrf(page),
            "username": "demo-hr",
            "password": stack.password,
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


if __name__ == "__main__":
    sys.exit(main())
