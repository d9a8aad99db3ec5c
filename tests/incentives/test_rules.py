"""Incentive rules: versions on change, validation, and HR's admin screens
(rules, evaluate a period) with every role's access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import Job
from incentives.models import (
    EntryKind,
    EvaluationRun,
    IncentiveRule,
    LedgerEntry,
    RuleVersion,
    TriggerKind,
)
from incentives.services import evaluation, rules
from tests.incentives import ledger_factories as lf

T = TriggerKind
BASE = {
    "name": "首次通过奖励",
    "code": "quiz-first-pass",
    "trigger": T.QUIZ_PASSED_FIRST_ATTEMPT,
    "kind": EntryKind.REWARD,
    "points": 10,
    "amount": Decimal("20.00"),
    "active_from": dt.date(2026, 1, 1),
}


def make(**changes):
    return rules.rule_create(**{**BASE, **changes})


# --- services -------------------------------------------------------------------


def test_create_makes_version_one(db, hr):
    rule = make(by=hr.user)
    [version] = rule.versions.all()
    assert (version.number, version.points, version.created_by) == (1, 10, hr.user)
    assert rule.current_version == version


def test_change_makes_a_new_version_and_keeps_the_old(db):
    rule = make()
    second = rules.rule_update(rule=rule, points=15)
    assert second.number == 2 and second.points == 15
    assert RuleVersion.objects.get(rule=rule, number=1).points == 10
    # Renaming alone, or saving unchanged, makes no version.
    same = rules.rule_update(rule=rule, name="新名称", points=15)
    assert same == second
    assert IncentiveRule.objects.get().name == "新名称"
    assert rule.versions.count() == 2


def test_deactivate_is_a_version(db):
    rule = make()
    version = rules.rule_deactivate(rule=rule)
    assert (version.number, version.is_active) == (2, False)
    assert rules.rule_activate(rule=rule).number == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"points": 0, "amount": 0}, "__all__"),
        ({"points": -1}, "__all__"),
        ({"amount": Decimal("1.234")}, "amount"),
        ({"active_until": dt.date(2025, 12, 31)}, "active_until"),
        ({"trigger": "nonsense"}, "trigger"),
        ({"kind": "bonus"}, "kind"),
        ({"name": " "}, "name"),
        ({"code": ""}, "code"),
        ({"complaint_category": "理财"}, "complaint_category"),
        ({"trigger": T.COMPLAINT_OVERDUE, "topic": "credit_reporting"}, "course"),
    ],
)
def test_create_refusals_write_nothing(db, changes, field):
    with pytest.raises(ValidationError) as exc:
        make(**changes)
    assert field in exc.value.message_dict
    assert not IncentiveRule.objects.exists()
    assert not RuleVersion.objects.exists()


def test_duplicate_code_refused(db):
    make()
    with pytest.raises(ValidationError) as exc:
        make(name="另一个")
    assert str(rules.ERROR_CODE_TAKEN) in exc.value.message_dict["code"]


def test_update_refusal_makes_no_version(db):
    rule = make()
    with pytest.raises(ValidationError):
        rules.rule_update(rule=rule, points=0, amount=0)
    assert rule.versions.count() == 1


# --- rules admin ----------------------------------------------------------------

FORM = {
    "name": "满分奖励",
    "code": "perfect",
    "description": "",
    "trigger": T.QUIZ_PERFECT_SCORE,
    "kind": EntryKind.REWARD,
    "points": "5",
    "amount": "10.00",
    "active_from": "2026-01-01",
    "active_until": "",
    "is_active": "on",
    "course": "",
    "topic": "",
    "quiz": "",
    "complaint_category": "",
}


def test_hr_creates_and_edits_a_rule(as_hr, hr):
    response = as_hr.post(reverse("incentive_rules:add"), FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = IncentiveRule.objects.get(code="perfect")
    assert rule.current_version.created_by == hr.user

    edit = reverse("incentive_rules:edit", args=[rule.pk])
    page = as_hr.get(edit)
    assert page.status_code == 200
    assert "v1" in page.content.decode()
    response = as_hr.post(edit, {**FORM, "points": "8"})
    assert response.status_code == 302
    assert [v.points for v in rule.versions.order_by("number")] == [5, 8]


def test_admin_shows_service_errors(as_hr):
    response = as_hr.post(
        reverse("incentive_rules:add"), {**FORM, "points": "0", "amount": "0"}
    )
    assert response.status_code == 200
    assert str(rules.ERROR_NO_EFFECT) in response.content.decode()
    assert not IncentiveRule.objects.exists()


def test_rule_index_queries_bounded(as_hr, django_assert_max_num_queries):
    for n in range(3):
        lf.rule(code=f"r{n}")
    url = reverse("incentive_rules:index")
    with django_assert_max_num_queries(40) as small:
        assert as_hr.get(url).status_code == 200
    for n in range(3, 15):
        lf.rule(code=f"r{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert as_hr.get(url).status_code == 200


def test_rules_cannot_be_deleted(as_hr):
    version = lf.rule()
    response = as_hr.post(reverse("incentive_rules:delete", args=[version.rule_id]))
    assert response.status_code in (302, 403)
    assert IncentiveRule.objects.filter(pk=version.rule_id).exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("learner", 302), ("manager", 302), ("trainer", 403)],
)
def test_rules_admin_closed_to_other_roles(role_clients, role, expected):
    version = lf.rule()
    client = role_clients[role]
    for url in (
        reverse("incentive_rules:index"),
        reverse("incentive_rules:add"),
        reverse("incentive_rules:edit", args=[version.rule_id]),
    ):
        response = client.get(url)
        assert response.status_code in (expected, 302, 403)
        if role == "anonymous":
            assert "/login" in response["Location"]
        assert version.rule.name not in response.content.decode()


# --- evaluate a period ----------------------------------------------------------


@pytest.fixture
def october_event(learner, bank):
    from tests.incentives.test_evaluation import assignment  # shared helper
    from tests.training import factories as training_factories

    lf.rule(trigger=T.COURSE_OVERDUE_AT_PERIOD_END, kind=EntryKind.PENALTY)
    course = training_factories.course(title="消保法")
    from tests.incentives.conftest import local

    assignment(learner, course, due=local(2026, 10, 15))


def test_evaluate_preview_then_confirm(
    as_hr, hr, october_event, learner, django_capture_on_commit_callbacks
):
    url = reverse("incentive_evaluation:evaluate")
    assert as_hr.get(url).status_code == 200
    preview = as_hr.post(url, {"period": "2026-10", "preview": "1"})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert learner.name in html and "data-evaluation-preview" in html
    assert not LedgerEntry.objects.exists()
    assert not EvaluationRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = as_hr.post(url, {"period": "2026-10", "confirm": "1"})
    assert confirmed.status_code == 302
    job = Job.objects.get(kind=evaluation.JOB_KIND)
    assert confirmed["Location"] == reverse("incentive_evaluation:job", args=[job.pk])
    # The immediate task backend ran it on commit.
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.report["created"] == 1
    entry = LedgerEntry.objects.get()
    assert entry.evaluation_run.started_by == hr.user
    page = as_hr.get(confirmed["Location"])
    assert "data-evaluation-result" in page.content.decode()


def test_evaluate_bad_period(as_hr):
    response = as_hr.post(
        reverse("incentive_evaluation:evaluate"), {"period": "2026-13", "preview": "1"}
    )
    assert response.status_code == 200
    assert "2026-Q4" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("learner", 302), ("manager", 302), ("trainer", 403)],
)
def test_evaluate_closed_to_other_roles(role_clients, role, expected):
    url = reverse("incentive_evaluation:evaluate")
    for response in (
        role_clients[role].get(url),
        role_clients[role].post(url, {"period": "2026-10", "confirm": "1"}),
    ):
        assert response.status_code in (expected, 302, 403)
        if role == "anonymous":
            assert "/login" in response["Location"]
    assert not Job.objects.exists()
