"""Reads for trainers' reports (per quiz: attempts, pass rates, score
distribution, item analysis, pass rates by department) and for the learner's
wrong-answer notebook.

Every report reads a constant number of queries whatever the number of
attempts: aggregates are computed by the database where SQL can (per-question
sums), and otherwise from one list of rows (percentages, for the median and
the deciles).

Which attempts count: every ended attempt (submitted, or closed at its
deadline) of the quiz, as Moodle's "all attempts" setting; attempts in
progress never count.

Item analysis (per question of the bank, across the answers of those
attempts):
- facility index: mean points earned / points available (0 = nobody, 1 =
  everybody);
- discrimination index: the Pearson correlation between the item score
  (points / maximum of that answer) and the rest-of-test score (the attempt's
  score without this item / its maximum without this item), i.e. Moodle's
  "discrimination index" (not the upper/lower 27 % method). Undefined (None)
  when either side does not vary or the quiz has a single question.
A question is flagged as dubious when its facility is below 0.2 (too hard, or
a wrong key) or above 0.95 (too easy), or its discrimination is below 0.2
(strong learners do no better on it than weak ones; negative is a strong hint
of a wrong answer key).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from org.models import Department
from quizzes.models import Attempt, AttemptAnswer, NotebookEntry, Question, QuizPage

FACILITY_LOW = 0.2
FACILITY_HIGH = 0.95
DISCRIMINATION_LOW = 0.2

FLAG_HARD = _("Very hard (facility below 0.2): check the answer key.")
FLAG_EASY = _("Very easy (facility above 0.95).")
FLAG_WEAK = _("Weak discrimination (below 0.2).")
FLAG_NEGATIVE = _("Negative discrimination: strong learners get it wrong more often.")


def _finished(quiz_id: int) -> QuerySet[Attempt]:
    return Attempt.objects.filter(quiz_id=quiz_id, status__in=Attempt.FINISHED)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- quizzes ----------------------------------------------------------------------


@dataclass(frozen=True)
class QuizRow:
    quiz: QuizPage
    attempts: int
    learners: int
    passed_attempts: int

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.passed_attempts, self.attempts)


def quiz_report_list() -> list[QuizRow]:
    """Every quiz with its counts of ended attempts, in one query."""
    finished = Q(attempts__status__in=Attempt.FINISHED)
    quizzes = (
        QuizPage.objects.annotate(
            n_attempts=Count("attempts", filter=finished),
            n_learners=Count("attempts__staff", filter=finished, distinct=True),
            n_passed=Count("attempts", filter=finished & Q(attempts__passed=True)),
        )
        .only("pk", "title", "live", "path", "depth")
        .order_by("path")
    )
    return [
        QuizRow(quiz, quiz.n_attempts, quiz.n_learners, quiz.n_passed)
        for quiz in quizzes
    ]


@dataclass(frozen=True)
class Bucket:
    lower: int
    upper: int
    count: int
    share: float  # of all attempts, 0–1, for the bar's width

    @property
    def label(self) -> str:
        return f"{self.lower}–{self.upper}%"

    @property
    def width(self) -> int:
        return round(self.share * 100)


@dataclass(frozen=True)
class QuizSummary:
    attempts: int
    learners: int
    passed_attempts: int
    learners_passed: int
    mean_percent: Decimal | None
    median_percent: Decimal | None
    distribution: list[Bucket] = field(default_factory=list)

    @property
    def pass_rate(self) -> float | None:
        """Share of attempts that passed."""
        return _rate(self.passed_attempts, self.attempts)

    @property
    def learner_pass_rate(self) -> float | None:
        """Share of learners who passed in any attempt."""
        return _rate(self.learners_passed, self.learners)


def deciles(percents: list[Decimal]) -> list[Bucket]:
    """Ten buckets 0–10 % … 90–100 %; a bucket holds its lower bound, the last
    also 100 %."""
    counts = [0] * 10
    for percent in percents:
        counts[min(int(percent // 10), 9)] += 1
    total = len(percents)
    return [
        Bucket(i * 10, i * 10 + 10, count, count / total if total else 0.0)
        for i, count in enumerate(counts)
    ]


def quiz_summary(*, quiz: QuizPage) -> QuizSummary:
    """Counts, pass rates, mean and median percentage and the decile
    distribution of the quiz's ended attempts (one query)."""
    rows = list(_finished(quiz.pk).values_list("staff_id", "passed", "percent"))
    percents = [percent for _, _, percent in rows]
    two = Decimal("0.01")
    return QuizSummary(
        attempts=len(rows),
        learners=len({staff for staff, _, _ in rows}),
        passed_attempts=sum(1 for _, passed, _ in rows if passed),
        learners_passed=len({staff for staff, passed, _ in rows if passed}),
        mean_percent=(
            (sum(percents, Decimal(0)) / len(percents)).quantize(two)
            if percents
            else None
        ),
        median_percent=(
            Decimal(statistics.median(percents)).quantize(two) if percents else None
        ),
        distribution=deciles(percents),
    )


# --- questions --------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionStat:
    question_id: int
    stem: str
    law_name: str
    answers: int
    facility: float | None
    discrimination: float | None

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.facility is not None and self.facility < FACILITY_LOW:
            flags.append(str(FLAG_HARD))
        if self.facility is not None and self.facility > FACILITY_HIGH:
            flags.append(str(FLAG_EASY))
        if self.discrimination is not None:
            if self.discrimination < 0:
                flags.append(str(FLAG_NEGATIVE))
            elif self.discrimination < DISCRIMINATION_LOW:
                flags.append(str(FLAG_WEAK))
        return flags

    @property
    def dubious(self) -> bool:
        return bool(self.flags)


def _pearson(n, sx, sy, sxy, sxx, syy) -> float | None:
    if not n or n < 2:
        return None
    covariance = n * sxy - sx * sy
    spread = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if spread <= 1e-12:
        return None
    return max(-1.0, min(1.0, covariance / math.sqrt(spread)))


def question_stats(*, quiz: QuizPage) -> list[QuestionStat]:
    """Facility and discrimination of each bank question the quiz's ended
    attempts showed, in the order of the bank (two queries)."""
    to_float = lambda expression: Cast(expression, FloatField())  # noqa: E731
    item = to_float(Coalesce("points", Value(Decimal(0)))) / NullIf(
        to_float("max_points"), Value(0.0)
    )
    rest = (
        to_float(F("attempt__score")) - to_float(Coalesce("points", Value(Decimal(0))))
    ) / NullIf(to_float(F("attempt__max_score")) - to_float("max_points"), Value(0.0))
    paired = Q(attempt__max_score__gt=F("max_points"))
    rows = (
        AttemptAnswer.objects.filter(
            attempt__quiz_id=quiz.pk,
            attempt__status__in=Attempt.FINISHED,
            question__isnull=False,
        )
        .values("question_id")
        .annotate(
            answers=Count("pk"),
            total_points=Sum(to_float(Coalesce("points", Value(Decimal(0))))),
            total_max=Sum(to_float("max_points")),
            n=Count("pk", filter=paired),
            sx=Sum(item, filter=paired),
            sy=Sum(rest, filter=paired),
            sxy=Sum(item * rest, filter=paired),
            sxx=Sum(item * item, filter=paired),
            syy=Sum(rest * rest, filter=paired),
        )
        .order_by("question_id")
    )
    rows = list(rows)
    questions = {
        pk: (stem, law)
        for pk, stem, law in Question.objects.filter(
            pk__in=[row["question_id"] for row in rows]
        ).values_list("pk", "stem", "law_name")
    }
    stats = []
    for row in rows:
        stem, law = questions.get(row["question_id"], ("", ""))
        stats.append(
            QuestionStat(
                question_id=row["question_id"],
                stem=" ".join(stem.split()),
                law_name=law,
                answers=row["answers"],
                facility=(
                    row["total_points"] / row["total_max"] if row["total_max"] else None
                ),
                discrimination=_pearson(
                    row["n"],
                    row["sx"] or 0.0,
                    row["sy"] or 0.0,
                    row["sxy"] or 0.0,
                    row["sxx"] or 0.0,
                    row["syy"] or 0.0,
                ),
            )
        )
    return stats


# --- departments ------------------------------------------------------------------


@dataclass
class DepartmentRow:
    department_id: int
    name: str
    code: str
    depth: int
    attempts: int = 0
    passed_attempts: int = 0
    learners: int = 0
    learners_passed: int = 0

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.learners_passed, self.learners)

    @property
    def indent(self) -> int:
        return (self.depth - 1) * 16


def department_pass_rates(*, quiz: QuizPage) -> list[DepartmentRow]:
    """Per department (the learner's department now), rolled up the tree: a
    branch or sub-branch counts everyone in its subtree. Only departments with
    attempts in their subtree are listed, in tree order. Pass rate: learners
    who passed in any attempt / learners who attempted (two queries)."""
    own = {
        row["staff__department_id"]: row
        for row in _finished(quiz.pk)
        .values("staff__department_id")
        .annotate(
            attempts=Count("pk"),
            passed_attempts=Count("pk", filter=Q(passed=True)),
            learners=Count("staff", distinct=True),
            learners_passed=Count("staff", distinct=True, filter=Q(passed=True)),
        )
        .order_by()
    }
    if not own:
        return []
    departments = list(
        Department.objects.order_by("path").values_list(
            "pk", "path", "name", "code", "depth"
        )
    )
    path_of = {pk: path for pk, path, *_ in departments}
    result = []
    for pk, path, name, code, depth in departments:
        row = DepartmentRow(pk, name, code, depth)
        for department_id, counts in own.items():
            if path_of.get(department_id, "").startswith(path):
                row.attempts += counts["attempts"]
                row.passed_attempts += counts["passed_attempts"]
                row.learners += counts["learners"]
                row.learners_passed += counts["learners_passed"]
        if row.attempts:
            result.append(row)
    return result


# --- exports ----------------------------------------------------------------------


def _percent(value: float | None):
    return None if value is None else round(value * 100, 1)


def _rounded(value: float | None):
    return None if value is None else round(value, 3)


def summary_rows(*, quiz: QuizPage):
    summary = quiz_summary(quiz=quiz)
    yield [str(_("Quiz")), quiz.title]
    yield [str(_("Attempts")), summary.attempts]
    yield [str(_("Learners")), summary.learners]
    yield [str(_("Pass rate of attempts (%)")), _percent(summary.pass_rate)]
    yield [str(_("Learners who passed (%)")), _percent(summary.learner_pass_rate)]
    yield [str(_("Mean (%)")), summary.mean_percent]
    yield [str(_("Median (%)")), summary.median_percent]
    for bucket in summary.distribution:
        yield [bucket.label, bucket.count]


def question_rows(*, quiz: QuizPage):
    yield [
        str(_("Question id")),
        str(_("Question")),
        str(_("Law")),
        str(_("Answers")),
        str(_("Facility index")),
        str(_("Discrimination index")),
        str(_("Flags")),
    ]
    for stat in question_stats(quiz=quiz):
        yield [
            stat.question_id,
            stat.stem,
            stat.law_name,
            stat.answers,
            _rounded(stat.facility),
            _rounded(stat.discrimination),
            " ".join(stat.flags),
        ]


def department_rows(*, quiz: QuizPage):
    yield [
        str(_("Department code")),
        str(_("Department")),
        str(_("Attempts")),
        str(_("Passed attempts")),
        str(_("Learners")),
        str(_("Learners who passed")),
        str(_("Pass rate (%)")),
    ]
    for row in department_pass_rates(quiz=quiz):
        yield [
            row.code,
            "　" * (row.depth - 1) + row.name,
            row.attempts,
            row.passed_attempts,
            row.learners,
            row.learners_passed,
            _percent(row.pass_rate),
        ]


REPORT_TABLES = {
    "summary": summary_rows,
    "questions": question_rows,
    "departments": department_rows,
}


# --- notebook ---------------------------------------------------------------------


@dataclass
class NotebookArticle:
    article_number: int | None
    entries: list


@dataclass
class NotebookLaw:
    law_name: str
    count: int
    articles: list[NotebookArticle]


def notebook_open_entries(*, staff_id: int, law_name: str | None = None):
    """The learner's open notebook entries with their question (one query)."""
    queryset = NotebookEntry.objects.filter(
        staff_id=staff_id, resolved_at__isnull=True
    ).select_related("question")
    if law_name is not None:
        queryset = queryset.filter(question__law_name=law_name)
    return queryset


def notebook_by_law(*, staff_id: int) -> list[NotebookLaw]:
    """Open entries grouped by law, then article (questions without a parsed
    law come last, under an empty name), in one query."""
    entries = notebook_open_entries(staff_id=staff_id).order_by(
        "question__law_name", "question__article_number", "-last_wrong_at", "pk"
    )
    laws: dict[str, dict[int | None, list]] = {}
    for entry in entries:
        question = entry.question
        laws.setdefault(question.law_name, {}).setdefault(
            question.article_number, []
        ).append(entry)
    ordered = sorted(laws.items(), key=lambda item: (item[0] == "", item[0]))
    return [
        NotebookLaw(
            law_name=law,
            count=sum(len(items) for items in articles.values()),
            articles=[
                NotebookArticle(article_number=number, entries=items)
                for number, items in sorted(
                    articles.items(), key=lambda item: (item[0] is None, item[0] or 0)
                )
            ],
        )
        for law, articles in ordered
    ]


def notebook_next_entry(*, staff_id: int, law_name: str | None = None):
    """The open entry to practise next: least practised, then most often wrong,
    then oldest; None when the notebook (or that law) is empty."""
    return (
        notebook_open_entries(staff_id=staff_id, law_name=law_name)
        .order_by("practice_count", "-wrong_count", "last_wrong_at", "pk")
        .first()
    )
