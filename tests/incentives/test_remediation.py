"""The accountability loop: an upheld complaint with staff at fault and a
topic assigns the matching course to the responsible employee, once, through
the service, the admin's path and the import's bulk writes; finishing it on
time earns the remediation entry at evaluation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from incentives import services
from incentives.models import Complaint, LedgerEntry, RemediationLink, TriggerKind
from incentives.periods import period_of
from incentives.services import evaluation
from tests.incentives import ledger_factories as lf
from tests.incentives.conftest import local
from tests.training import factories as training_factories
from training.models import Assignment, CoursePage


@pytest.fixture
def home(db):
    from django.core.cache import cache

    page = training_factories.home()
    cache.clear()
    return page


@pytest.fixture
def courses(home):
    law = training_factories.course(parent=home, title="消保法", departments=[])
    credit = training_factories.course(parent=home, title="征信")
    CoursePage.objects.filter(pk=credit.pk).update(topic="credit_reporting")
    optional = training_factories.course(parent=home, title="选修", mandatory=False)
    CoursePage.objects.filter(pk=optional.pk).update(topic="financial_knowledge")
    return {"law": law, "credit": credit, "optional": optional}


def upheld(**extra):
    received = timezone.localtime() - dt.timedelta(days=5)
    return {
        "received_at": received.replace(microsecond=0, second=0),
        "status": "closed",
        "resolved_at": (received + dt.timedelta(days=2)).replace(microsecond=0),
        "outcome": "upheld",
        "staff_at_fault": True,
        "topic": "credit_reporting",
        **extra,
    }


def remediations():
    return list(
        RemediationLink.objects.values_list(
            "complaint__reference_no", "assignment__staff_id", "assignment__course_id"
        )
    )


def test_upheld_at_fault_assigns_matching_course(
    courses, make_complaint, learner, settings
):
    settings.REMEDIATION_DUE_DAYS = 10
    complaint = make_complaint(responsible_staff=learner, **upheld())
    [link] = RemediationLink.objects.select_related("assignment")
    assignment = link.assignment
    assert link.complaint == complaint
    assert (assignment.staff, assignment.course_id) == (learner, courses["credit"].pk)
    assert assignment.source == Assignment.Source.REMEDIATION
    assert complaint.reference_no in assignment.reason
    due_day = timezone.localdate(assignment.due_at)
    assert due_day == timezone.localdate() + dt.timedelta(days=10)


def test_consumer_protection_topic_maps_to_the_course_topic(
    courses, make_complaint, learner
):
    make_complaint(responsible_staff=learner, **upheld(topic="consumer_protection_law"))
    assert remediations()[0][2] == courses["law"].pk


def test_partly_upheld_counts(courses, make_complaint, learner):
    make_complaint(responsible_staff=learner, **upheld(outcome="partly_upheld"))
    assert len(remediations()) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"outcome": "not_upheld"},
        {"staff_at_fault": False},
        {"topic": ""},
        {"topic": "financial_knowledge"},  # only a non-mandatory course
        {"topic": "complaint_handling"},  # no course at all
    ],
)
def test_no_remediation(courses, make_complaint, learner, changes):
    make_complaint(responsible_staff=learner, **upheld(**changes))
    assert remediations() == []
    assert not Assignment.objects.filter(source="remediation").exists()


def test_update_to_upheld_assigns_once(courses, make_complaint, learner):
    received = timezone.localtime() - dt.timedelta(days=5)
    complaint = make_complaint(
        responsible_staff=learner,
        topic="credit_reporting",
        received_at=received.replace(microsecond=0, second=0),
    )
    assert remediations() == []
    fields = upheld()
    del fields["received_at"], fields["topic"]
    services.complaint_update(complaint=complaint, **fields)
    services.complaint_update(complaint=complaint, summary="再次编辑")
    assert len(remediations()) == 1


def test_import_bulk_writes_assign(courses, bank, learner):
    base = upheld()
    created = Complaint(
        reference_no="IMP-1",
        channel="phone",
        department=bank.o1,
        responsible_staff=learner,
        **base,
    )
    services.complaint_prepare(created)
    services.complaint_create_many([created])
    assert [r[0] for r in remediations()] == ["IMP-1"]
    # An update through the import path: a second complaint becomes upheld.
    other = Complaint(
        reference_no="IMP-2",
        channel="phone",
        department=bank.o1,
        responsible_staff=learner,
        received_at=base["received_at"],
        topic="consumer_protection_law",
    )
    services.complaint_prepare(other)
    services.complaint_create_many([other])
    for name in ("status", "resolved_at", "outcome", "staff_at_fault"):
        setattr(other, name, base[name])
    services.complaint_update_many(
        [other, created], ["status", "resolved_at", "outcome", "staff_at_fault"]
    )
    assert sorted(r[0] for r in remediations()) == ["IMP-1", "IMP-2"]


def test_completed_on_time_earns_the_remediation_entry(
    courses, make_complaint, learner
):
    rule = lf.rule(trigger=TriggerKind.REMEDIATION_COMPLETED_ON_TIME, points=5)
    complaint = make_complaint(responsible_staff=learner, **upheld())
    assignment = RemediationLink.objects.get().assignment
    finished = timezone.now() - dt.timedelta(minutes=5)
    Assignment.objects.filter(pk=assignment.pk).update(completed_at=finished)
    period = period_of(finished)

    evaluation.evaluate_period(period)

    [entry] = LedgerEntry.objects.all()
    assert (entry.rule_version, entry.staff, entry.source_id) == (
        rule,
        learner,
        assignment.pk,
    )
    assert complaint.reference_no in entry.reason


def test_completed_late_earns_nothing(courses, make_complaint, learner):
    lf.rule(trigger=TriggerKind.REMEDIATION_COMPLETED_ON_TIME, points=5)
    make_complaint(responsible_staff=learner, **upheld())
    assignment = RemediationLink.objects.get().assignment
    Assignment.objects.filter(pk=assignment.pk).update(
        due_at=local(2026, 1, 1), completed_at=timezone.now()
    )
    evaluation.evaluate_period(period_of(timezone.now()))
    assert not LedgerEntry.objects.exists()
