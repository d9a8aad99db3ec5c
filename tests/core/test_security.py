"""Login throttling, CSRF and session settings."""

import pytest
from django.test import Client

from core.security import client_ip
from tests.factories import PASSWORD


def attempt(client, username, password, **extra):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, **extra
    )


def test_lockout_after_repeated_failures(client, learner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, learner.employee_no, "wrong", REMOTE_ADDR="10.1.1.1")
    response = attempt(client, learner.employee_no, PASSWORD, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_forged_forwarded_for_does_not_dodge_the_lockout(client, learner, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(
            client,
            learner.employee_no,
            "wrong",
            REMOTE_ADDR="10.1.1.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    response = attempt(
        client,
        learner.employee_no,
        PASSWORD,
        REMOTE_ADDR="10.1.1.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 429


def test_spraying_many_accounts_from_one_address_is_stopped(
    client, learner, other_learner, settings
):
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"nobody{i}", "wrong", REMOTE_ADDR="10.2.2.2")
    response = attempt(
        client, other_learner.employee_no, PASSWORD, REMOTE_ADDR="10.2.2.2"
    )
    assert response.status_code == 429


class FakeRequest:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "1.1.1.1", "10.0.0.9"),  # no trusted proxy: the header is ignored
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the address our proxy saw
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.5", "1.1.1.1"),
        (1, "", "10.0.0.9"),
    ],
)
def test_client_ip_trusts_only_configured_proxies(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(FakeRequest("10.0.0.9", forwarded)) == expected


def test_login_requires_csrf(learner):
    client = Client(enforce_csrf_checks=True)
    response = attempt(client, learner.employee_no, PASSWORD)
    assert response.status_code == 403


def test_session_is_rotated_at_login(client, learner):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    attempt(client, learner.employee_no, PASSWORD, REMOTE_ADDR="10.3.3.3")
    assert client.session.session_key != before


def test_session_cookie_flags(client, learner, settings):
    response = attempt(client, learner.employee_no, PASSWORD, REMOTE_ADDR="10.4.4.4")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_security_headers(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] in ("SAMEORIGIN", "DENY")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_health_reports_the_database(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_idle_session_is_logged_out(as_learner, settings):
    import time

    as_learner.get("/accounts/password/")
    session = as_learner.session
    session["_last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = as_learner.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/login/"
    )


def test_active_session_stays_and_is_not_rewritten_each_request(as_learner, settings):
    import time

    as_learner.get("/accounts/password/")
    session = as_learner.session
    recent = int(time.time()) - 10
    session["_last_seen"] = recent
    session.save()
    assert as_learner.get("/accounts/password/").status_code == 200
    assert as_learner.session["_last_seen"] == recent


def test_logout_invalidates_the_old_session(client, learner):
    attempt(client, learner.employee_no, PASSWORD, REMOTE_ADDR="10.5.5.5")
    old_key = client.cookies[settings_cookie_name()].value
    client.post("/accounts/logout/")
    from django.test import Client as FreshClient

    replay = FreshClient()
    replay.cookies[settings_cookie_name()] = old_key
    response = replay.get("/accounts/password/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def settings_cookie_name():
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME
