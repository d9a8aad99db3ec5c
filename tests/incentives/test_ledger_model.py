"""The ledger is append-only whatever writes: the ORM refuses edits and
deletes of entries and rule versions; the database backs the rules that
matter (one reversal per entry, unique posting keys, signs)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from incentives.models import EntryKind, LedgerEntry, RuleVersion
from tests.incentives import ledger_factories as lf


@pytest.fixture
def entry(learner):
    return lf.entry(staff=learner)


def test_save_of_existing_entry_refused(entry):
    entry.points = 999
    with pytest.raises(LedgerEntry.AppendOnly):
        entry.save()
    with pytest.raises(LedgerEntry.AppendOnly):
        entry.save(update_fields=["points"])
    assert LedgerEntry.objects.get(pk=entry.pk).points == 10


def test_delete_refused(entry):
    with pytest.raises(LedgerEntry.AppendOnly):
        entry.delete()
    with pytest.raises(LedgerEntry.AppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(LedgerEntry.AppendOnly):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_refused(entry):
    with pytest.raises(LedgerEntry.AppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=0)
    with pytest.raises(LedgerEntry.AppendOnly):
        LedgerEntry.objects.update(status=LedgerEntry.Status.APPROVED)
    assert LedgerEntry.objects.get(pk=entry.pk).status == LedgerEntry.Status.PENDING


def test_review_path_refuses_other_fields(entry):
    with pytest.raises(LedgerEntry.AppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk)._review(points=1)


def test_review_path_touches_only_pending(entry, hr):
    LedgerEntry.objects.filter(pk=entry.pk)._review(
        status="approved", reviewed_by=hr.user, reviewed_at=entry.created_at
    )
    # A second review of the same entry changes no row.
    assert (
        LedgerEntry.objects.filter(pk=entry.pk)._review(
            status="rejected", reviewed_by=hr.user, reviewed_at=entry.created_at
        )
        == 0
    )
    assert LedgerEntry.objects.get(pk=entry.pk).status == "approved"


def test_posting_key_unique(learner):
    first = lf.entry(staff=learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            staff=learner,
            kind=EntryKind.REWARD,
            points=1,
            period="2026-10",
            posting_key=first.posting_key,
            reason="dup",
        )


def test_sign_must_match_kind(learner):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            staff=learner,
            kind=EntryKind.PENALTY,
            points=5,
            amount=Decimal("1"),
            period="2026-10",
            posting_key="x",
            reason="wrong sign",
        )


def test_one_reversal_per_entry_in_the_database(learner, hr):
    original = lf.entry(staff=learner)

    def reversal(key):
        return LedgerEntry.objects.create(
            staff=learner,
            kind=original.kind,
            points=-original.points,
            amount=-original.amount,
            period=original.period,
            posting_key=key,
            reason="r",
            reversal_of=original,
        )

    reversal("r1")
    with pytest.raises(IntegrityError), transaction.atomic():
        reversal("r2")


def test_rule_version_immutable(db):
    version = lf.rule()
    version.points = 1
    with pytest.raises(RuleVersion.Immutable):
        version.save()
    with pytest.raises(RuleVersion.Immutable):
        version.delete()
    with pytest.raises(RuleVersion.Immutable):
        RuleVersion.objects.filter(pk=version.pk).update(points=1)
    with pytest.raises(RuleVersion.Immutable):
        RuleVersion.objects.all().delete()


def test_rule_version_needs_points_or_amount(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        lf.rule(points=0, amount="0")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE incentives_ledgerentry SET points = 0 WHERE id = %s",
        "DELETE FROM incentives_ledgerentry WHERE id = %s",
    ],
)
def test_database_trigger_refuses_raw_update_and_delete(entry, sql):
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).points == entry.points
