"""Every URL of the site and of the Wagtail admin, for every role: the outcome
recorded in tests/url_matrix.py, for GET and (where a view changes data) POST.

A URL pattern without an entry fails `test_every_url_has_an_entry` with the
line to add. The rule that a user editor cannot hand out administrator or HR
rights (forms and bulk actions) lives in tests/core/test_user_admin.py.

Each request runs inside a savepoint that is rolled back, so that a POST that
deletes, moves or publishes something leaves the next request the same world.
Requests that Wagtail answers with a 500 on purpose (its error test page) are
recorded as such; any other 500 is a bug.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import re
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.http import urlencode

from tests import url_matrix
from tests.url_matrix import GET, POST, POST_READS, ROLES

# --- the URL patterns ----------------------------------------------------------------


def walk(patterns, prefix="", namespace=None):
    """(name with namespace or None, route) of every pattern, depth first."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            if namespace and inner:
                inner = f"{namespace}:{inner}"
            yield from walk(
                pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace
            )
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield name, prefix + str(pattern.pattern)


def url_keys() -> list[tuple[str, str]]:
    """(matrix key, route) for every pattern and case; nameless patterns are
    keyed by their route. A name that several patterns share (Wagtail's
    `wagtailadmin_workflows:remove` with and without a workflow) is one key."""
    keys, seen = [], set()
    for name, route in walk(get_resolver().url_patterns):
        base = name or route
        cases = url_matrix.cases_for(base)
        for case in cases or [None]:
            key = f"{base}[{case}]" if case else base
            if key not in seen:
                seen.add(key)
                keys.append((key, route))
    return keys


def matches(pattern: str, key: str) -> bool:
    """`*` stands for any text; everything else (brackets too) is literal."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, key) is not None


def expected(table: dict[str, str], key: str) -> str | None:
    """The entry for `key`: exact, else the entry for its base name, else the
    most specific (longest) wildcard (`staff:*`, `wagtailadmin_pages:edit[*]`)."""
    if key in table:
        return table[key]
    base = key.split("[", 1)[0]
    if base in table:
        return table[base]
    found = [p for p in table if "*" in p and matches(p, key)]
    return table[max(found, key=len)] if found else None


def expected_post(key: str) -> str | None:
    if any(matches(pattern, key) for pattern in POST_READS):
        return "-"
    return expected(POST, key)


def test_every_url_has_an_entry():
    missing = [
        (key, route)
        for key, route in url_keys()
        if expected(GET, key) is None or expected_post(key) is None
    ]
    assert not missing, (
        "These URLs have no entry in tests/url_matrix.py. Add one line each to GET "
        "(and to POST the outcome of a POST, or its name to POST_READS if the view "
        "only reads), "
        "six outcomes in the order " + " ".join(ROLES) + "; tokens: a status "
        "code, L (redirect to log in), A (Wagtail's redirect to the admin home), R "
        "(another redirect). If the URL takes arguments, say in url_matrix.KWARGS "
        "which fixture object fills them. Missing:\n"
        + "\n".join(f'    "{key}": "…",  # {route}' for key, route in missing)
    )


def test_no_entry_is_stale():
    keys = [key for key, _route in url_keys()]
    stale = [
        entry
        for table in (GET, POST, POST_READS)
        for entry in table
        if not any(
            entry == key
            or entry == key.split("[", 1)[0]
            or ("*" in entry and matches(entry, key))
            for key in keys
        )
    ]
    assert not stale, f"Entries for URLs that no longer exist: {stale}"


# --- the world the URLs are filled from --------------------------------------------


@pytest.fixture
def world(bank, learner, other_learner, manager, trainer, hr, admin):
    from wagtail.admin.models import EditingSession
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.models import (
        Collection,
        CollectionViewRestriction,
        Page,
        PageViewRestriction,
        Site,
        Task,
        UploadedFile,
        Workflow,
    )

    from core import jobs
    from core.models import AuditEvent
    from incentives.models import Complaint
    from incentives.services import complaints
    from quizzes.models import NotebookEntry
    from quizzes.services import notebook
    from tests.incentives import ledger_factories
    from tests.quizzes import attempt_factories
    from tests.quizzes import factories as quiz_factories
    from tests.training import factories as training_factories
    from training import services as training_services

    home = training_factories.home()
    cache.clear()  # Wagtail caches the site's root paths
    course = training_factories.course(title="消费者权益保护法")
    other_course = training_factories.course(title="征信业管理条例")
    lesson = training_factories.lesson(course=course)
    reviewed = training_factories.lesson(course=course, title="待审课程")
    restricted = training_factories.lesson(course=other_course, title="受限课程")
    category = quiz_factories.category("消费者权益保护")
    question = quiz_factories.question(category=category)
    quiz = quiz_factories.quiz(course=course, fixed=[question])

    workflow = Workflow.objects.get(workflow_pages__page__depth=1)
    task = Task.objects.get(workflow_tasks__workflow=workflow)
    workflow_state = workflow.start(
        Page.objects.get(pk=reviewed.pk).specific, trainer.user
    )
    task_state = workflow_state.current_task_state

    page_restriction = PageViewRestriction.objects.create(
        page=restricted,
        restriction_type=PageViewRestriction.PASSWORD,
        password="secret-word",  # noqa: S106
    )
    collection = Collection.get_first_root_node().add_child(name="培训资料")
    collection_restriction = CollectionViewRestriction.objects.create(
        collection=collection,
        restriction_type=CollectionViewRestriction.PASSWORD,
        password="secret-word",  # noqa: S106
    )
    image = Image.objects.create(
        title="示意图", file=get_test_image_file(size=(40, 30))
    )
    document = Document.objects.create(
        title="手册",
        file=SimpleUploadedFile("handbook.txt", b"handbook"),
    )
    uploaded_file = UploadedFile.objects.create(
        file=SimpleUploadedFile("upload.txt", b"upload"),
        uploaded_by_user=trainer.user,
    )
    now = timezone.now()
    complaint = complaints.complaint_create(
        reference_no="TS-00001",
        received_at=now.replace(microsecond=0) - dt.timedelta(days=3),
        channel=Complaint.Channel.PHONE,
        department=bank.o1,
        summary="客户反映柜台办理业务等候时间过长。",
    )
    assignment = training_services.assignment_create(
        staff=learner, course=course, due_at=now + dt.timedelta(days=30)
    )
    audit_event = AuditEvent.objects.create(
        user=hr.user, action=AuditEvent.Action.EXPORT, target_type="org.staffprofile"
    )
    job = jobs.import_preview_create(
        user=hr.user,
        record_kind="departments",
        uploaded=SimpleUploadedFile(
            "departments.csv",
            "code,name,parent_code,kind\nO9,新网点,S1,outlet\n".encode(),
        ),
    )
    attempt = attempt_factories.graded_attempt(
        staff=learner, quiz=quiz, answers=[(question, False)]
    )
    notebook.notebook_record_attempt(attempt=attempt)
    notebook_entry = NotebookEntry.objects.get(staff=learner, question=question)
    ledger_entry = ledger_factories.entry(staff=learner)
    rule_version = ledger_factories.rule(code="matrix-rule")
    from incentives.services.evaluation import evaluation_job_create

    evaluation_job = evaluation_job_create(period="2026-10", by=hr.user)
    export_job = jobs.export_create(user=hr.user, record_kind="staff", fmt="csv")
    editing_session = EditingSession.objects.create(
        user=trainer.user,
        content_type=ContentType.objects.get_for_model(Page),
        object_id=str(lesson.pk),
        last_seen_at=now,
    )
    return SimpleNamespace(
        bank=bank,
        learner=learner,
        other_learner=other_learner,
        manager=manager,
        trainer=trainer,
        hr=hr,
        admin=admin,
        root=Page.objects.get(depth=1),
        home=home,
        course=course,
        other_course=other_course,
        lesson=lesson,
        reviewed=reviewed,
        restricted=restricted,
        quiz=quiz,
        category=category,
        question=question,
        workflow=workflow,
        task=task,
        workflow_state=workflow_state,
        task_state=task_state,
        page_restriction=page_restriction,
        collection=collection,
        collection_restriction=collection_restriction,
        image=image,
        document=document,
        uploaded_file=uploaded_file,
        complaint=complaint,
        assignment=assignment,
        audit_event=audit_event,
        job=job,
        editing_session=editing_session,
        attempt=attempt,
        notebook_entry=notebook_entry,
        ledger_entry=ledger_entry,
        incentive_rule=rule_version.rule,
        evaluation_job=evaluation_job,
        export_job=export_job,
        site=Site.objects.get(is_default_site=True),
        group=Group.objects.get(name="Learner"),
    )


def url_for(key: str, route: str, world) -> str:
    """The URL of `key` with its arguments filled from the world."""
    base, _, case = key.partition("[")
    spec = url_matrix.kwargs_for(base, case.rstrip("]") or None)
    url = _path(base, route, spec, world)
    if "query" in spec:
        url += "?" + urlencode({k: _value(v, world) for k, v in spec["query"].items()})
    return url


def _path(base: str, route: str, spec: dict, world) -> str:
    if "path" in spec:
        return _value(spec["path"], world)
    if not re.search(r"[<(]", route):
        if ":" in base or not base.startswith(("admin/", "^")):
            return reverse(base)
        return "/" + route.replace("^", "").rstrip("$")
    if "args" in spec:
        return reverse(base, args=[_value(a, world) for a in spec["args"]])
    names = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(
        re.findall(r"\(\?P<(\w+)>", route)
    )
    missing = names - set(spec)
    assert not missing, (
        f"{base}: say in url_matrix.KWARGS how to fill {sorted(missing)} ({route})"
    )
    return reverse(base, kwargs={n: _value(spec[n], world) for n in names})


def _value(spec, world):
    """A literal (int, or a string starting with '=') or a dotted path into the
    world."""
    if isinstance(spec, int):
        return spec
    if spec.startswith("="):
        return spec[1:]
    return operator.attrgetter(spec)(world)


# --- requests ------------------------------------------------------------------------


def outcome(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(("/accounts/login/", "/_util/login/")):
            return "L"
        if location == "/admin/":
            return "A"
        return "R"
    return str(response.status_code)


def clients(world) -> dict[str, Client]:
    result = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        person = getattr(world, role, None)
        if person is not None:
            client.force_login(person.user)
        result[role] = client
    return result


def request(client: Client, method: str, url: str) -> str:
    """One request whose writes are rolled back; the client keeps its session."""
    cookies = SimpleCookie(client.cookies.output(header="", sep=";"))
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    if method == "post":
        cache.clear()  # what a rolled-back write may have cached
    return outcome(response)


def run_matrix(world, method: str) -> list[str]:
    """Lines 'key  expected → got' for every URL whose outcome differs."""
    per_role = clients(world)
    plan = []
    only = os.environ.get("URL_MATRIX_ONLY")  # e.g. "ledger:*" while adding lines
    for key, route in url_keys():
        if only and not any(matches(p, key) for p in only.split(",")):
            continue
        want = expected(GET, key) if method == "get" else expected_post(key)
        if want is None or want.strip() == "-":
            continue
        plan.append((key, url_for(key, route, world), want.split()))
    observed = {key: [] for key, _url, _want in plan}
    for role in ROLES:  # one client per role, all URLs in a row
        for key, url, _want in plan:
            observed[key].append(request(per_role[role], method, url))
    mismatches = []
    for key, url, want in plan:
        got = observed[key]
        if want != got:
            mismatches.append(
                f'    "{key}": "{" ".join(got)}",  # expected {" ".join(want)}; {url}'
            )
    return mismatches


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_role_on_every_url(world, method, settings):
    settings.AXES_ENABLED = False  # empty login POSTs are not an attack
    mismatches = run_matrix(world, method)
    if os.environ.get("URL_MATRIX_PRINT"):
        print("\n".join(mismatches))
    assert not mismatches, (
        f"{method.upper()} outcomes differ from tests/url_matrix.py (roles "
        f"{' '.join(ROLES)}). If a new outcome is right, copy the line; if a role "
        "reaches what it should not, fix the permission:\n" + "\n".join(mismatches)
    )
