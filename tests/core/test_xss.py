"""Stored-XSS probes: hostile text in names, stems, choices, summaries and
imported cells comes out inert on every page that shows it."""

import datetime as dt

import pytest
from django.utils import timezone

from core import roles
from tests import factories

PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">点我</a>',
]
HOSTILE = "甲" + "".join(PAYLOADS)


def assert_inert(response):
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    for payload in PAYLOADS:
        assert payload not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html


@pytest.fixture
def hostile(bank, hr):
    """Records whose every free-text field carries the payloads."""
    from incentives import services as incentive_services
    from quizzes import services as quiz_services

    dept = factories.department(HOSTILE[:90], code="XSS1", parent=bank.s1)
    person = factories.staff(
        department=dept, employee_no="X001", name=HOSTILE[:100], position=HOSTILE[:64]
    )
    boss = factories.staff(department=bank.s1, employee_no="X002", role=roles.MANAGER)
    complaint = incentive_services.complaint_create(
        reference_no="TS-XSS-1",
        received_at=timezone.now() - dt.timedelta(days=1),
        channel="phone",
        department=dept,
        category=HOSTILE[:60],
        responsible_staff=person,
        summary=HOSTILE,
    )
    found, _created = quiz_services.category_get_or_create_many(["XSS分类"])
    question = quiz_services.question_create(
        category=found["XSS分类"],
        kind="single",
        stem=HOSTILE,
        choices=[
            quiz_services.ChoiceInput(HOSTILE, True),
            quiz_services.ChoiceInput("乙"),
        ],
        explanation=HOSTILE,
        source="消费者权益保护法第八条",
    )
    return {
        "dept": dept,
        "person": person,
        "boss": boss,
        "complaint": complaint,
        "question": question,
    }


def test_admin_pages_show_hostile_text_inert(as_hr, as_trainer, hostile):
    person, complaint, question = (
        hostile["person"],
        hostile["complaint"],
        hostile["question"],
    )
    for url in [
        "/admin/staff/",
        f"/admin/staff/edit/{person.pk}/",
        "/admin/departments/",
        f"/admin/departments/edit/{hostile['dept'].pk}/",
        "/admin/audit_log/",
    ]:
        assert_inert(as_hr.get(url))
    assert_inert(as_hr.get("/admin/complaints/"))
    assert_inert(as_hr.get(f"/admin/complaints/inspect/{complaint.pk}/"))
    assert_inert(as_trainer.get("/admin/snippets/quizzes/question/"))
    assert_inert(
        as_trainer.get(f"/admin/snippets/quizzes/question/edit/{question.pk}/")
    )


def test_learner_and_manager_pages_show_hostile_text_inert(hostile):
    from django.core.cache import cache

    from tests.conftest import client_for
    from tests.training import factories as training_factories

    training_factories.home()
    cache.clear()
    assert_inert(client_for(hostile["person"]).get("/"))
    assert_inert(client_for(hostile["boss"]).get("/team/"))


def test_import_preview_shows_hostile_cells_inert(
    as_hr, bank, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Job

    quoted = HOSTILE.replace('"', '""')
    data = f'工号,姓名,部门编码\n900001,"{quoted}",O1\n'.encode()
    with django_capture_on_commit_callbacks(execute=True):
        as_hr.post("/admin/imports/staff/", {"file": SimpleUploadedFile("x.csv", data)})
    job = Job.objects.get()
    assert_inert(as_hr.get(f"/admin/imports/jobs/{job.pk}/"))
