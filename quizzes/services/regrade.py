"""Regrade: after a trainer corrects a question's answer key (publishes a new
live revision of the Question), bring the ended attempts that showed it up to
the corrected key, with a dry run first and a record of every change.

- Which attempts: every submitted or closed attempt whose snapshot holds the
  question and whose frozen key for it differs from the live key (which
  choices are correct, and their weights, matched by choice id: ids survive
  text edits). Attempts in progress keep the version they started with and are
  never touched; attempts that already carry the live key are left alone, so
  applying the same regrade twice changes nothing the second time.
- How: only the answer to that question is graded again (grading.py, with the
  attempt's own partial_credit and pass_mark, and the answers saved before its
  cutoff, exactly as when it ended); the attempt's total is the other answers'
  stored points plus the new points, so no other question can move.
- Records: one RegradeRecord per attempt brought up to date (also when its
  score did not move), all sharing one `regrade_id`, with who, when, why and
  the old and new score, percent and passed.
- Side effects: `attempts_regraded` is sent on commit with the attempts whose
  percent or passed changed (quizzes/signals.py; never with an empty list),
  and the notebook follows: an answer now right takes the question out of the
  learner's notebook (unless a later attempt answered it wrong), an answer now
  wrong puts it in (unless a later attempt or practice already took it out).

Everything is written in one transaction, in a constant number of queries
whatever the number of attempts.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizzes.models import Attempt, AttemptAnswer, Question, RegradeRecord
from quizzes.services import notebook
from quizzes.services.attempts import attempt_cutoff
from quizzes.services.grading import attempt_totals, question_grade
from quizzes.signals import attempts_regraded

ERROR_NOT_LIVE = _("The question has no published version to regrade against.")
ERROR_REASON_REQUIRED = _("Give the reason for the regrade.")


class RegradeError(Exception):
    pass


@dataclass
class AttemptRegrade:
    """One attempt brought up to the live key (before and after)."""

    attempt: Attempt
    old_score: Decimal
    new_score: Decimal
    old_percent: Decimal
    new_percent: Decimal
    old_passed: bool
    new_passed: bool
    # question_key -> (correct, points) after the regrade
    answer_grades: dict[str, tuple[bool, Decimal]] = field(default_factory=dict)
    now_right: bool = False
    now_wrong: bool = False
    questions: list = field(default_factory=list)

    @property
    def moved(self) -> bool:
        return (self.old_percent, self.old_passed) != (
            self.new_percent,
            self.new_passed,
        )


@dataclass
class RegradePlan:
    question: Question
    regrades: list[AttemptRegrade]
    up_to_date: int  # ended attempts that already carry the live key

    @property
    def moved(self) -> list[AttemptRegrade]:
        return [r for r in self.regrades if r.moved]


def _live_key(question: Question) -> dict[int, tuple[bool, str | None]]:
    return {
        choice.pk: (
            choice.is_correct,
            None if choice.weight is None else str(choice.weight),
        )
        for choice in question.choices.all()
    }


def _snapshot_key(entry: dict) -> dict[int, tuple[bool, str | None]]:
    return {c["id"]: (bool(c["is_correct"]), c.get("weight")) for c in entry["choices"]}


def _corrected(entry: dict, live: dict[int, tuple[bool, str | None]], revision_id):
    """The snapshot entry with the live key (choices not live any more are
    wrong and weightless). Texts, order and kind stay as shown."""
    entry = copy.deepcopy(entry)
    for choice in entry["choices"]:
        choice["is_correct"], choice["weight"] = live.get(choice["id"], (False, None))
    entry["key_revision_id"] = revision_id
    return entry


def _key_differs(entry: dict, live: dict[int, tuple[bool, str | None]]) -> bool:
    current = _snapshot_key(entry)
    wanted = {choice_id: live.get(choice_id, (False, None)) for choice_id in current}
    return current != wanted


def _plan(question: Question, *, lock: bool) -> RegradePlan:
    if not question.live:
        raise RegradeError(str(ERROR_NOT_LIVE))
    question = Question.objects.prefetch_related("choices").get(pk=question.pk)
    live = _live_key(question)
    attempts = Attempt.objects.filter(
        status__in=Attempt.FINISHED,
        pk__in=AttemptAnswer.objects.filter(question_id=question.pk).values(
            "attempt_id"
        ),
    ).order_by("submitted_at", "pk")
    if lock:
        attempts = attempts.select_for_update()
    attempts = list(attempts.select_related("staff", "quiz"))
    affected: list[tuple[Attempt, list[str]]] = []
    up_to_date = 0
    for attempt in attempts:
        keys = [
            entry["key"]
            for entry in attempt.questions
            if entry.get("question_id") == question.pk
        ]
        if not keys:
            continue
        differs = any(
            _key_differs(entry, live)
            for entry in attempt.questions
            if entry["key"] in keys
        )
        if differs:
            affected.append((attempt, keys))
        else:
            up_to_date += 1
    answers: dict[int, list[AttemptAnswer]] = {}
    if affected:
        for answer in AttemptAnswer.objects.filter(
            attempt_id__in=[attempt.pk for attempt, _ in affected]
        ).only(
            "pk",
            "attempt_id",
            "question_key",
            "selected",
            "saved_at",
            "correct",
            "points",
        ):
            answers.setdefault(answer.attempt_id, []).append(answer)
    regrades = []
    for attempt, keys in affected:
        regrades.append(
            _regrade_one(attempt, keys, answers.get(attempt.pk, []), live, question)
        )
    return RegradePlan(question=question, regrades=regrades, up_to_date=up_to_date)


def _regrade_one(attempt, keys, answers, live, question) -> AttemptRegrade:
    cutoff = attempt_cutoff(attempt)
    questions = [
        _corrected(entry, live, question.live_revision_id)
        if entry["key"] in keys
        else entry
        for entry in attempt.questions
    ]
    by_key = {entry["key"]: entry for entry in questions}
    grades: dict[str, tuple[bool, Decimal]] = {}
    was_right = now_right = True
    other_points = []
    for answer in answers:
        if answer.question_key not in keys:
            other_points.append(answer.points or Decimal(0))
            continue
        counted = answer.saved_at is not None and (
            cutoff is None or answer.saved_at <= cutoff
        )
        grade = question_grade(
            question=by_key[answer.question_key],
            selected=answer.selected if counted else (),
            partial_credit=attempt.partial_credit,
        )
        grades[answer.question_key] = (grade.correct, grade.points)
        was_right = was_right and bool(answer.correct)
        now_right = now_right and grade.correct
    totals = attempt_totals(
        points=[*other_points, *(points for _, points in grades.values())],
        max_score=attempt.max_score,
        pass_mark=attempt.pass_mark,
    )
    return AttemptRegrade(
        attempt=attempt,
        old_score=attempt.score,
        new_score=totals.score,
        old_percent=attempt.percent,
        new_percent=totals.percent,
        old_passed=attempt.passed,
        new_passed=totals.passed,
        answer_grades=grades,
        now_right=now_right and not was_right,
        now_wrong=was_right and not now_right,
        questions=questions,
    )


def regrade_plan(*, question: Question) -> RegradePlan:
    """The dry run: what a regrade of `question` would change, writing nothing."""
    return _plan(question, lock=False)


@transaction.atomic
def regrade_apply(*, question: Question, by, reason: str) -> RegradePlan:
    """Regrade the ended attempts that showed `question` against its live key
    (see the module docstring). Returns what was done (empty if nothing was
    out of date). `reason` is required."""
    reason = (reason or "").strip()
    if not reason:
        raise RegradeError(str(ERROR_REASON_REQUIRED))
    plan = _plan(question, lock=True)
    if not plan.regrades:
        return plan
    now = timezone.now()
    regrade_id = uuid.uuid4()
    attempts = []
    answers = []
    records = []
    for regrade in plan.regrades:
        attempt = regrade.attempt
        attempt.questions = regrade.questions
        attempt.score = regrade.new_score
        attempt.percent = regrade.new_percent
        attempt.passed = regrade.new_passed
        attempts.append(attempt)
        for key, (correct, points) in regrade.answer_grades.items():
            answers.append((attempt.pk, key, correct, points))
        records.append(
            RegradeRecord(
                regrade_id=regrade_id,
                attempt=attempt,
                question=plan.question,
                question_key=",".join(sorted(regrade.answer_grades)),
                by=by,
                at=now,
                reason=reason,
                old_score=regrade.old_score,
                new_score=regrade.new_score,
                old_percent=regrade.old_percent,
                new_percent=regrade.new_percent,
                old_passed=regrade.old_passed,
                new_passed=regrade.new_passed,
            )
        )
    Attempt.objects.bulk_update(attempts, ["questions", "score", "percent", "passed"])
    rows = {
        (row.attempt_id, row.question_key): row
        for row in AttemptAnswer.objects.filter(
            attempt_id__in=[a.pk for a in attempts],
            question_id=plan.question.pk,
        ).only("pk", "attempt_id", "question_key")
    }
    to_update = []
    for attempt_id, key, correct, points in answers:
        row = rows.get((attempt_id, key))
        if row is not None:
            row.correct, row.points = correct, points
            to_update.append(row)
    AttemptAnswer.objects.bulk_update(to_update, ["correct", "points"])
    RegradeRecord.objects.bulk_create(records)
    notebook.notebook_record_regrades(
        question_id=plan.question.pk,
        changes=[
            (r.attempt.staff_id, r.attempt.submitted_at, r.now_right)
            for r in plan.regrades
            if r.now_right or r.now_wrong
        ],
    )
    changes = [
        (r.attempt.pk, r.old_passed, r.new_passed, r.old_percent, r.new_percent)
        for r in plan.regrades
        if r.moved
    ]
    if changes:
        transaction.on_commit(
            lambda: attempts_regraded.send(
                sender=Attempt, changes=changes, regrade_id=regrade_id
            )
        )
    return plan
