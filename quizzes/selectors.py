"""Reads of the question bank and the quiz engine."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import operator
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Length, Substr
from wagtail.models import Page, Revision

from quizzes.models import Attempt, Question, QuizPage


def question_list_usable() -> QuerySet[Question]:
    """Questions a quiz may show: published and active. The live row is the
    published version (drafts live in revisions), so its choices are too."""
    return Question.objects.filter(live=True, is_active=True)


def law_name_list() -> list[str]:
    """The laws that questions cite, for filtering the bank by source."""
    return list(
        Question.objects.exclude(law_name="")
        .order_by("law_name")
        .values_list("law_name", flat=True)
        .distinct()
    )


def with_approved_schedule(queryset: QuerySet[Question]) -> QuerySet[Question]:
    """Annotate whether each question has a revision scheduled to go live, which
    the status shown in listings needs (else one query per question)."""
    scheduled = Revision.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Question),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        approved_go_live_at__isnull=False,
    )
    return queryset.annotate(_approved_schedule=Exists(scheduled))


# --- outcomes for the incentives engine -------------------------------------------


@dataclass(frozen=True)
class AttemptOutcome:
    """One ended attempt, as the incentives engine sees it (a stable contract).

    `percent` is the current percentage (after any regrade), a Decimal with two
    places; `max_attempts` is the limit in force when the attempt started (see
    Attempt); `attempts_exhausted_without_pass` is true when this attempt is
    the last one allowed and neither it nor any earlier attempt of the same
    learner and quiz passed.
    """

    attempt_id: int
    staff_id: int
    quiz_id: int
    course_id: int | None
    number: int
    submitted_at: dt.datetime
    percent: Decimal
    passed: bool
    max_attempts: int
    is_first_attempt: bool
    is_perfect: bool
    attempts_exhausted_without_pass: bool


def attempt_outcomes(*, start: dt.datetime, end: dt.datetime) -> list[AttemptOutcome]:
    """Every attempt that ended in [start, end) (submitted or closed at its
    deadline) of a quiz that counts for incentives, oldest first, in two queries.

    `course_id` is the quiz's parent page (its course) now, None only if the
    page were moved out of the tree."""
    passed_so_far = Attempt.objects.filter(
        staff_id=OuterRef("staff_id"),
        quiz_id=OuterRef("quiz_id"),
        number__lte=OuterRef("number"),
        passed=True,
    )
    # The course of each counting quiz, looked up once per quiz (a subquery
    # per attempt matched page paths by a computed prefix, row after row).
    parent = Page.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Page.steplen)
    ).values("pk")[:1]
    course_of = dict(
        QuizPage.objects.filter(counts_for_incentives=True)
        .annotate(course_id=Subquery(parent))
        .values_list("pk", "course_id")
    )
    rows = (
        Attempt.objects.filter(
            status__in=Attempt.FINISHED,
            submitted_at__gte=start,
            submitted_at__lt=end,
            quiz_id__in=list(course_of),
        )
        .annotate(any_pass=Exists(passed_so_far))
        .order_by("submitted_at", "pk")
        .values_list(
            "pk",
            "staff_id",
            "quiz_id",
            "number",
            "submitted_at",
            "percent",
            "passed",
            "max_attempts",
            "score",
            "max_score",
            "any_pass",
        )
    )
    return [
        AttemptOutcome(
            attempt_id=pk,
            staff_id=staff_id,
            quiz_id=quiz_id,
            course_id=course_of[quiz_id],
            number=number,
            submitted_at=submitted_at,
            percent=percent,
            passed=passed,
            max_attempts=max_attempts,
            is_first_attempt=number == 1,
            is_perfect=score == max_score,
            attempts_exhausted_without_pass=number >= max_attempts and not any_pass,
        )
        for (
            pk,
            staff_id,
            quiz_id,
            number,
            submitted_at,
            percent,
            passed,
            max_attempts,
            score,
            max_score,
            any_pass,
        ) in rows
    ]


# --- the course requirement (training's extension point) --------------------------


def quiz_requirements_met(
    *, staff_ids: Collection[int], course_ids: Collection[int]
) -> set[tuple[int, int]]:
    """The (staff_id, course_id) pairs where the learner passed every live quiz
    of the course (any attempt; a course without quizzes is met by everyone).
    Three queries, whatever the number of staff and courses."""
    staff_ids, course_ids = set(staff_ids), set(course_ids)
    if not staff_ids or not course_ids:
        return set()
    courses = dict(Page.objects.filter(pk__in=course_ids).values_list("path", "pk"))
    quizzes_of: dict[int, set[int]] = {pk: set() for pk in courses.values()}
    if courses:
        condition = functools.reduce(
            operator.or_,
            (
                Q(path__startswith=path, depth=len(path) // Page.steplen + 1)
                for path in courses
            ),
        )
        for pk, path in (
            QuizPage.objects.live().filter(condition).values_list("pk", "path")
        ):
            quizzes_of[courses[path[: -Page.steplen]]].add(pk)
    quiz_ids = set().union(*quizzes_of.values())
    passed: dict[int, set[int]] = {}
    if quiz_ids:
        for staff_id, quiz_id in (
            Attempt.objects.filter(
                staff_id__in=staff_ids, quiz_id__in=quiz_ids, passed=True
            )
            .values_list("staff_id", "quiz_id")
            .distinct()
        ):
            passed.setdefault(staff_id, set()).add(quiz_id)
    return {
        (staff_id, course_id)
        for staff_id in staff_ids
        for course_id in course_ids
        if quizzes_of.get(course_id, set()) <= passed.get(staff_id, set())
    }


# --- attempts ----------------------------------------------------------------------


class Refusal(enum.Enum):
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    COOLDOWN = "cooldown"


@dataclass(frozen=True)
class QuizAvailability:
    """A learner's standing at a quiz: their attempts (newest first), the one
    in progress, how many are left, and why a new one cannot start now."""

    attempts: list[Attempt]
    in_progress: Attempt | None
    attempts_used: int
    attempts_left: int
    next_number: int
    refusal: Refusal | None
    next_start_at: dt.datetime | None

    @property
    def can_start(self) -> bool:
        return self.in_progress is None and self.refusal is None

    @property
    def has_passed(self) -> bool:
        return any(a.passed for a in self.attempts)


def quiz_availability(*, staff, quiz: QuizPage, now: dt.datetime) -> QuizAvailability:
    """One query: the learner's attempts at `quiz` and what follows from them."""
    attempts = list(
        Attempt.objects.filter(staff=staff, quiz=quiz)
        .defer("questions")
        .order_by("-number")
    )
    in_progress = next((a for a in attempts if not a.is_finished), None)
    next_number = (attempts[0].number if attempts else 0) + 1
    ended = [a.submitted_at for a in attempts if a.submitted_at is not None]
    next_start_at = None
    if quiz.cooldown_minutes and ended:
        next_start_at = max(ended) + dt.timedelta(minutes=quiz.cooldown_minutes)
    refusal = None
    if quiz.open_at is not None and now < quiz.open_at:
        refusal = Refusal.NOT_OPEN
    elif quiz.close_at is not None and now >= quiz.close_at:
        refusal = Refusal.CLOSED
    elif next_number > quiz.max_attempts:
        refusal = Refusal.NO_ATTEMPTS_LEFT
    elif next_start_at is not None and now < next_start_at:
        refusal = Refusal.COOLDOWN
    return QuizAvailability(
        attempts=attempts,
        in_progress=in_progress,
        attempts_used=len(attempts),
        attempts_left=max(quiz.max_attempts - len(attempts), 0),
        next_number=next_number,
        refusal=refusal,
        next_start_at=next_start_at if refusal == Refusal.COOLDOWN else None,
    )


def attempt_get_for_learner(*, uuid, staff) -> Attempt:
    """The learner's own attempt by its public id (Attempt.DoesNotExist
    otherwise, which views turn into 404: another learner's attempt does not
    exist for them)."""
    return Attempt.objects.select_related("quiz").get(uuid=uuid, staff=staff)


def attempt_selections(attempt: Attempt) -> dict[str, list[int]]:
    """{question key: the choice ids saved} (one query)."""
    return dict(attempt.answers.values_list("question_key", "selected"))


def attempt_feedback_visible(
    *, attempt: Attempt, has_passed: bool, now: dt.datetime
) -> bool:
    """Whether the learner may see the answer key of an ended attempt, by the
    quiz's feedback policy (the score is always shown)."""
    if not attempt.is_finished:
        return False
    policy = attempt.quiz.feedback_policy
    if policy == QuizPage.FeedbackPolicy.AFTER_SUBMIT:
        return True
    if policy == QuizPage.FeedbackPolicy.AFTER_PASS:
        return has_passed
    if policy == QuizPage.FeedbackPolicy.AFTER_CLOSE:
        return attempt.quiz.close_at is not None and now >= attempt.quiz.close_at
    return False


@dataclass(frozen=True)
class ResultChoice:
    label: str
    text: str
    is_correct: bool
    chosen: bool
    feedback: str


@dataclass(frozen=True)
class ResultQuestion:
    number: int
    stem: str
    kind: str
    choices: list[ResultChoice]
    correct: bool | None
    points: Decimal | None
    max_points: Decimal
    explanation: str
    source: str
    source_unverified: bool
    answered: bool


def attempt_result_questions(attempt: Attempt) -> list[ResultQuestion]:
    """Each question of an ended attempt as shown, with the learner's answer,
    the answer key, explanation and source (one query). Only for a learner
    whose feedback is visible (`attempt_feedback_visible`)."""
    answers = {a.question_key: a for a in attempt.answers.all()}
    rows = []
    for number, question in enumerate(attempt.questions, start=1):
        answer = answers.get(question["key"])
        chosen = set(answer.selected if answer else ())
        rows.append(
            ResultQuestion(
                number=number,
                stem=question["stem"],
                kind=question["kind"],
                choices=[
                    ResultChoice(
                        label=c["label"],
                        text=c["text"],
                        is_correct=c["is_correct"],
                        chosen=c["id"] in chosen,
                        feedback=c["feedback"] if c["id"] in chosen else "",
                    )
                    for c in question["choices"]
                ],
                correct=answer.correct if answer else None,
                points=answer.points if answer else None,
                max_points=Decimal(question["points"]),
                explanation=question["explanation"],
                source=question["source"],
                source_unverified=question.get("source_unverified", False),
                answered=bool(chosen),
            )
        )
    return rows
