"""Review, bulk review, reversal and manual adjustments: each refusal writes
nothing; maker-checker holds; two reviewers racing get one winner."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from incentives.models import EntryKind, LedgerEntry
from incentives.services import ledger
from tests import factories
from tests.incentives import ledger_factories as lf


@pytest.fixture
def other_hr(bank):
    from core import roles

    return factories.staff(department=bank.hr_dept, employee_no="H002", role=roles.HR)


def ledger_rows():
    return sorted(
        LedgerEntry.objects.values_list(
            "pk", "status", "points", "amount", "reviewed_by", "review_note"
        )
    )


def messages(exc) -> str:
    return " ".join(str(m) for m in exc.value.messages)


# --- single review -------------------------------------------------------------------


def test_approve_records_reviewer(learner, hr):
    entry = lf.entry(staff=learner)
    approved = ledger.entry_approve(entry, hr.user, note="ok")
    assert approved.status == LedgerEntry.Status.APPROVED
    assert approved.reviewed_by == hr.user
    assert approved.reviewed_at is not None
    assert approved.review_note == "ok"


def test_approved_entry_cannot_be_reviewed_again(learner, hr, other_hr):
    entry = lf.entry(staff=learner)
    ledger.entry_approve(entry, hr.user)
    before = ledger_rows()
    with pytest.raises(ValidationError) as exc:
        ledger.entry_reject(entry, other_hr.user, reason="changed my mind")
    assert str(ledger.ERROR_NOT_PENDING) in messages(exc)
    assert ledger_rows() == before


def test_reject_needs_reason(learner, hr):
    entry = lf.entry(staff=learner)
    with pytest.raises(ValidationError) as exc:
        ledger.entry_reject(entry, hr.user, reason="  ")
    assert str(ledger.ERROR_REJECT_REASON_REQUIRED) in messages(exc)
    assert LedgerEntry.objects.get().status == LedgerEntry.Status.PENDING
    rejected = ledger.entry_reject(entry, hr.user, reason="证据不足")
    assert rejected.status == LedgerEntry.Status.REJECTED
    assert rejected.review_note == "证据不足"


# --- maker-checker -------------------------------------------------------------------


def test_maker_of_adjustment_may_not_approve(learner, hr, other_hr):
    entry = ledger.adjustment_create(
        staff=learner,
        kind=EntryKind.REWARD,
        points=5,
        amount="20",
        period="2026-10",
        reason="表彰",
        by=hr.user,
    )
    with pytest.raises(ValidationError) as exc:
        ledger.entry_approve(entry, hr.user)
    assert str(ledger.ERROR_OWN_MAKER) in messages(exc)
    with pytest.raises(ValidationError):
        ledger.entry_reject(entry, hr.user, reason="no")
    assert LedgerEntry.objects.get().status == LedgerEntry.Status.PENDING
    assert ledger.entry_approve(entry, other_hr.user).status == "approved"


def test_runner_of_evaluation_may_not_approve(learner, hr, other_hr):
    run = lf.run(by=hr.user)
    entry = lf.entry(staff=learner, evaluation_run=run)
    with pytest.raises(ValidationError) as exc:
        ledger.entries_approve_many([entry.pk], hr.user)
    assert str(ledger.ERROR_OWN_MAKER) in messages(exc)
    assert ledger.entry_approve(entry, other_hr.user).status == "approved"


def test_nobody_reviews_an_entry_about_themselves(hr, other_hr):
    entry = lf.entry(staff=hr)
    with pytest.raises(ValidationError) as exc:
        ledger.entry_approve(entry, hr.user)
    assert str(ledger.ERROR_OWN_ENTRY) in messages(exc)
    assert ledger.entry_approve(entry, other_hr.user).status == "approved"


def test_four_eyes_can_be_switched_off(learner, hr, settings):
    settings.INCENTIVES_FOUR_EYES = False
    entry = ledger.adjustment_create(
        staff=learner,
        kind=EntryKind.REWARD,
        points=5,
        period="2026-10",
        reason="表彰",
        by=hr.user,
    )
    assert ledger.entry_approve(entry, hr.user).status == "approved"


def test_anonymous_reviewer_refused(learner):
    from django.contrib.auth.models import AnonymousUser

    entry = lf.entry(staff=learner)
    with pytest.raises(ValidationError):
        ledger.entry_approve(entry, AnonymousUser())
    with pytest.raises(ValidationError):
        ledger.entry_approve(entry, None)


# --- bulk ----------------------------------------------------------------------------


def test_bulk_approve_all(learner, other_learner, hr):
    entries = [lf.entry(staff=learner), lf.entry(staff=other_learner)]
    report = ledger.entries_approve_many([e.pk for e in entries], hr.user)
    assert report.count == 2
    assert set(LedgerEntry.objects.values_list("status", flat=True)) == {"approved"}


def test_bulk_is_all_or_nothing(learner, other_learner, hr, other_hr):
    good = lf.entry(staff=learner)
    done = lf.entry(staff=other_learner)
    own = lf.entry(staff=learner, by=hr.user)
    ledger.entry_approve(done, other_hr.user)
    before = ledger_rows()
    with pytest.raises(ValidationError) as exc:
        ledger.entries_approve_many([good.pk, done.pk, own.pk, 987654], hr.user)
    text = messages(exc)
    assert f"#{done.pk}" in text and f"#{own.pk}" in text and "#987654" in text
    assert f"#{good.pk}:" not in text
    assert ledger_rows() == before


def test_bulk_reject_needs_reason_and_selection(learner, hr):
    entry = lf.entry(staff=learner)
    with pytest.raises(ValidationError):
        ledger.entries_reject_many([entry.pk], hr.user, reason="")
    with pytest.raises(ValidationError) as exc:
        ledger.entries_reject_many([], hr.user, reason="x")
    assert str(ledger.ERROR_NOTHING_SELECTED) in messages(exc)
    report = ledger.entries_reject_many([entry.pk], hr.user, reason="重复")
    assert report.status == "rejected"
    assert LedgerEntry.objects.get().review_note == "重复"


def test_bulk_review_queries_constant(learner, hr, django_assert_max_num_queries):
    few = [lf.entry(staff=learner).pk for _ in range(2)]
    many = [lf.entry(staff=learner).pk for _ in range(20)]
    with django_assert_max_num_queries(4):
        ledger.entries_approve_many(few, hr.user)
    with django_assert_max_num_queries(4):
        ledger.entries_approve_many(many, hr.user)


# --- reversal ------------------------------------------------------------------------


def test_reversal_of_approved_entry(learner, hr, other_hr):
    entry = lf.entry(staff=learner, kind=EntryKind.PENALTY, points=5, amount="100")
    ledger.entry_approve(entry, hr.user)
    reversal = ledger.entry_reverse(entry, hr.user, reason="投诉复核不成立")
    assert reversal.reversal_of_id == entry.pk
    assert (reversal.points, reversal.amount) == (5, Decimal("100.00"))
    assert reversal.kind == EntryKind.PENALTY
    assert reversal.status == LedgerEntry.Status.PENDING
    assert "投诉复核不成立" in reversal.reason
    # The reversal's author may not approve it.
    with pytest.raises(ValidationError):
        ledger.entry_approve(reversal, hr.user)
    ledger.entry_approve(reversal, other_hr.user)
    total = sum(LedgerEntry.objects.approved().values_list("amount", flat=True))
    assert total == 0


def test_reversal_refusals_write_nothing(learner, hr):
    pending = lf.entry(staff=learner)
    before = ledger_rows()
    with pytest.raises(ValidationError) as exc:
        ledger.entry_reverse(pending, hr.user, reason="x")
    assert str(ledger.ERROR_REVERSE_NOT_APPROVED) in messages(exc)
    ledger.entry_approve(pending, hr.user)
    with pytest.raises(ValidationError) as exc:
        ledger.entry_reverse(pending, hr.user, reason="")
    assert str(ledger.ERROR_REVERSAL_REASON_REQUIRED) in messages(exc)
    ledger.entry_reverse(pending, hr.user, reason="first")
    before = ledger_rows()
    with pytest.raises(ValidationError) as exc:
        ledger.entry_reverse(pending, hr.user, reason="second")
    assert str(ledger.ERROR_ALREADY_REVERSED) in messages(exc)
    assert ledger_rows() == before


def test_reversal_chain(learner, hr, other_hr):
    entry = lf.entry(staff=learner, points=10, amount="50")
    ledger.entry_approve(entry, other_hr.user)
    first = ledger.entry_reverse(entry, hr.user, reason="误发")
    ledger.entry_approve(first, other_hr.user)
    second = ledger.entry_reverse(first, hr.user, reason="复核后恢复")
    ledger.entry_approve(second, other_hr.user)
    assert second.reversal_of == first and first.reversal_of == entry
    assert entry.reversed_by == first
    approved = LedgerEntry.objects.approved()
    assert sum(approved.values_list("points", flat=True)) == 10
    with pytest.raises(ValidationError):
        ledger.entry_reverse(first, hr.user, reason="again")


# --- manual adjustments --------------------------------------------------------------


def test_adjustment_signs_by_kind(learner, hr):
    penalty = ledger.adjustment_create(
        staff=learner,
        kind=EntryKind.PENALTY,
        points=3,
        amount="12.50",
        period="2026-q4",
        reason="迟到",
        by=hr.user,
    )
    assert (penalty.points, penalty.amount) == (-3, Decimal("-12.50"))
    assert penalty.period == "2026-Q4"
    assert penalty.is_manual and penalty.created_by == hr.user


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"points": 0, "amount": 0}, "__all__"),
        ({"period": "2026-13"}, "period"),
        ({"kind": "bonus"}, "kind"),
        ({"amount": "1.234"}, "amount"),
    ],
)
def test_adjustment_refusals(learner, hr, changes, field):
    fields = {
        "staff": learner,
        "kind": EntryKind.REWARD,
        "points": 1,
        "amount": "1",
        "period": "2026-10",
        "reason": "ok",
        "by": hr.user,
    }
    fields.update(changes)
    with pytest.raises(ValidationError) as exc:
        ledger.adjustment_create(**fields)
    assert field in exc.value.message_dict
    assert not LedgerEntry.objects.exists()


# --- race (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_race_one_wins(bank):
    # No groups here: a transactional test may run after another flushed them.
    learner = factories.staff(department=bank.o1)
    first = factories.staff(department=bank.hr_dept, role=None)
    second = factories.staff(department=bank.hr_dept, role=None)
    entry = lf.entry(staff=learner)
    barrier = threading.Barrier(2)
    results = []

    def approve(user):
        # A thread starts in the default language (Chinese); compare in English.
        try:
            barrier.wait()
            with translation.override("en"):
                ledger.entry_approve(entry, user)
            results.append("ok")
        except ValidationError as exc:
            with translation.override("en"):
                results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(profile.user,))
        for profile in (first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted(["ok", str(ledger.ERROR_NOT_PENDING)])
    assert LedgerEntry.objects.get(pk=entry.pk).status == "approved"
