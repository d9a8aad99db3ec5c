"""The demo complaints of load_demo: the promised mix, masked, idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from incentives import selectors
from incentives.demo import load_complaints
from incentives.models import Complaint
from tests.incentives.conftest import local, snapshot


@pytest.mark.parametrize(
    "now",
    [
        None,  # today
        local(2026, 3, 1, 0, 5),  # just after midnight on the first of a month
        local(2026, 1, 15, 8),  # the previous month is in the previous year
    ],
)
def test_demo_complaints_cover_the_cases_of_issue_5(demo_bank, now):
    now = now or timezone.localtime()
    load_complaints(demo_bank, now=now)

    complaints = selectors.complaint_list(now=now)
    assert complaints.count() == 20
    this_month = now.replace(day=1, hour=0, minute=0)
    previous_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    received = [timezone.localtime(c.received_at) for c in complaints]
    assert all(previous_month <= r <= now for r in received)
    assert any(r < this_month for r in received)
    assert any(r >= this_month for r in received) or now.day == 1
    assert all(
        c.resolved_at is None or c.received_at <= c.resolved_at <= now
        for c in complaints
    )
    channels = set(complaints.values_list("channel", flat=True))
    assert channels == set(Complaint.Channel.values)

    assert complaints.filter(outcome="upheld", staff_at_fault=True).exists()
    assert complaints.filter(outcome="not_upheld").exists()
    assert complaints.filter(status="open", is_overdue=True).exists()
    assert complaints.filter(
        status="closed", is_overdue=False, customer_satisfied=True
    ).exists()
    assert complaints.filter(status="closed", is_overdue=True).exists()  # late
    extended = complaints.filter(extended_at__isnull=False)
    assert extended.count() == 2 and all(c.extension_reason for c in extended)
    approved = complaints.get(approved_deadline_at__isnull=False)
    assert approved.approved_by.username == "demo-hr" and approved.approval_note
    assert not approved.is_overdue
    assert complaints.filter(responsible_staff__employee_no="demo-learner").exists()
    assert complaints.exclude(topic="").count() >= 15


def test_demo_summaries_are_masked(demo_bank):
    load_complaints(demo_bank)
    summaries = " ".join(Complaint.objects.values_list("summary", flat=True))
    for raw in ("13812345678", "6222 0212 3456 1234", "330102198805201234"):
        assert raw not in summaries
    assert "138****5678" in summaries


def test_loading_the_demo_again_changes_nothing(demo_bank):
    now = local(2026, 6, 18, 12, 0)
    load_complaints(demo_bank, now=now)
    before = snapshot()
    updated = dict(Complaint.objects.values_list("reference_no", "updated_at"))

    load_complaints(demo_bank, now=now + dt.timedelta(hours=3))

    assert snapshot() == before
    assert dict(Complaint.objects.values_list("reference_no", "updated_at")) == updated


def test_load_demo_command_runs_the_complaints_step(db, settings):
    settings.DEMO_PASSWORD = "Demo-Password-42"
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "incentives: complaints" in out.getvalue()
    assert Complaint.objects.count() == 20
