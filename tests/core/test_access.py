"""Who reaches which page: every role on every view of the foundation.

Expected: 200 allowed; "login" redirected to the login page; "admin-home"
redirected to the admin home by Wagtail's permission check; 403 refused.
"""

import pytest
from django.core.cache import cache

from tests.training import factories as training_factories

ALLOWED, LOGIN, ADMIN_HOME, FORBIDDEN = 200, "login", "admin-home", 403
ROLES = ["anonymous", "learner", "manager", "trainer", "hr", "admin"]


@pytest.fixture(autouse=True)
def training_home(db):
    """The learner dashboard is the site's root page, as load_demo makes it."""
    page = training_factories.home()
    cache.clear()
    return page


MATRIX = {
    "/": [LOGIN, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED],
    "/accounts/password/": [LOGIN, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED],
    "/admin/": [LOGIN, LOGIN, LOGIN, ALLOWED, ALLOWED, ALLOWED],
    "/admin/staff/": [LOGIN, LOGIN, LOGIN, ADMIN_HOME, ALLOWED, ALLOWED],
    "/admin/staff/new/": [LOGIN, LOGIN, LOGIN, ADMIN_HOME, ALLOWED, ALLOWED],
    "/admin/staff/edit/{learner}/": [LOGIN, LOGIN, LOGIN, ADMIN_HOME, ALLOWED, ALLOWED],
    "/admin/staff/{learner}/password/": [
        LOGIN,
        LOGIN,
        LOGIN,
        ADMIN_HOME,
        ALLOWED,
        ALLOWED,
    ],
    "/admin/departments/": [LOGIN, LOGIN, LOGIN, ADMIN_HOME, ALLOWED, ALLOWED],
    "/admin/departments/new/": [LOGIN, LOGIN, LOGIN, ADMIN_HOME, ALLOWED, ALLOWED],
    "/admin/departments/edit/{o1}/": [
        LOGIN,
        LOGIN,
        LOGIN,
        ADMIN_HOME,
        ALLOWED,
        ALLOWED,
    ],
    "/admin/imports/": [LOGIN, LOGIN, LOGIN, ALLOWED, ALLOWED, ALLOWED],
    "/admin/imports/staff/": [LOGIN, LOGIN, LOGIN, ADMIN_HOME, ALLOWED, ALLOWED],
    "/admin/imports/departments/template.csv": [
        LOGIN,
        LOGIN,
        LOGIN,
        ADMIN_HOME,
        ALLOWED,
        ALLOWED,
    ],
    "/admin/users/": [LOGIN, LOGIN, LOGIN, ADMIN_HOME, ADMIN_HOME, ALLOWED],
    "/admin/groups/": [LOGIN, LOGIN, LOGIN, ADMIN_HOME, ADMIN_HOME, ALLOWED],
}


def outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return LOGIN
        if location == "/admin/":
            return ADMIN_HOME
        return f"302 {location}"
    return response.status_code


@pytest.mark.parametrize("url", MATRIX)
def test_role_matrix(role_clients, learner, bank, url):
    resolved = url.format(learner=learner.pk, o1=bank.o1.pk)
    got = [outcome(role_clients[role].get(resolved)) for role in ROLES]
    assert dict(zip(ROLES, got, strict=True)) == dict(
        zip(ROLES, MATRIX[url], strict=True)
    )


@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz"])
def test_public_pages(client, db, url):
    assert client.get(url).status_code == 200


def test_language_can_be_switched_before_login(client, db):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}
    )
    assert response.status_code == 302
    assert "Log in to Rights Academy" in client.get("/accounts/login/").content.decode()


def test_chinese_is_the_default_language(client, db):
    content = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in content and "登录权益学堂" in content


def test_learner_lands_on_the_home_page_after_login(client, learner, settings):
    from tests.factories import PASSWORD

    response = client.post(
        "/accounts/login/",
        {"username": learner.employee_no, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert learner.name in client.get("/").content.decode()


def test_logout_needs_a_post(as_learner):
    assert as_learner.get("/accounts/logout/").status_code == 405
    assert as_learner.post("/accounts/logout/").status_code == 302
    assert outcome(as_learner.get("/")) == LOGIN


def test_browser_language_does_not_override_chinese(client, db):
    content = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录权益学堂" in content.content.decode()
