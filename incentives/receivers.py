"""The ledger follows regrades of quiz attempts (quizzes.signals.attempts_regraded).

For each regraded attempt the receiver compares what the attempt earns now,
under the quiz rules in force for its month, with the live entries it holds
(not rejected, not reversed):

- an entry that no longer holds is corrected: an APPROVED one by a pending
  reversal entry (HR reviews it like any other); a PENDING one is rejected as
  superseded, in the name of the person who ran the regrade (nobody approved
  it yet, so there is nothing to reverse);
- an outcome it earns now and holds no live entry for gets a pending
  replacement entry.

Only attempts whose month (or quarter) has been evaluated are touched: the
evaluation of a later period picks up the rest. It is idempotent: a second
delivery of the same signal finds every entry already corrected or replaced
(and the keys, built on (regrade_id, attempt_id), would refuse a duplicate).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext

from incentives.models import EvaluationRun, LedgerEntry, TriggerKind
from incentives.periods import period_of
from incentives.services import evaluation
from incentives.services.ledger import _post_reversal, posting_key
from quizzes.models import Attempt, QuizPage, RegradeRecord
from quizzes.selectors import attempt_outcomes
from quizzes.signals import attempts_regraded
from training.models import CoursePage

logger = logging.getLogger(__name__)

QUIZ_TRIGGERS = {
    TriggerKind.QUIZ_PASSED_FIRST_ATTEMPT,
    TriggerKind.QUIZ_PERFECT_SCORE,
    TriggerKind.QUIZ_FAILED_ALL_ATTEMPTS,
}


def _quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"


@receiver(attempts_regraded)
def ledger_follow_regrade(sender, changes, regrade_id, **kwargs):
    attempt_ids = sorted({change[0] for change in changes})
    if attempt_ids:
        with translation.override(settings.LANGUAGE_CODE):
            ledger_apply_regrade(attempt_ids=attempt_ids, regrade_id=regrade_id)


@transaction.atomic
def ledger_apply_regrade(*, attempt_ids: list[int], regrade_id) -> dict:
    """Reverse, reject and replace the entries of regraded attempts (see the
    module docstring). Returns counts for logs and tests."""
    counts = {"reversed": 0, "rejected": 0, "posted": 0}
    attempts = list(
        Attempt.objects.filter(pk__in=attempt_ids, submitted_at__isnull=False).values(
            "pk", "submitted_at"
        )
    )
    if not attempts:
        return counts
    months = {a["pk"]: period_of(a["submitted_at"]) for a in attempts}
    evaluated = set(
        EvaluationRun.objects.filter(
            period__in={*months.values(), *map(_quarter_of, months.values())},
            status=EvaluationRun.Status.DONE,
        ).values_list("period", flat=True)
    )
    months = {
        pk: month
        for pk, month in months.items()
        if month in evaluated or _quarter_of(month) in evaluated
    }
    if not months:
        return counts
    author = (
        RegradeRecord.objects.filter(regrade_id=regrade_id)
        .values_list("by", flat=True)
        .first()
    )
    start = min(a["submitted_at"] for a in attempts if a["pk"] in months)
    end = max(a["submitted_at"] for a in attempts if a["pk"] in months)
    outcomes = {
        o.attempt_id: o
        for o in attempt_outcomes(start=start, end=end + dt.timedelta(microseconds=1))
        if o.attempt_id in months
    }

    # What each attempt earns now: {posting key: candidate}.
    earned = {}
    for month in set(months.values()):
        first_day, last_day = evaluation.period_dates(month)
        versions = [
            v
            for v in evaluation.rule_versions_in_force(first_day, last_day)
            if v.trigger in QUIZ_TRIGGERS
        ]
        month_outcomes = [o for pk, o in outcomes.items() if months[pk] == month]
        for candidate in _quiz_earned(versions, month_outcomes):
            earned[candidate.posting_key] = (candidate, month)

    attempt_type = ContentType.objects.get_for_model(Attempt)
    live = list(
        LedgerEntry.objects.select_for_update(of=("self",))
        .filter(
            source_type=attempt_type,
            source_id__in=list(months),
            reversal_of__isnull=True,
            rule_version__isnull=False,
        )
        .exclude(status=LedgerEntry.Status.REJECTED)
        .filter(Q(reversed_by__isnull=True))
        .select_related("rule_version__rule")
    )
    held = set()
    note = gettext("Superseded by a regrade of the attempt (regrade %(id)s).") % {
        "id": regrade_id
    }
    for entry in live:
        key = posting_key(
            rule_code=entry.rule_version.rule.code,
            source=f"attempt:{entry.source_id}",
            staff_id=entry.staff_id,
        )
        if key in earned:
            held.add(key)
            continue
        if entry.status == LedgerEntry.Status.APPROVED:
            _post_reversal(
                entry,
                by=None,
                reason=note,
                key=f"regrade:{regrade_id}:{entry.source_id}:reversal:{entry.pk}",
            )
            counts["reversed"] += 1
        elif author is not None:
            LedgerEntry.objects.filter(pk=entry.pk)._review(
                status=LedgerEntry.Status.REJECTED,
                reviewed_by_id=author,
                reviewed_at=timezone.now(),
                review_note=note,
            )
            counts["rejected"] += 1

    taken = set(
        LedgerEntry.objects.filter(posting_key__in=list(earned)).values_list(
            "posting_key", flat=True
        )
    )
    replacements = []
    for key, (candidate, month) in earned.items():
        if key in held:
            continue
        replacements.append(
            LedgerEntry(
                staff_id=candidate.staff_id,
                rule_version=candidate.rule_version,
                kind=candidate.kind,
                points=candidate.points,
                amount=candidate.amount,
                period=month,
                source_type=attempt_type,
                source_id=candidate.source_id,
                evidence_label=candidate.evidence_label,
                # The plain key if free (a later evaluation then sees it
                # posted), else one keyed on this regrade and attempt.
                posting_key=key
                if key not in taken
                else f"regrade:{regrade_id}:{candidate.source_id}:{key}",
                reason=gettext("After a regrade: %(reason)s")
                % {"reason": candidate.reason},
            )
        )
    LedgerEntry.objects.bulk_create(replacements, ignore_conflicts=True)
    counts["posted"] = len(replacements)
    logger.info("regrade %s: ledger %s", regrade_id, counts)
    return counts


def _quiz_earned(versions, outcomes):
    """Quiz candidates for these outcomes, as the evaluation would find them."""
    if not versions or not outcomes:
        return []
    found = []
    titles = dict(
        QuizPage.objects.filter(pk__in={o.quiz_id for o in outcomes}).values_list(
            "pk", "title"
        )
    )
    topics = dict(
        CoursePage.objects.filter(
            pk__in={o.course_id for o in outcomes if o.course_id}
        ).values_list("pk", "topic")
    )

    def add(version, *, staff_id, source_model, source_id, label, reason):
        found.append(
            evaluation.Candidate(
                rule_version=version,
                staff_id=staff_id,
                source_model=source_model,
                source_id=source_id,
                evidence_label=str(label)[:200],
                reason=str(evaluation.REASONS[version.trigger] % reason),
                posting_key=posting_key(
                    rule_code=version.rule.code,
                    source=f"attempt:{source_id}",
                    staff_id=staff_id,
                ),
            )
        )

    evaluation.quiz_candidates_for(versions, outcomes, titles, topics, add)
    return found
