"""Taking a quiz: start, save answers, submit, close at the deadline, and the
integrity events the browser reports (DESIGN.md invariants 1–5).

The database keeps the rules that concurrency could break: one attempt in
progress per learner and quiz, numbers unique and never above the limit (see
Attempt.Meta). A start that loses a race turns the IntegrityError into the
attempt the winner created, or a clean refusal. Ending an attempt is a
conditional UPDATE (… WHERE status = 'in_progress'), so two submits, a submit
and the closing task, or a stale tab grade it once and send
`attempt_submitted` once.

Times: an answer counts if it was saved before the attempt's cutoff, its
deadline plus settings.QUIZ_SAVE_GRACE_SECONDS (a slow network); later saves
are refused. An attempt still open after its cutoff is closed with the answers
saved in time, by `attempts_close_expired` and lazily on its next access.
Everything a client sends besides the question and the choice ids (scores,
correctness, times) is ignored.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import StaffProfile
from quizzes import selectors
from quizzes.models import (
    Attempt,
    AttemptAnswer,
    IntegrityEvent,
    QuizPage,
)
from quizzes.services import notebook
from quizzes.services.grading import attempt_grade
from quizzes.signals import attempt_submitted

ERROR_NOT_OPEN = _("This quiz is not open yet.")
ERROR_CLOSED = _("This quiz is closed.")
ERROR_NO_ATTEMPTS_LEFT = _("You have used all your attempts at this quiz.")
ERROR_COOLDOWN = _("You can start your next attempt after %(time)s.")
ERROR_NO_QUESTIONS = _("This quiz has no questions yet.")
ERROR_BUSY = _("Another attempt was being started at the same moment. Try again.")
ERROR_ENDED = _("This attempt has ended; its answers can no longer change.")
ERROR_TOO_LATE = _("The time for this attempt is over; the answer was not saved.")
ERROR_UNKNOWN_QUESTION = _("This question is not part of the attempt.")
ERROR_BAD_CHOICE = _("A chosen answer is not one of this question's choices.")
ERROR_ONE_CHOICE = _("This question takes exactly one answer.")

# A page reports at most this many events per attempt (a misbehaving or
# hostile browser cannot fill the table).
MAX_INTEGRITY_EVENTS = 200

_random = secrets.SystemRandom()


class AttemptError(Exception):
    """A refused request, with a whole translated sentence for the learner.
    `code` names the rule for views and tests."""

    def __init__(self, message, code: str):
        super().__init__(str(message))
        self.message = message
        self.code = code


def grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.QUIZ_SAVE_GRACE_SECONDS)


def attempt_deadline(attempt: Attempt) -> dt.datetime | None:
    """The attempt's deadline now: its own, or the quiz's closing time if a
    trainer moved it earlier after the attempt started."""
    close_at = attempt.quiz.close_at
    candidates = [t for t in (attempt.deadline_at, close_at) if t is not None]
    return min(candidates) if candidates else None


def attempt_cutoff(attempt: Attempt) -> dt.datetime | None:
    """The last moment an answer may be saved (deadline plus grace)."""
    deadline = attempt_deadline(attempt)
    return None if deadline is None else deadline + grace()


def attempt_is_overdue(attempt: Attempt, now: dt.datetime) -> bool:
    cutoff = attempt_cutoff(attempt)
    return not attempt.is_finished and cutoff is not None and now > cutoff


# --- start -----------------------------------------------------------------------


def _check_can_start(*, staff: StaffProfile, quiz: QuizPage, now: dt.datetime) -> int:
    """Raise AttemptError unless a new attempt may start; return its number."""
    state = selectors.quiz_availability(staff=staff, quiz=quiz, now=now)
    if state.refusal == selectors.Refusal.NOT_OPEN:
        raise AttemptError(ERROR_NOT_OPEN, "not_open")
    if state.refusal == selectors.Refusal.CLOSED:
        raise AttemptError(ERROR_CLOSED, "closed")
    if state.refusal == selectors.Refusal.NO_ATTEMPTS_LEFT:
        raise AttemptError(ERROR_NO_ATTEMPTS_LEFT, "no_attempts_left")
    if state.refusal == selectors.Refusal.COOLDOWN:
        local = timezone.localtime(state.next_start_at)
        raise AttemptError(
            ERROR_COOLDOWN % {"time": local.strftime("%Y-%m-%d %H:%M")}, "cooldown"
        )
    return state.next_number


def questions_draw(quiz: QuizPage) -> list[dict]:
    """The questions of a new attempt, frozen: fixed ones, then each draw's
    random pick among usable questions not already chosen, shuffled when the
    quiz says so (true-or-false keeps 正确 before 错误). Each entry is the
    question's snapshot plus its `key` and `points`; choice labels follow the
    order shown. Queries: two plus one per draw, whatever the question count."""
    usable = selectors.question_list_usable()
    chosen: dict[int, int] = {}  # question id -> points, in order
    for item in quiz.fixed_questions.filter(question__in=usable).order_by("sort_order"):
        chosen.setdefault(item.question_id, item.points)
    for draw in quiz.draws.order_by("sort_order"):
        candidates = usable.filter(category_id=draw.category_id)
        if draw.difficulty:
            candidates = candidates.filter(difficulty=draw.difficulty)
        pool = list(
            candidates.exclude(pk__in=list(chosen)).values_list("pk", flat=True)
        )
        for pk in _random.sample(pool, min(draw.count, len(pool))):
            chosen[pk] = draw.points
    questions = {
        q.pk: q
        for q in usable.filter(pk__in=list(chosen))
        .select_related("category")
        .prefetch_related("choices")
    }
    order = [pk for pk in chosen if pk in questions]
    if quiz.shuffle_questions:
        _random.shuffle(order)
    snapshot = []
    for pk in order:
        entry = questions[pk].as_snapshot()
        if quiz.shuffle_choices and entry["kind"] != "true_false":
            _random.shuffle(entry["choices"])
        for index, choice in enumerate(entry["choices"]):
            choice["label"] = "ABCDEF"[index]
        entry["key"] = f"q{pk}"
        entry["points"] = chosen[pk]
        snapshot.append(entry)
    return snapshot


def attempt_in_progress(*, staff: StaffProfile, quiz: QuizPage) -> Attempt | None:
    return (
        Attempt.objects.select_related("quiz")
        .filter(staff=staff, quiz=quiz, status=Attempt.Status.IN_PROGRESS)
        .first()
    )


def attempt_start(
    *, staff: StaffProfile, quiz: QuizPage, now: dt.datetime | None = None
) -> Attempt:
    """Start an attempt, or resume the one in progress.

    Refuses (AttemptError) before the quiz opens, after it closes, when every
    attempt is used or while the cooldown since the last one runs. An attempt
    in progress past its cutoff is closed first. Safe under concurrent
    requests: the database's constraints pick one winner; the others resume
    the winner's attempt."""
    now = now or timezone.now()
    current = attempt_in_progress(staff=staff, quiz=quiz)
    if current is not None:
        if not attempt_is_overdue(current, now):
            return current
        attempt_close(attempt=current, now=now)
    number = _check_can_start(staff=staff, quiz=quiz, now=now)
    questions = questions_draw(quiz)
    if not questions:
        raise AttemptError(ERROR_NO_QUESTIONS, "no_questions")
    limits = [now + dt.timedelta(minutes=quiz.time_limit_minutes)] * bool(
        quiz.time_limit_minutes
    )
    if quiz.close_at is not None:
        limits.append(quiz.close_at)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                staff=staff,
                quiz=quiz,
                number=number,
                max_attempts=quiz.max_attempts,
                started_at=now,
                deadline_at=min(limits) if limits else None,
                pass_mark=quiz.pass_mark,
                partial_credit=quiz.partial_credit,
                questions=questions,
                max_score=sum((Decimal(q["points"]) for q in questions), Decimal(0)),
            )
            AttemptAnswer.objects.bulk_create(
                AttemptAnswer(
                    attempt=attempt,
                    question_key=q["key"],
                    question_id=q["question_id"],
                    max_points=q["points"],
                )
                for q in questions
            )
    except IntegrityError:
        # Another request started one first: resume it; if it has already
        # ended (or took the last number), refuse cleanly.
        current = attempt_in_progress(staff=staff, quiz=quiz)
        if current is not None:
            return current
        _check_can_start(staff=staff, quiz=quiz, now=now)
        raise AttemptError(ERROR_BUSY, "busy") from None
    attempt.quiz = quiz
    return attempt


# --- answers ---------------------------------------------------------------------


def _question_of(attempt: Attempt, key: str) -> dict:
    for question in attempt.questions:
        if question["key"] == key:
            return question
    raise AttemptError(ERROR_UNKNOWN_QUESTION, "unknown_question")


def _clean_selection(question: dict, choice_ids: Collection) -> list[int]:
    try:
        ids = sorted({int(choice_id) for choice_id in choice_ids})
    except (TypeError, ValueError):
        raise AttemptError(ERROR_BAD_CHOICE, "bad_choice") from None
    if not {c["id"] for c in question["choices"]}.issuperset(ids):
        raise AttemptError(ERROR_BAD_CHOICE, "bad_choice")
    if question["kind"] != "multiple" and len(ids) > 1:
        raise AttemptError(ERROR_ONE_CHOICE, "one_choice")
    return ids


def answer_save(
    *,
    attempt: Attempt,
    question_key: str,
    choice_ids: Collection,
    seq: int | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Save the learner's selection for one question of `attempt` (the whole
    selection, not a change). `seq` orders the browser's changes: a save
    older than the one stored is not written (and is not an error). Returns
    whether this save was written.

    Refuses choice ids outside that question's snapshot, more than one choice
    for single and true-or-false questions, any save after the attempt ended,
    and saves after the cutoff (closing the attempt then)."""
    now = now or timezone.now()
    question = _question_of(attempt, question_key)
    selected = _clean_selection(question, choice_ids)
    if attempt.is_finished:
        raise AttemptError(ERROR_ENDED, "ended")
    if attempt_is_overdue(attempt, now):
        attempt_close(attempt=attempt, now=now)
        raise AttemptError(ERROR_TOO_LATE, "too_late")
    if seq is None:
        seq = int(now.timestamp() * 1000)
    with transaction.atomic():
        # Lock the attempt row: a submit (which locks it too) either grades
        # after this save, or ends the attempt before it and the save is refused.
        status = (
            Attempt.objects.select_for_update()
            .filter(pk=attempt.pk)
            .values_list("status", flat=True)
            .first()
        )
        if status != Attempt.Status.IN_PROGRESS:
            raise AttemptError(ERROR_ENDED, "ended")
        written = AttemptAnswer.objects.filter(
            attempt_id=attempt.pk, question_key=question_key, seq__lte=seq
        ).update(selected=selected, saved_at=now, seq=seq)
    # Not written: a newer change of this question is already saved.
    return bool(written)


# --- ending ----------------------------------------------------------------------


def _finish(*, attempt: Attempt, status: str, ended_at: dt.datetime) -> Attempt:
    """Grade `attempt` and end it, once: the answers saved before its cutoff
    count. The grades, the end, the wrong-answer notebook and a course the pass
    completes are written in one transaction. Returns the attempt as it stands
    (graded by this call or by a concurrent one that won).

    What grading reads (status and the snapshot) is read again under the row
    lock, never taken from the caller's object; the quiz and staff are."""
    cutoff = attempt_cutoff(attempt)
    with transaction.atomic():
        # Serialises concurrent enders and answer saves on PostgreSQL (SQLite
        # serialises writes): saves committed before the lock are all read.
        stored = (
            Attempt.objects.select_for_update()
            .filter(pk=attempt.pk)
            .values("status", "questions", "partial_credit", "pass_mark")
            .get()
        )
        if stored.pop("status") != Attempt.Status.IN_PROGRESS:
            return Attempt.objects.select_related("quiz").get(pk=attempt.pk)
        for name, value in stored.items():
            setattr(attempt, name, value)
        answers = list(
            AttemptAnswer.objects.filter(attempt_id=attempt.pk).values_list(
                "pk", "question_key", "question_id", "selected", "saved_at"
            )
        )
        selections = {
            key: selected
            for _pk, key, _question, selected, saved_at in answers
            if saved_at is not None and (cutoff is None or saved_at <= cutoff)
        }
        grades, totals = attempt_grade(
            questions=attempt.questions,
            selections=selections,
            partial_credit=attempt.partial_credit,
            pass_mark=attempt.pass_mark,
        )
        # Conditional as well as locked: the end is claimed once, whatever the
        # database's locking does.
        claimed = Attempt.objects.filter(
            pk=attempt.pk, status=Attempt.Status.IN_PROGRESS
        ).update(
            status=status,
            submitted_at=ended_at,
            score=totals.score,
            max_score=totals.max_score,
            percent=totals.percent,
            passed=totals.passed,
        )
        if not claimed:
            return Attempt.objects.select_related("quiz").get(pk=attempt.pk)
        _answer_grades_write(answers, grades)
        attempt.status, attempt.submitted_at = status, ended_at
        attempt.score, attempt.max_score = totals.score, totals.max_score
        attempt.percent, attempt.passed = totals.percent, totals.passed
        wrong, right = set(), set()
        for _pk, key, question_id, _selected, _saved_at in answers:
            grade = grades.get(key)
            if question_id is not None and grade is not None:
                (right if grade.correct else wrong).add(question_id)
        notebook.notebook_record_grades(
            staff_id=attempt.staff_id, at=ended_at, wrong=wrong, right=right
        )
        if attempt.passed:
            _course_completion_refresh(attempt)
        finished = attempt
        transaction.on_commit(
            lambda: attempt_submitted.send(sender=Attempt, attempt=finished)
        )
    return finished


def _answer_grades_write(answers, grades) -> None:
    """Store each answer's grade: one UPDATE per distinct (correct, points),
    usually two or three, where bulk_update would compile a CASE per row."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, key, *_rest in answers:
        grade = grades.get(key)
        groups[(None, None) if grade is None else tuple(grade)].append(pk)
    for (correct, points), pks in groups.items():
        AttemptAnswer.objects.filter(pk__in=pks).update(correct=correct, points=points)


def _course_completion_refresh(attempt: Attempt) -> None:
    """A pass may complete the course its quiz belongs to, for an assignment
    still open (one query when there is none)."""
    from training.services import course_completion_refresh_at

    course_completion_refresh_at(
        staff=attempt.staff, course_path=attempt.quiz.path[: -QuizPage.steplen]
    )


def attempt_submit(*, attempt: Attempt, now: dt.datetime | None = None) -> Attempt:
    """The learner submits. Idempotent: an attempt already ended (a second
    submit, a stale tab, closed by the server) is returned unchanged. A submit
    after the cutoff closes the attempt at its deadline instead, with the
    answers saved in time."""
    now = now or timezone.now()
    if attempt.is_finished:
        return attempt
    if attempt_is_overdue(attempt, now):
        return attempt_close(attempt=attempt, now=now)
    return _finish(attempt=attempt, status=Attempt.Status.SUBMITTED, ended_at=now)


def attempt_close(*, attempt: Attempt, now: dt.datetime | None = None) -> Attempt:
    """The server closes an attempt past its cutoff: it ends at its deadline
    with the answers saved in time. Does nothing to an ended attempt."""
    now = now or timezone.now()
    if attempt.is_finished:
        return attempt
    deadline = attempt_deadline(attempt) or now
    return _finish(attempt=attempt, status=Attempt.Status.CLOSED, ended_at=deadline)


def attempt_refresh(*, attempt: Attempt, now: dt.datetime | None = None) -> Attempt:
    """The attempt as a page should show it: closed first if it is overdue
    (the lazy half of `attempts_close_expired`)."""
    now = now or timezone.now()
    if attempt_is_overdue(attempt, now):
        return attempt_close(attempt=attempt, now=now)
    return attempt


def attempts_close_expired(*, now: dt.datetime | None = None) -> int:
    """Close every attempt left open past its cutoff (its deadline, or the
    quiz's closing time, plus the grace). Returns how many it closed."""
    now = now or timezone.now()
    limit = now - grace()
    overdue = (
        Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS)
        .filter(Q(deadline_at__lt=limit) | Q(quiz__close_at__lt=limit))
        .select_related("quiz")
        .order_by("pk")
    )
    closed = 0
    for attempt in overdue.iterator(chunk_size=200):
        if attempt_close(attempt=attempt, now=now).status == Attempt.Status.CLOSED:
            closed += 1
    return closed


# --- integrity events ------------------------------------------------------------


def integrity_event_record(
    *, attempt: Attempt, kind: str, detail: str = "", now: dt.datetime | None = None
) -> IntegrityEvent | None:
    """Record what the browser reported during an attempt in progress (page
    hidden, window left, paste). Nothing changes a score because of it. Events
    for an ended attempt, of an unknown kind or beyond the cap are dropped
    (returns None)."""
    now = now or timezone.now()
    if attempt.is_finished or kind not in IntegrityEvent.Kind.values:
        return None
    if (
        IntegrityEvent.objects.filter(attempt_id=attempt.pk).count()
        >= MAX_INTEGRITY_EVENTS
    ):
        return None
    return IntegrityEvent.objects.create(
        attempt=attempt, kind=kind, at=now, detail=str(detail)[:200]
    )
