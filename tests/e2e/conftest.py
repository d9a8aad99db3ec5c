"""Browser tests: Debian's Chromium driven by Playwright for Python.

pytest-playwright's browser download cannot run here; we launch /usr/bin/chromium
with flags that keep it off the (closed) network.

Every test module here sets `pytestmark = pytest.mark.e2e` (make test leaves them
out; make e2e runs them) and uses
`@pytest.mark.django_db(transaction=True, serialized_rollback=True)`: the live
server needs committed data, and serialized rollback brings back what the data
migrations made (role groups, Wagtail's root page and Site) after each flush.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    # Logged in once the login page is left (a refused login stays on it).
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Fail any browser test during which the page broke its Content Security
    Policy (a blocked script or style is a broken page)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield
    assert violations == []


@pytest.fixture(autouse=True)
def no_attempt_page_left_open(request):
    """Fail a browser test that ends on a quiz being taken: closing that page
    sends a "page hidden" report, which races the database flush after the
    test (the flush then fails and the next test sees this one's data)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    yield
    if not page.is_closed() and page.locator(".attempt[data-attempt]").count():
        pytest.fail("the test ended on an attempt page; submit it or leave it first")
