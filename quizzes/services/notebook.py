"""Writes of the wrong-answer notebook (错题本).

A question enters a learner's notebook when answered wrong in a graded attempt
(again, if it had left) and leaves when answered right in a later graded
attempt (resolution "attempt") or right twice in practice since it last
entered (resolution "practice"). Practice never touches an attempt or a score.

The submit records its grades with `notebook_record_grades` in its own
transaction; `notebook_record_attempt` replays an ended attempt from its stored
grades and `notebook_record_regrades` follows a regrade. Recording is
idempotent: the attempt's `submitted_at` marks which attempt last put a
question in the notebook, so the same attempt never counts twice, and an older
attempt never overrides what a newer one decided. It reads and writes in a
constant number of queries, whatever the number of questions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from quizzes.models import Attempt, AttemptAnswer, NotebookEntry, Question

# Right answers in practice (since the question last entered) that take it out.
PRACTICE_RIGHT_TO_LEAVE = 2


@dataclass(frozen=True)
class NotebookChange:
    """What one attempt did to the notebook (question ids)."""

    entered: frozenset[int]
    left: frozenset[int]


def _answers_by_question(attempt: Attempt) -> tuple[set[int], set[int]]:
    """(question ids answered wrong, answered right) in a graded attempt.

    A question without an answer row, or whose row has no grade, counts as
    wrong only if grading marked it wrong: ungraded rows are ignored."""
    wrong: set[int] = set()
    right: set[int] = set()
    rows = AttemptAnswer.objects.filter(
        attempt=attempt, question__isnull=False, correct__isnull=False
    ).values_list("question_id", "correct")
    for question_id, correct in rows:
        (right if correct else wrong).add(question_id)
    return wrong, right


@transaction.atomic
def notebook_record_attempt(*, attempt: Attempt) -> NotebookChange:
    """Put the questions answered wrong in `attempt` into its learner's
    notebook and take out those answered right. Precondition: the attempt has
    ended and is graded (status submitted or closed). Four queries at most."""
    if attempt.status not in Attempt.FINISHED or attempt.submitted_at is None:
        return NotebookChange(frozenset(), frozenset())
    wrong, right = _answers_by_question(attempt)
    return _apply(
        staff_id=attempt.staff_id, at=attempt.submitted_at, wrong=wrong, right=right
    )


def notebook_record_grades(
    *, staff_id: int, at: dt.datetime, wrong: Collection[int], right: Collection[int]
) -> NotebookChange:
    """What ending an attempt at `at` does to the learner's notebook, given
    the question ids it graded wrong and right: called by the submit in its
    own transaction, so a score never exists without its notebook change."""
    return _apply(staff_id=staff_id, at=at, wrong=wrong, right=right)


def _apply(
    *, staff_id: int, at: dt.datetime, wrong: Collection[int], right: Collection[int]
) -> NotebookChange:
    if not wrong and not right:
        return NotebookChange(frozenset(), frozenset())
    existing = {
        entry.question_id: entry
        for entry in NotebookEntry.objects.select_for_update().filter(
            staff_id=staff_id, question_id__in=[*wrong, *right]
        )
    }
    to_create: list[NotebookEntry] = []
    to_update: list[NotebookEntry] = []
    entered: set[int] = set()
    left: set[int] = set()
    for question_id in wrong:
        entry = existing.get(question_id)
        if entry is None:
            to_create.append(
                NotebookEntry(
                    staff_id=staff_id,
                    question_id=question_id,
                    wrong_count=1,
                    last_wrong_at=at,
                )
            )
            entered.add(question_id)
            continue
        if entry.last_wrong_at >= at:
            continue  # this attempt (or a later one) was already counted
        if entry.resolved_at is not None and entry.resolved_at > at:
            continue  # a later attempt or practice already took it out
        if entry.resolved_at is not None:
            entered.add(question_id)
        entry.wrong_count += 1
        entry.last_wrong_at = at
        entry.resolved_at = None
        entry.resolution = ""
        entry.practice_right = 0
        to_update.append(entry)
    for question_id in right:
        entry = existing.get(question_id)
        if entry is None or entry.resolved_at is not None:
            continue
        if entry.last_wrong_at >= at:
            continue  # it entered after (or by) this attempt: stays
        entry.resolved_at = at
        entry.resolution = NotebookEntry.Resolution.ATTEMPT
        to_update.append(entry)
        left.add(question_id)
    if to_create:
        # A concurrent delivery of the same signal may have created the row.
        NotebookEntry.objects.bulk_create(to_create, ignore_conflicts=True)
    if to_update:
        NotebookEntry.objects.bulk_update(
            to_update,
            [
                "wrong_count",
                "last_wrong_at",
                "resolved_at",
                "resolution",
                "practice_right",
            ],
        )
    return NotebookChange(frozenset(entered), frozenset(left))


@transaction.atomic
def notebook_record_regrades(
    *, question_id: int, changes: Iterable[tuple[int, dt.datetime, bool]]
) -> NotebookChange:
    """After a regrade of one question: `changes` are (staff_id, the attempt's
    end, now right?) for each answer whose correctness flipped. An answer now
    right takes the question out, as a right answer in that attempt would have
    (unless a later attempt answered it wrong); one now wrong puts it in (unless
    a later attempt or practice already took it out). Three queries at most."""
    changes = sorted(changes, key=lambda change: change[1])
    if not changes:
        return NotebookChange(frozenset(), frozenset())
    existing = {
        entry.staff_id: entry
        for entry in NotebookEntry.objects.select_for_update().filter(
            question_id=question_id, staff_id__in={c[0] for c in changes}
        )
    }
    created: dict[int, NotebookEntry] = {}
    updated: dict[int, NotebookEntry] = {}
    entered: set[int] = set()
    left: set[int] = set()
    for staff_id, at, now_right in changes:
        entry = existing.get(staff_id) or created.get(staff_id)
        if now_right:
            if (
                entry is not None
                and entry.resolved_at is None
                and entry.last_wrong_at <= at
            ):
                entry.resolved_at = at
                entry.resolution = NotebookEntry.Resolution.ATTEMPT
                left.add(staff_id)
                if entry.pk:
                    updated[staff_id] = entry
            continue
        if entry is None:
            created[staff_id] = NotebookEntry(
                staff_id=staff_id,
                question_id=question_id,
                wrong_count=1,
                last_wrong_at=at,
            )
            entered.add(staff_id)
            continue
        if entry.last_wrong_at >= at:
            continue
        if entry.resolved_at is not None and entry.resolved_at > at:
            continue
        entry.wrong_count += 1
        entry.last_wrong_at = at
        entry.resolved_at = None
        entry.resolution = ""
        entry.practice_right = 0
        entered.add(staff_id)
        left.discard(staff_id)
        if entry.pk:
            updated[staff_id] = entry
    if created:
        NotebookEntry.objects.bulk_create(created.values(), ignore_conflicts=True)
    if updated:
        NotebookEntry.objects.bulk_update(
            updated.values(),
            [
                "wrong_count",
                "last_wrong_at",
                "resolved_at",
                "resolution",
                "practice_right",
            ],
        )
    # Staff ids here, not question ids: one question, many learners.
    return NotebookChange(frozenset(entered), frozenset(left))


@dataclass(frozen=True)
class PracticeResult:
    entry: NotebookEntry
    right: bool
    selected: tuple[int, ...]
    correct: tuple[int, ...]
    left: bool


def practice_is_right(*, question: Question, selected: Collection[int]) -> bool:
    """All or nothing: exactly the correct choices ticked (the default grading
    of every kind). `question.choices` should be prefetched."""
    correct = {choice.pk for choice in question.choices.all() if choice.is_correct}
    return set(selected) == correct


@transaction.atomic
def notebook_practice_answer(
    *, entry: NotebookEntry, selected: Collection[int], now: dt.datetime | None = None
) -> PracticeResult:
    """Check a practice answer against the question's live answer key; count it
    on the entry (never on an attempt or a score). The second right answer
    since the question last entered takes it out of the notebook.
    Precondition: `entry` belongs to the learner and is open (else nothing is
    counted). Choice ids not of this question make the answer wrong."""
    now = now or timezone.now()
    locked = (
        NotebookEntry.objects.select_for_update()
        .select_related("question")
        .get(pk=entry.pk)
    )
    question = Question.objects.prefetch_related("choices").get(pk=locked.question_id)
    right = practice_is_right(question=question, selected=selected)
    correct = tuple(c.pk for c in question.choices.all() if c.is_correct)
    left = False
    if locked.resolved_at is None:
        locked.practice_count += 1
        if right:
            locked.practice_right += 1
        if locked.practice_right >= PRACTICE_RIGHT_TO_LEAVE:
            locked.resolved_at = now
            locked.resolution = NotebookEntry.Resolution.PRACTICE
            left = True
        locked.save(
            update_fields=[
                "practice_count",
                "practice_right",
                "resolved_at",
                "resolution",
            ]
        )
    return PracticeResult(
        entry=locked,
        right=right,
        selected=tuple(sorted(set(selected))),
        correct=correct,
        left=left,
    )
