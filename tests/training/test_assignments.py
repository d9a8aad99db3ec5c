"""Assignment rules: audience by subtree and position, new hires, moves,
manual assignment, remediation, recertification with catch-up."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from org import services as org_services
from tests import factories
from tests.training import factories as training_factories
from training import services
from training.models import Assignment


def assigned(course):
    return set(
        Assignment.objects.filter(course=course).values_list(
            "staff__employee_no", flat=True
        )
    )


def test_publishing_assigns_the_audience_by_subtree_and_position(bank, home):
    teller_o1 = factories.staff(department=bank.o1, employee_no="T1", position="柜员")
    manager_o2 = factories.staff(
        department=bank.o2, employee_no="M2", position="客户经理"
    )
    teller_o3 = factories.staff(department=bank.o3, employee_no="T3", position="柜员")
    factories.staff(
        department=bank.o1, employee_no="GONE", position="柜员", is_active=False
    )
    course = training_factories.course(
        parent=home, departments=[bank.s1], positions="柜员\n客户经理"
    )
    assert assigned(course) == {teller_o1.employee_no, manager_o2.employee_no}
    assert teller_o3.employee_no not in assigned(course)
    assignment = Assignment.objects.get(course=course, staff=teller_o1)
    assert assignment.cycle == 1
    assert assignment.source == Assignment.Source.AUDIENCE
    expected_due = timezone.localdate() + dt.timedelta(days=course.due_days)
    assert timezone.localdate(assignment.due_at) == expected_due


def test_empty_audience_means_everyone_and_drafts_assign_nobody(bank, home):
    people = [factories.staff(department=d) for d in (bank.o1, bank.o3, bank.hr_dept)]
    draft = training_factories.course(parent=home, publish=False)
    assert assigned(draft) == set()
    draft.save_revision().publish()
    assert assigned(draft) == {p.employee_no for p in people}


def test_optional_courses_are_not_assigned_automatically(bank, home):
    factories.staff(department=bank.o1)
    course = training_factories.course(parent=home, mandatory=False)
    assert assigned(course) == set()


def test_republishing_does_not_assign_twice(bank, home):
    factories.staff(department=bank.o1)
    course = training_factories.course(parent=home)
    course.save_revision().publish()
    assert Assignment.objects.filter(course=course).count() == 1


def test_new_hires_get_the_courses_of_their_audience(
    bank, home, django_capture_on_commit_callbacks
):
    course = training_factories.course(parent=home, departments=[bank.s1])
    with django_capture_on_commit_callbacks(execute=True):
        hired = factories.staff(department=bank.o2, employee_no="NEW1")
        elsewhere = factories.staff(department=bank.o3, employee_no="NEW2")
    assert hired.employee_no in assigned(course)
    assert elsewhere.employee_no not in assigned(course)


def test_moving_into_the_audience_assigns_moving_out_keeps_progress(
    bank, home, django_capture_on_commit_callbacks
):
    course = training_factories.course(parent=home, departments=[bank.s1])
    other = training_factories.course(parent=home, departments=[bank.s2])
    with django_capture_on_commit_callbacks(execute=True):
        person = factories.staff(department=bank.o3, employee_no="MOVER")
    assert person.employee_no in assigned(other)
    with django_capture_on_commit_callbacks(execute=True):
        org_services.staff_update(
            staff=person, name=person.name, department=bank.o1, position="柜员"
        )
    assert person.employee_no in assigned(course)
    assert person.employee_no in assigned(other)  # never withdrawn


def test_a_department_moved_under_the_audience_brings_its_staff(
    bank, home, django_capture_on_commit_callbacks
):
    course = training_factories.course(parent=home, departments=[bank.s1])
    person = factories.staff(department=bank.o3, employee_no="O3P")
    with django_capture_on_commit_callbacks(execute=True):
        org_services.department_move(department=bank.o3, parent=bank.s1)
    assert person.employee_no in assigned(course)


def test_manual_assignment_to_departments_and_people(bank, home, hr):
    course = training_factories.course(parent=home, mandatory=False)
    in_s1 = [factories.staff(department=d) for d in (bank.o1, bank.o2)]
    named = factories.staff(department=bank.o3)
    due = services.end_of_day(timezone.localdate() + dt.timedelta(days=10))
    plan = services.assignments_assign(
        course=course,
        due_at=due,
        departments=[bank.s1],
        staff=[named],
        assigned_by=hr.user,
    )
    assert {p.pk for p in plan.to_assign} == {*(p.pk for p in in_s1), named.pk}
    rows = Assignment.objects.filter(course=course)
    assert {r.source for r in rows} == {Assignment.Source.MANUAL}
    assert {r.due_at for r in rows} == {due}
    assert {r.assigned_by_id for r in rows} == {hr.user_id}
    again = services.assignments_assign(
        course=course, due_at=due, departments=[bank.s1], assigned_by=hr.user
    )
    assert again.to_assign == [] and len(again.already_open) == 2


def test_remediation_always_opens_a_new_cycle(bank, home, learner):
    course = training_factories.course(parent=home)
    due = timezone.now() + dt.timedelta(days=14)
    remedial = services.assignment_create(
        staff=learner,
        course=course,
        due_at=due,
        source=Assignment.Source.REMEDIATION,
        reason="投诉 C-001",
    )
    assert remedial.cycle == 2
    assert remedial.reason == "投诉 C-001"
    assert Assignment.objects.filter(staff=learner, course=course).count() == 2


def test_the_database_refuses_a_duplicate_cycle(bank, home, learner):
    course = training_factories.course(parent=home)
    with pytest.raises(IntegrityError):
        Assignment.objects.create(
            staff=learner,
            course=course,
            cycle=1,
            assigned_at=timezone.now(),
            due_at=timezone.now(),
        )


def test_unpublishing_keeps_assignments_and_progress(bank, home, learner):
    course = training_factories.course(parent=home)
    lesson = training_factories.lesson(course=course)
    services.lesson_mark_studied(staff=learner, lesson=lesson)
    course.unpublish()
    assert Assignment.objects.filter(course=course, staff=learner).exists()
    assert learner.lesson_progress.filter(lesson=lesson).exists()


@pytest.mark.parametrize(
    ("first", "moment", "months", "period"),
    [
        (dt.datetime(2024, 1, 31), dt.datetime(2024, 1, 31), 12, 1),
        (dt.datetime(2024, 1, 31), dt.datetime(2025, 1, 30), 12, 1),
        (dt.datetime(2024, 1, 31), dt.datetime(2025, 1, 31), 12, 2),
        (dt.datetime(2024, 1, 31), dt.datetime(2027, 3, 1), 12, 4),
        (dt.datetime(2024, 3, 31), dt.datetime(2024, 9, 30), 6, 2),
        (dt.datetime(2024, 3, 31), dt.datetime(2024, 9, 29), 6, 1),
    ],
)
def test_recertification_periods(first, moment, months, period):
    aware = timezone.make_aware
    assert services.recertification_period(aware(first), aware(moment), months) == (
        period
    )


def test_recertification_catches_up_with_one_assignment_for_the_current_period(
    bank, home, learner
):
    course = training_factories.course(parent=home, recertify_months=12)
    first = Assignment.objects.get(staff=learner, course=course)
    start = timezone.now() - dt.timedelta(days=10)
    Assignment.objects.filter(pk=first.pk).update(
        assigned_at=start, due_at=start + dt.timedelta(days=30), completed_at=start
    )
    # Within the first period: nothing to do.
    assert services.assignments_recertify(now=timezone.now()) == 0
    # The job did not run for three years: one assignment, not three.
    later = services.add_months(start, 37)
    assert services.assignments_recertify(now=later) == 1
    cycle2 = Assignment.objects.get(staff=learner, course=course, cycle=2)
    assert cycle2.assigned_at == later
    assert cycle2.due_at > later  # due in the future, not born overdue
    assert cycle2.source == Assignment.Source.AUDIENCE
    # Idempotent within the period.
    assert services.assignments_recertify(now=later + dt.timedelta(days=5)) == 0
    # The next period (counted from the first assignment) opens cycle 3.
    assert services.assignments_recertify(now=services.add_months(start, 48)) == 1
    assert Assignment.objects.filter(staff=learner, course=course).count() == 3


def test_recertification_skips_people_who_left_the_audience(bank, home, learner):
    course = training_factories.course(
        parent=home, recertify_months=6, departments=[bank.s1]
    )
    start = timezone.now() - dt.timedelta(days=1)
    Assignment.objects.filter(course=course).update(assigned_at=start)
    org_services.staff_deactivate(staff=learner)
    assert services.assignments_recertify(now=services.add_months(start, 7)) == 0


def test_new_cycle_needs_fresh_study(bank, home, learner):
    course = training_factories.course(parent=home, recertify_months=12)
    lesson = training_factories.lesson(course=course)
    services.lesson_mark_studied(staff=learner, lesson=lesson)
    first = Assignment.objects.get(staff=learner, course=course)
    assert first.completed_at is not None
    start = timezone.now() - dt.timedelta(days=400)
    Assignment.objects.filter(pk=first.pk).update(assigned_at=start)
    learner.lesson_progress.update(completed_at=start + dt.timedelta(days=1))
    assert services.assignments_recertify() == 1
    cycle2 = Assignment.objects.get(staff=learner, course=course, cycle=2)
    assert services.course_completion_refresh(staff=learner, course=course) == []
    services.lesson_mark_studied(staff=learner, lesson=lesson)
    cycle2.refresh_from_db()
    assert cycle2.completed_at is not None
