"""Complaint services: deadlines, the bad-input rules of issue 5, the view log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from incentives import selectors, services
from incentives.models import Complaint, ComplaintViewLog
from tests.incentives.conftest import local, snapshot


def messages_of(exc: ValidationError) -> dict[str, list[str]]:
    return {
        field: [str(m) for m in errors] for field, errors in exc.message_dict.items()
    }


def refused(call) -> dict[str, list[str]]:
    """Run a write that must be refused; return its messages and check that
    nothing was written."""
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        call()
    assert snapshot() == before
    return messages_of(caught.value)


# --- deadlines -----------------------------------------------------------------------


def test_complaint_deadline_rules():
    received = local(2026, 10, 3, 9, 12)
    assert services.complaint_deadline(received_at=received) == local(
        2026, 10, 18, 9, 12
    )
    assert services.complaint_deadline(received_at=received, extended=True) == local(
        2026, 11, 2, 9, 12
    )
    approved = local(2026, 11, 20, 18, 0)
    assert (
        services.complaint_deadline(
            received_at=received, extended=True, approved_deadline_at=approved
        )
        == approved
    )


def test_a_new_complaint_is_due_15_days_after_receipt(make_complaint):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))
    assert complaint.deadline_at == local(2026, 1, 20, 10, 30)
    assert complaint.status == Complaint.Status.OPEN


def test_one_extension_to_30_days_with_a_reason(make_complaint, hr):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))

    extended = services.complaint_extend(
        complaint=complaint, reason="需调取监控录像，情况复杂。", by=hr.user
    )

    extended.refresh_from_db()
    assert extended.deadline_at == local(2026, 2, 4, 10, 30)
    assert extended.extension_reason == "需调取监控录像，情况复杂。"
    assert extended.extended_by == hr.user
    assert extended.extended_at is not None


def test_an_extension_needs_a_reason(make_complaint, hr):
    complaint = make_complaint()
    assert refused(
        lambda: services.complaint_extend(complaint=complaint, reason="  ", by=hr.user)
    ) == {"extension_reason": [str(services.ERROR_EXTENSION_REASON_REQUIRED)]}


def test_a_second_extension_is_refused(make_complaint, hr):
    complaint = make_complaint()
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)
    assert refused(
        lambda: services.complaint_extend(
            complaint=complaint, reason="还需要时间", by=hr.user
        )
    ) == {NON_FIELD_ERRORS: [str(services.ERROR_ALREADY_EXTENDED)]}


def test_a_closed_complaint_cannot_be_extended(make_complaint, hr):
    received = timezone.now() - dt.timedelta(days=5)
    complaint = make_complaint(
        received_at=received,
        status=Complaint.Status.CLOSED,
        resolved_at=received + dt.timedelta(days=1),
        outcome=Complaint.Outcome.NOT_UPHELD,
    )
    assert refused(
        lambda: services.complaint_extend(complaint=complaint, reason="x", by=hr.user)
    ) == {NON_FIELD_ERRORS: [str(services.ERROR_EXTEND_CLOSED)]}


def test_a_longer_deadline_with_a_recorded_approval(make_complaint, hr):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)

    approved = services.complaint_approve_longer_deadline(
        complaint=complaint,
        deadline_at=local(2026, 3, 1, 17, 0),
        note="经总行消保部负责人审批，已告知投诉人。",
        reference="SP-2026-001",
        by=hr.user,
    )

    approved.refresh_from_db()
    assert approved.deadline_at == local(2026, 3, 1, 17, 0)
    assert approved.approved_deadline_at == approved.deadline_at
    assert approved.approval_reference == "SP-2026-001"
    assert approved.approved_by == hr.user
    assert approved.approved_at is not None


def test_a_deadline_beyond_30_days_without_an_approval_is_refused(make_complaint, hr):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)

    assert refused(
        lambda: services.complaint_approve_longer_deadline(
            complaint=complaint, deadline_at=local(2026, 2, 20), note="", by=hr.user
        )
    ) == {"approval_note": [str(services.ERROR_APPROVAL_NOTE_REQUIRED)]}
    assert refused(
        lambda: services.complaint_approve_longer_deadline(
            complaint=complaint, deadline_at=local(2026, 2, 20), note="同意", by=None
        )
    ) == {NON_FIELD_ERRORS: [str(services.ERROR_APPROVAL_APPROVER_REQUIRED)]}


def test_a_longer_deadline_needs_the_extension_first(make_complaint, hr):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))
    assert refused(
        lambda: services.complaint_approve_longer_deadline(
            complaint=complaint, deadline_at=local(2026, 2, 20), note="同意", by=hr.user
        )
    ) == {NON_FIELD_ERRORS: [str(services.ERROR_APPROVAL_NEEDS_EXTENSION)]}


@pytest.mark.parametrize(
    "deadline, error, limit",
    [
        (
            local(2026, 2, 4, 10, 30),
            services.ERROR_APPROVED_DEADLINE_TOO_SHORT,
            "2026-02-04 10:30",
        ),
        (
            local(2026, 3, 6, 10, 31),
            services.ERROR_APPROVED_DEADLINE_TOO_LONG,
            "2026-03-06 10:30",
        ),
    ],
)
def test_an_approved_deadline_lies_between_30_and_60_days(
    make_complaint, hr, deadline, error, limit
):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)
    assert refused(
        lambda: services.complaint_approve_longer_deadline(
            complaint=complaint, deadline_at=deadline, note="同意", by=hr.user
        )
    ) == {"approved_deadline_at": [str(error) % {"limit": limit}]}


def test_a_longer_deadline_is_approved_once(make_complaint, hr):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)
    services.complaint_approve_longer_deadline(
        complaint=complaint, deadline_at=local(2026, 2, 20), note="同意", by=hr.user
    )
    assert refused(
        lambda: services.complaint_approve_longer_deadline(
            complaint=complaint, deadline_at=local(2026, 3, 1), note="再次", by=hr.user
        )
    ) == {NON_FIELD_ERRORS: [str(services.ERROR_ALREADY_APPROVED)]}


def test_the_database_refuses_a_long_deadline_without_approval(make_complaint):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(
            deadline_at=local(2026, 2, 5, 10, 30)
        )


def test_changing_the_receipt_time_moves_the_deadline(make_complaint, hr):
    complaint = make_complaint(received_at=local(2026, 1, 5, 10, 30))
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)
    updated = services.complaint_update(
        complaint=complaint, received_at=local(2026, 1, 6, 8, 0)
    )
    assert updated.deadline_at == local(2026, 2, 5, 8, 0)


# --- bad input ------------------------------------------------------------------------


def test_duplicate_reference_numbers_are_refused(make_complaint):
    make_complaint(reference_no="TS-1")
    assert refused(lambda: make_complaint(reference_no="TS-1")) == {
        "reference_no": [str(services.ERROR_REFERENCE_TAKEN)]
    }
    assert Complaint.objects.count() == 1


def test_a_duplicate_that_slips_past_the_check_still_gets_the_message(
    make_complaint, bank
):
    """Two requests creating the same reference number at once: the unique
    constraint catches the second, and the person reads why."""
    first = make_complaint(reference_no="TS-RACE")
    twin = Complaint(
        reference_no="TS-RACE",
        received_at=first.received_at,
        deadline_at=first.deadline_at,
        channel=first.channel,
        department=bank.o1,
    )
    with pytest.raises(ValidationError) as caught:
        services._save(twin, force_insert=True)
    assert messages_of(caught.value) == {
        "reference_no": [str(services.ERROR_REFERENCE_TAKEN)]
    }
    assert Complaint.objects.count() == 1


def test_a_complaint_resolved_before_it_was_received(make_complaint):
    received = timezone.now() - dt.timedelta(days=2)
    assert refused(
        lambda: make_complaint(
            received_at=received,
            resolved_at=received - dt.timedelta(hours=1),
            status=Complaint.Status.CLOSED,
            outcome=Complaint.Outcome.UPHELD,
        )
    ) == {"resolved_at": [str(services.ERROR_RESOLVED_BEFORE_RECEIVED)]}


def test_an_outcome_without_a_resolution_date(make_complaint):
    assert refused(lambda: make_complaint(outcome=Complaint.Outcome.UPHELD)) == {
        "outcome": [str(services.ERROR_OUTCOME_WITHOUT_RESOLUTION)]
    }


def test_a_closed_complaint_needs_a_resolution_date_and_an_outcome(make_complaint):
    assert refused(lambda: make_complaint(status=Complaint.Status.CLOSED)) == {
        "resolved_at": [str(services.ERROR_CLOSED_WITHOUT_RESOLUTION)],
        "outcome": [str(services.ERROR_CLOSED_WITHOUT_OUTCOME)],
    }


def test_a_resolution_date_on_an_open_complaint(make_complaint):
    assert refused(lambda: make_complaint(resolved_at=timezone.now())) == {
        "status": [str(services.ERROR_RESOLVED_BUT_OPEN)]
    }


def test_staff_at_fault_needs_a_responsible_employee(make_complaint):
    assert refused(lambda: make_complaint(staff_at_fault=True)) == {
        "staff_at_fault": [str(services.ERROR_FAULT_WITHOUT_STAFF)]
    }


def test_times_in_the_future_are_refused(make_complaint):
    future = timezone.now() + dt.timedelta(days=1)
    assert refused(lambda: make_complaint(received_at=future)) == {
        "received_at": [str(services.ERROR_RECEIVED_IN_FUTURE)]
    }


def test_an_unknown_channel_is_refused_by_the_model(make_complaint):
    errors = refused(lambda: make_complaint(channel="fax"))
    assert list(errors) == ["channel"]


def test_an_update_is_checked_like_a_creation(make_complaint, learner):
    complaint = make_complaint(responsible_staff=learner)
    assert refused(
        lambda: services.complaint_update(
            complaint=complaint, status=Complaint.Status.CLOSED
        )
    ) == {
        "resolved_at": [str(services.ERROR_CLOSED_WITHOUT_RESOLUTION)],
        "outcome": [str(services.ERROR_CLOSED_WITHOUT_OUTCOME)],
    }


# --- writes -----------------------------------------------------------------------


def test_summaries_are_masked_on_the_way_in(make_complaint):
    complaint = make_complaint(summary="客户手机13812345678，卡号6222021234561234。")
    complaint.refresh_from_db()
    assert complaint.summary == "客户手机138****5678，卡号6222********1234。"
    updated = services.complaint_update(
        complaint=complaint, summary="身份证110101199003071234"
    )
    updated.refresh_from_db()
    assert updated.summary == "身份证110101********1234"


def test_close_records_the_decision(make_complaint, learner):
    complaint = make_complaint(responsible_staff=learner)
    resolved = timezone.now().replace(microsecond=0)
    closed = services.complaint_close(
        complaint=complaint,
        resolved_at=resolved,
        outcome=Complaint.Outcome.UPHELD,
        staff_at_fault=True,
        customer_satisfied=False,
    )
    closed.refresh_from_db()
    assert (closed.status, closed.resolved_at, closed.outcome) == (
        Complaint.Status.CLOSED,
        resolved,
        Complaint.Outcome.UPHELD,
    )
    assert closed.staff_at_fault is True and closed.customer_satisfied is False


def test_update_refuses_fields_that_are_derived(make_complaint):
    complaint = make_complaint()
    with pytest.raises(TypeError):
        services.complaint_update(complaint=complaint, deadline_at=timezone.now())


# --- overdue ------------------------------------------------------------------------


def test_overdue_is_open_past_the_deadline_or_closed_after_it(make_complaint):
    now = timezone.now().replace(microsecond=0)
    on_time_open = make_complaint(received_at=now - dt.timedelta(days=3))
    late_open = make_complaint(received_at=now - dt.timedelta(days=16))
    closed_on_time = make_complaint(
        received_at=now - dt.timedelta(days=20),
        status=Complaint.Status.CLOSED,
        resolved_at=now - dt.timedelta(days=10),
        outcome=Complaint.Outcome.NOT_UPHELD,
    )
    closed_late = make_complaint(
        received_at=now - dt.timedelta(days=20),
        status=Complaint.Status.CLOSED,
        resolved_at=now - dt.timedelta(days=1),
        outcome=Complaint.Outcome.UPHELD,
    )

    flags = dict(selectors.complaint_list().values_list("reference_no", "is_overdue"))
    assert flags == {
        on_time_open.reference_no: False,
        late_open.reference_no: True,
        closed_on_time.reference_no: False,
        closed_late.reference_no: True,
    }
    assert sorted(
        selectors.complaint_list(overdue=True).values_list("reference_no", flat=True)
    ) == sorted([late_open.reference_no, closed_late.reference_no])
    for complaint in (on_time_open, late_open, closed_on_time, closed_late):
        assert (
            selectors.complaint_is_overdue(complaint) == flags[complaint.reference_no]
        )


def test_an_extension_takes_a_complaint_off_the_overdue_list(make_complaint, hr):
    complaint = make_complaint(received_at=timezone.now() - dt.timedelta(days=16))
    assert selectors.complaint_list(overdue=True).count() == 1
    services.complaint_extend(complaint=complaint, reason="情况复杂", by=hr.user)
    assert selectors.complaint_list(overdue=True).count() == 0


def test_view_log_records_who_and_when(make_complaint, hr, admin):
    complaint = make_complaint()
    services.complaint_view_log(complaint=complaint, user=hr.user)
    services.complaint_view_log(complaint=complaint, user=admin.user)
    log = list(selectors.complaint_view_log_list(complaint))
    assert [entry.user for entry in log] == [admin.user, hr.user]
    assert all(entry.viewed_at is not None for entry in log)
    assert ComplaintViewLog.objects.count() == 2
