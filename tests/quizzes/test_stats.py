"""Trainer reports: summary, deciles, item analysis, departments rolled up,
the report screens (every role), query bounds, and the exports (a hostile
question stem stays inert)."""

from __future__ import annotations

import csv
import io
import statistics
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from quizzes import stats
from quizzes.models import Attempt
from tests import factories as org_factories
from tests.quizzes import factories
from tests.quizzes.attempt_factories import graded_attempt

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example","点击")'

# Which learners answer each of the four questions right: q1 separates the
# strong from the weak, q4 goes the other way (a wrong key would look so).
PATTERN = [
    (True, True, True, False),
    (True, True, False, False),
    (False, True, True, True),
    (False, False, True, True),
    (True, True, True, False),
]


@pytest.fixture
def questions():
    return [
        factories.question(stem=HYPERLINK),
        factories.question(),
        factories.question(),
        factories.question(source="个人信息保护法第十三条"),
    ]


@pytest.fixture
def quiz(course, questions):
    return factories.quiz(course=course, fixed=questions, pass_mark=60)


@pytest.fixture
def staff(bank):
    departments = [bank.o1, bank.o1, bank.o2, bank.o3, bank.o3]
    return [org_factories.staff(department=d) for d in departments]


@pytest.fixture
def attempts(quiz, questions, staff):
    return [
        graded_attempt(
            staff=person, quiz=quiz, answers=list(zip(questions, row, strict=True))
        )
        for person, row in zip(staff, PATTERN, strict=True)
    ]


def test_summary_counts_pass_rates_mean_median_and_deciles(
    quiz, questions, staff, attempts
):
    # One in-progress attempt never counts.
    graded_attempt(
        staff=staff[1],
        quiz=quiz,
        number=2,
        answers=[(q, True) for q in questions],
        status=Attempt.Status.IN_PROGRESS,
    )
    summary = stats.quiz_summary(quiz=quiz)
    # Percents: 75, 50, 75, 50, 75.
    assert (summary.attempts, summary.learners) == (5, 5)
    assert (summary.passed_attempts, summary.learners_passed) == (3, 3)
    assert summary.pass_rate == pytest.approx(0.6)
    assert summary.mean_percent == Decimal("65.00")
    assert summary.median_percent == Decimal("75.00")
    counts = {bucket.lower: bucket.count for bucket in summary.distribution}
    assert counts[50] == 2 and counts[70] == 3 and sum(counts.values()) == 5
    assert len(summary.distribution) == 10


def test_deciles_put_100_percent_in_the_last_bucket():
    buckets = stats.deciles([Decimal(100), Decimal(0), Decimal("9.99"), Decimal(10)])
    assert [b.count for b in buckets] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]


def test_facility_and_discrimination_match_a_direct_computation(
    quiz, questions, attempts
):
    found = {stat.question_id: stat for stat in stats.question_stats(quiz=quiz)}
    assert set(found) == {q.pk for q in questions}
    for index, question in enumerate(questions):
        items = [1.0 if row[index] else 0.0 for row in PATTERN]
        rests = [(sum(row) - (1 if row[index] else 0)) / 3 for row in PATTERN]
        stat = found[question.pk]
        assert stat.answers == 5
        assert stat.facility == pytest.approx(sum(items) / 5)
        assert stat.discrimination == pytest.approx(
            statistics.correlation(items, rests)
        )
    q4 = found[questions[3].pk]
    assert q4.discrimination < 0
    assert q4.dubious
    assert found[questions[1].pk].facility == pytest.approx(0.8)


def test_undefined_discrimination_when_everybody_agrees(course, bank):
    easy, other = factories.question(), factories.question()
    quiz = factories.quiz(course=course, fixed=[easy, other])
    for right in (True, False):
        graded_attempt(
            staff=org_factories.staff(department=bank.o1),
            quiz=quiz,
            answers=[(easy, True), (other, right)],
        )
    found = {s.question_id: s for s in stats.question_stats(quiz=quiz)}
    assert found[easy.pk].facility == 1.0
    assert found[easy.pk].discrimination is None
    assert "Very easy" in " ".join(found[easy.pk].flags)


def test_department_pass_rates_roll_up_the_tree(bank, quiz, attempts):
    rows = {row.code: row for row in stats.department_pass_rates(quiz=quiz)}
    # o1: 75 %, 50 %; o2: 75 %; o3: 50 %, 75 %.
    assert (rows["O1"].learners, rows["O1"].learners_passed) == (2, 1)
    assert (rows["S1"].learners, rows["S1"].learners_passed) == (3, 2)
    assert (rows["S2"].learners, rows["S2"].learners_passed) == (2, 1)
    assert (rows["B"].learners, rows["B"].learners_passed) == (5, 3)
    assert "HRD" not in rows
    assert list(rows)[0] == "B"


def test_learner_pass_rate_counts_a_learner_once(bank, quiz, questions):
    person = org_factories.staff(department=bank.o1)
    graded_attempt(staff=person, quiz=quiz, answers=[(q, False) for q in questions])
    graded_attempt(
        staff=person, quiz=quiz, number=2, answers=[(q, True) for q in questions]
    )
    summary = stats.quiz_summary(quiz=quiz)
    assert (summary.attempts, summary.passed_attempts) == (2, 1)
    assert summary.learner_pass_rate == 1.0
    (row,) = [r for r in stats.department_pass_rates(quiz=quiz) if r.code == "O1"]
    assert (row.attempts, row.learners, row.learners_passed) == (2, 1, 1)


# --- screens ------------------------------------------------------------------------


def report_urls(quiz):
    return {
        "index": reverse("quiz_reports:index"),
        "report": reverse("quiz_reports:report", args=[quiz.pk]),
        "csv": reverse("quiz_reports:export", args=[quiz.pk, "questions", "csv"]),
        "xlsx": reverse("quiz_reports:export", args=[quiz.pk, "departments", "xlsx"]),
    }


@pytest.mark.parametrize("role", ["anonymous", "learner", "manager"])
def test_reports_are_closed_to_people_without_admin_access(
    role_clients, quiz, attempts, role
):
    for name, url in report_urls(quiz).items():
        response = role_clients[role].get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


@pytest.mark.parametrize("role", ["trainer", "hr", "admin"])
def test_trainers_hr_and_admins_see_reports(role_clients, quiz, attempts, role):
    for name, url in report_urls(quiz).items():
        assert role_clients[role].get(url).status_code == 200, name
    home = role_clients[role].get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("quiz_reports:index") in home


def test_report_page_shows_the_figures(as_trainer, quiz, questions, attempts):
    html = as_trainer.get(reverse("quiz_reports:report", args=[quiz.pk])).content
    html = html.decode()
    assert 'data-stat="attempts">5<' in html
    assert 'data-stat="median">75.00%<' in html
    assert f'data-question="{questions[3].pk}" class="qr-dubious" data-dubious' in html
    assert 'data-department="B"' in html
    # The hostile stem is escaped in the page.
    assert HYPERLINK not in html


def test_unknown_quiz_table_or_format_is_404(as_trainer, quiz):
    assert (
        as_trainer.get(reverse("quiz_reports:report", args=[999999])).status_code == 404
    )
    bad = [
        reverse("quiz_reports:export", args=[quiz.pk, "secrets", "csv"]),
        reverse("quiz_reports:export", args=[quiz.pk, "questions", "pdf"]),
        reverse("quiz_reports:export", args=[999999, "questions", "csv"]),
    ]
    for url in bad:
        assert as_trainer.get(url).status_code == 404, url


@pytest.mark.parametrize("learners", [3, 30])
def test_report_queries_do_not_grow_with_attempts(
    as_trainer, bank, quiz, questions, learners, django_assert_max_num_queries
):
    for index in range(learners):
        graded_attempt(
            staff=org_factories.staff(
                department=[bank.o1, bank.o2, bank.o3][index % 3]
            ),
            quiz=quiz,
            answers=[(q, (index + n) % 3 != 0) for n, q in enumerate(questions)],
        )
    with django_assert_max_num_queries(25):
        response = as_trainer.get(reverse("quiz_reports:report", args=[quiz.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(15):
        assert as_trainer.get(reverse("quiz_reports:index")).status_code == 200


# --- exports ------------------------------------------------------------------------


def test_csv_export_neutralises_a_hostile_stem(as_trainer, quiz, questions, attempts):
    response = as_trainer.get(
        reverse("quiz_reports:export", args=[quiz.pk, "questions", "csv"])
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    stems = [row[1] for row in rows[1:]]
    assert "'" + HYPERLINK in stems
    assert HYPERLINK not in stems
    assert len(rows) == 1 + len(questions)


def test_xlsx_export_keeps_a_hostile_stem_as_text(as_trainer, quiz, attempts):
    response = as_trainer.get(
        reverse("quiz_reports:export", args=[quiz.pk, "questions", "xlsx"])
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    hostile = [cell for cell in cells if HYPERLINK in str(cell.value)]
    assert hostile and all(cell.data_type == "s" for cell in hostile)


def test_every_table_exports_in_both_formats(as_hr, quiz, attempts):
    for table in stats.REPORT_TABLES:
        for fmt in ("csv", "xlsx"):
            url = reverse("quiz_reports:export", args=[quiz.pk, table, fmt])
            response = as_hr.get(url)
            assert response.status_code == 200, (table, fmt)
            assert f"quiz-{quiz.pk}-{table}.{fmt}" in response["Content-Disposition"]


def test_exports_are_audited(as_trainer, quiz, attempts):
    from core.models import AuditEvent

    as_trainer.get(reverse("quiz_reports:export", args=[quiz.pk, "summary", "csv"]))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, target_type="quizzes.report.summary"
    ).exists()
