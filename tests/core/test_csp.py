"""Content Security Policy headers, and no inline script of ours without a nonce."""

import re
from pathlib import Path

from django.conf import settings


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in header.split(";")
        if part.strip()
    }


def test_learner_site_allows_only_our_scripts_with_a_nonce(client, db):
    response = client.get("/accounts/login/")
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"


def test_nonce_on_inline_scripts_matches_the_header(as_learner, db):
    from tests.training import factories as training_factories

    home = training_factories.home()
    course = training_factories.course(parent=home, title="课程")
    lesson = training_factories.lesson(course=course, title="第一课")
    response = as_learner.get(lesson.url)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    inline = [attrs for attrs in scripts if "src=" not in attrs]
    assert inline, "the lesson page has its study clock script"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline)


def test_admin_has_its_own_policy(as_hr):
    policy = directives(as_hr.get("/admin/"))
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["object-src"] == "'none'"


def test_our_templates_have_no_inline_script_without_a_nonce():
    """A new <script> block in a learner template must carry the nonce."""
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        if "admin" in path.parts or path.parts[-2] == "wagtailcore":
            continue
        for attrs in re.findall(r"<script([^>]*)>", path.read_text(encoding="utf-8")):
            executable = "application/json" not in attrs and "src=" not in attrs
            if executable and "csp_nonce" not in attrs:
                offenders.append(str(path))
    assert offenders == []
