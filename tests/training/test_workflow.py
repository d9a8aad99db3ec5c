"""The trainers' moderation workflow: a trainer submits, another trainer
approves (never the submitter), approval publishes or schedules."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core import roles
from tests import factories
from tests.training import factories as training_factories
from training.models import Assignment, CoursePage, TrainerReviewTask


@pytest.fixture
def reviewer(bank):
    return factories.staff(
        department=bank.branch, employee_no="T002", role=roles.TRAINER
    )


@pytest.fixture
def submitted(home, trainer):
    """A course draft a trainer submitted for review."""
    course = training_factories.course(parent=home, publish=False)
    revision = course.save_revision(user=trainer.user)
    workflow = course.get_workflow()
    assert workflow is not None and workflow.name == "培训内容审核"
    workflow.start(course, trainer.user)
    course.refresh_from_db()
    assert revision.pk == course.latest_revision_id
    return course


def _action_url(course, action="approve"):
    state = course.current_workflow_task_state
    return reverse(
        "wagtailadmin_pages:workflow_action", args=[course.pk, action, state.pk]
    )


def test_the_review_step_belongs_to_the_trainer_group(submitted):
    task = submitted.current_workflow_task_state.task.specific
    assert isinstance(task, TrainerReviewTask)
    assert list(task.groups.values_list("name", flat=True)) == [roles.TRAINER]


def test_a_trainer_cannot_approve_their_own_submission(submitted, trainer, reviewer):
    task = submitted.current_workflow_task_state.task.specific
    assert task.get_actions(submitted, trainer.user) == []
    assert task.get_actions(submitted, reviewer.user) != []
    own = factories_client(trainer).post(_action_url(submitted), {"comment": ""})
    assert own.status_code == 302 and own["Location"] == "/admin/"  # denied
    submitted.refresh_from_db()
    assert not submitted.live


def test_another_trainer_approves_and_the_course_is_published_and_assigned(
    submitted, reviewer, learner
):
    response = factories_client(reviewer).post(_action_url(submitted), {"comment": ""})
    assert response.status_code in (200, 302)
    course = CoursePage.objects.get(pk=submitted.pk)
    assert course.live
    assert Assignment.objects.filter(course=course, staff=learner).exists()


def test_learners_and_hr_cannot_review(submitted, learner, hr):
    for person in (learner, hr):
        response = factories_client(person).post(_action_url(submitted))
        assert response.status_code in (302, 403), person


def test_an_approved_revision_with_a_go_live_date_is_scheduled(home, trainer, reviewer):
    course = training_factories.course(parent=home, publish=False)
    course.go_live_at = timezone.now() + dt.timedelta(days=3)
    course.save_revision(user=trainer.user)
    course.get_workflow().start(course, trainer.user)
    course.refresh_from_db()
    factories_client(reviewer).post(_action_url(course), {"comment": ""})
    course.refresh_from_db()
    assert not course.live
    assert course.get_latest_revision().approved_go_live_at is not None


def test_a_reviewer_sees_the_task_the_submitter_does_not(submitted, trainer, reviewer):
    task = submitted.current_workflow_task_state.task.specific
    assert task.get_task_states_user_can_moderate(reviewer.user).count() == 1
    assert task.get_task_states_user_can_moderate(trainer.user).count() == 0


def factories_client(profile):
    from tests.conftest import client_for

    return client_for(profile)
