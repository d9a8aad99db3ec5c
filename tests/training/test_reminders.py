"""Reminders: learners with courses due soon or overdue, one digest per
manager, never the same reminder twice a day."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests import factories
from tests.training import factories as training_factories
from training import services, tasks
from training.models import Assignment, SentReminder


@pytest.fixture
def due_soon(bank, home, learner, other_learner, manager):
    course = training_factories.course(parent=home, title="征信业管理条例")
    now = timezone.now()
    Assignment.objects.filter(staff=learner).update(due_at=now + dt.timedelta(days=2))
    Assignment.objects.filter(staff=other_learner).update(
        due_at=now - dt.timedelta(days=3)
    )
    Assignment.objects.filter(staff=manager).update(due_at=now + dt.timedelta(days=60))
    return course


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_learners_and_managers_are_reminded_once_a_day(
    due_soon, learner, other_learner, manager
):
    report = services.reminders_send(days=3)
    assert (report.learners, report.managers) == (2, 1)
    assert recipients() == sorted(
        [learner.user.email, other_learner.user.email, manager.user.email]
    )
    digest = next(m for m in mail.outbox if m.to == [manager.user.email])
    assert learner.name in digest.body
    assert other_learner.name not in digest.body  # S2 is not the manager's
    overdue = next(m for m in mail.outbox if m.to == [other_learner.user.email])
    assert "征信业管理条例" in overdue.body
    # Second run on the same day: nothing new.
    mail.outbox.clear()
    again = services.reminders_send(days=3)
    assert mail.outbox == []
    assert again.skipped == 3
    # Next day: reminded again.
    tomorrow = timezone.now() + dt.timedelta(days=1)
    services.reminders_send(days=3, now=tomorrow)
    assert len(mail.outbox) == 3


def test_nothing_due_nothing_sent(due_soon, learner):
    Assignment.objects.update(due_at=timezone.now() + dt.timedelta(days=30))
    report = services.reminders_send(days=3)
    assert report.learners == report.managers == 0
    assert mail.outbox == []


def test_completed_and_inactive_are_not_reminded(due_soon, learner, other_learner):
    Assignment.objects.filter(staff=learner).update(completed_at=timezone.now())
    other_learner.is_active = False
    other_learner.save()
    services.reminders_send(days=3)
    assert learner.user.email not in recipients()
    assert other_learner.user.email not in recipients()


def test_the_database_refuses_a_second_reminder_the_same_day(due_soon, learner):
    today = timezone.localdate()
    assert services._claim(learner.user_id, "learner", today) is not None
    assert services._claim(learner.user_id, "learner", today) is None
    assert SentReminder.objects.count() == 1


def test_a_failed_send_is_retried_next_run(due_soon, learner, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    report = services.reminders_send(days=3)
    assert report.learners == 0
    assert not SentReminder.objects.exists()
    monkeypatch.undo()
    assert services.reminders_send(days=3).learners == 2


def test_command_and_task(due_soon, capsys):
    call_command("send_reminders", "--days", "3")
    assert "2 learners, 1 managers" in capsys.readouterr().out
    result = tasks.send_reminders.enqueue(days=3)
    assert result.return_value == {"learners": 0, "managers": 0, "skipped": 3}


def test_a_manager_with_no_staff_due_gets_no_digest(bank, home, manager):
    training_factories.course(parent=home)
    factories.staff(department=bank.o3)  # outside the manager's subtree
    Assignment.objects.update(due_at=timezone.now() + dt.timedelta(days=1))
    Assignment.objects.filter(staff=manager).update(
        due_at=timezone.now() + dt.timedelta(days=90)
    )
    report = services.reminders_send(days=3)
    assert report.managers == 0
