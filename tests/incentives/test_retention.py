"""Retention of complaint personal data: closed complaints past the retention
period lose the customer's details, once, with an audit event; everything else
stays as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import AuditEvent
from incentives import services, tasks_retention
from incentives.models import Complaint
from incentives.services import retention
from tests.incentives.conftest import snapshot

DAYS = 30


@pytest.fixture(autouse=True)
def _short_retention(settings):
    settings.COMPLAINT_RETENTION_DAYS = DAYS


@pytest.fixture
def closed(make_complaint, learner):
    """A complaint received ten days ago, extended with a reason that quotes the
    customer, and closed five days ago."""

    def make(**overrides):
        received = timezone.now().replace(microsecond=0) - dt.timedelta(days=10)
        complaint = make_complaint(received_at=received, **overrides)
        complaint = services.complaint_extend(
            complaint=complaint, reason="客户张三要求书面答复", by=learner.user
        )
        return services.complaint_close(
            complaint=complaint,
            resolved_at=received + dt.timedelta(days=5),
            outcome=Complaint.Outcome.UPHELD,
        )

    return make


def later(complaint: Complaint, days: int) -> dt.datetime:
    """`days` days after the complaint was resolved."""
    return complaint.resolved_at + dt.timedelta(days=days)


def test_a_complaint_closed_longer_ago_than_the_period_is_anonymised(closed):
    complaint = closed(summary="客户张三，电话13812345678，反映理财产品风险未告知。")
    now = later(complaint, DAYS + 1)

    report = retention.complaints_anonymise_expired(now=now)

    complaint.refresh_from_db()
    assert report.count == 1 and report.references == [complaint.reference_no]
    assert complaint.summary == retention.ANONYMISED_TEXT
    assert complaint.extension_reason == retention.ANONYMISED_TEXT
    assert complaint.anonymised_at == now
    # What the ledger and statistics need stays.
    assert complaint.outcome == Complaint.Outcome.UPHELD
    assert complaint.department.code == "O1"
    assert complaint.extended_at is not None


def test_complaints_inside_the_period_and_open_ones_are_untouched(
    closed, make_complaint
):
    recent = closed(summary="最近办结的投诉。")
    make_complaint(summary="仍在处理的投诉。")
    before = snapshot()

    report = retention.complaints_anonymise_expired(now=later(recent, DAYS - 1))

    assert report.count == 0
    assert snapshot() == before
    assert not Complaint.objects.filter(anonymised_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ANONYMISE).exists()


def test_only_the_expired_ones_change_in_a_mixed_set(closed, make_complaint):
    old = closed(summary="早已办结。")
    still_open = make_complaint(summary="客户李四仍在等待答复。")
    now = later(old, DAYS + 1)
    young = closed(summary="刚办结。")
    young_before = Complaint.objects.filter(pk=young.pk).values().get()
    # `young` was resolved at the same time as `old`: move it within the period.
    Complaint.objects.filter(pk=young.pk).update(
        resolved_at=now - dt.timedelta(days=DAYS - 1),
    )

    retention.complaints_anonymise_expired(now=now)

    assert Complaint.objects.get(pk=old.pk).summary == retention.ANONYMISED_TEXT
    assert Complaint.objects.get(pk=still_open.pk).summary == "客户李四仍在等待答复。"
    young_after = Complaint.objects.filter(pk=young.pk).values().get()
    assert young_after["summary"] == young_before["summary"] == "刚办结。"
    assert young_after["anonymised_at"] is None


def test_empty_texts_stay_empty(make_complaint):
    received = timezone.now().replace(microsecond=0) - dt.timedelta(days=2)
    complaint = make_complaint(
        received_at=received,
        status=Complaint.Status.CLOSED,
        resolved_at=received + dt.timedelta(days=1),
        outcome=Complaint.Outcome.NOT_UPHELD,
        summary="",
    )

    retention.complaints_anonymise_expired(now=later(complaint, DAYS + 1))

    complaint.refresh_from_db()
    assert (complaint.summary, complaint.extension_reason) == ("", "")
    assert complaint.anonymised_at is not None


def test_the_run_is_audited_with_counts(closed):
    first = closed(summary="甲")
    second = closed(summary="乙")
    now = later(first, DAYS + 1)

    retention.complaints_anonymise_expired(now=now)

    event = AuditEvent.objects.get(action=AuditEvent.Action.ANONYMISE)
    assert event.target_type == "incentives.complaint"
    assert event.user is None
    assert event.detail["count"] == 2
    assert event.detail["retention_days"] == DAYS
    assert sorted(event.detail["references"]) == sorted(
        [first.reference_no, second.reference_no]
    )


def test_running_twice_changes_nothing_the_second_time(closed):
    complaint = closed(summary="客户王五的投诉。")
    now = later(complaint, DAYS + 1)
    retention.complaints_anonymise_expired(now=now)
    after_first = snapshot(), list(Complaint.objects.values_list("anonymised_at"))

    report = retention.complaints_anonymise_expired(now=now + dt.timedelta(days=1))

    assert report.count == 0
    assert (snapshot(), list(Complaint.objects.values_list("anonymised_at"))) == (
        after_first
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ANONYMISE).count() == 1


def test_a_dry_run_lists_and_changes_nothing(closed):
    complaint = closed(summary="客户赵六的投诉。")
    before = snapshot()

    report = retention.complaints_anonymise_expired(
        now=later(complaint, DAYS + 1), dry_run=True
    )

    assert report.references == [complaint.reference_no] and report.dry_run
    assert snapshot() == before
    assert not AuditEvent.objects.exists()


def test_the_default_period_is_five_years(settings):
    from config.settings import base

    assert base.COMPLAINT_RETENTION_DAYS == 1825


def test_the_query_count_does_not_grow_with_the_number_of_complaints(
    closed, django_assert_max_num_queries
):
    for _ in range(3):
        closed(summary="一")
    first = Complaint.objects.order_by("pk").first()
    # Warm per-process caches (content types, groups) that other tests may clear.
    retention.complaints_anonymise_expired(now=first.resolved_at)
    now = later(first, DAYS + 1)
    with django_assert_max_num_queries(8):
        assert retention.complaints_anonymise_expired(now=now).count == 3
    for _ in range(12):
        closed(summary="二")
    now = later(Complaint.objects.order_by("-pk").first(), DAYS + 1)
    with django_assert_max_num_queries(8):
        assert retention.complaints_anonymise_expired(now=now).count == 12


def test_the_command_anonymises_and_reports(closed, capsys, settings):
    complaint = closed(summary="客户的投诉。")
    settings.COMPLAINT_RETENTION_DAYS = 0  # everything closed is past the period

    call_command("anonymise_complaints", "--dry-run")
    assert "Dry run: 1 complaints" in capsys.readouterr().out
    assert Complaint.objects.get(pk=complaint.pk).anonymised_at is None

    call_command("anonymise_complaints")
    assert "Anonymised 1 complaints" in capsys.readouterr().out
    assert Complaint.objects.get(pk=complaint.pk).summary == retention.ANONYMISED_TEXT


def test_the_task_runs_the_same_service(closed, settings):
    complaint = closed(summary="客户的投诉。")
    settings.COMPLAINT_RETENTION_DAYS = 0

    result = tasks_retention.anonymise_expired_complaints.enqueue()

    assert result.return_value == {"anonymised": 1, "retention_days": 0}
    assert Complaint.objects.get(pk=complaint.pk).anonymised_at is not None
