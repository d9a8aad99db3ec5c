"""Demo question bank: the 60 real questions shipped in quizzes/content,
imported through the same pipeline as `manage.py import_data questions`."""

from __future__ import annotations

from pathlib import Path

from core import demo
from core.imports.pipeline import run_import

QUESTION_BANK = Path(__file__).resolve().parent / "content" / "question_bank.csv"


@demo.step(30, "quizzes: question bank")
def load_question_bank(ctx: demo.DemoContext) -> None:
    report = run_import(
        "questions", QUESTION_BANK.read_bytes(), filename=QUESTION_BANK.name
    )
    if not report.ok:
        raise RuntimeError(report.as_text())
    ctx.log(f"    {report.summary()}")


# --- quizzes and attempts ------------------------------------------------------------

# Each real module gets a quiz drawn from its chapter of the bank:
# (course slug, category, fixed questions, random draws).
QUIZZES = [
    ("consumer-protection-law", "消费者权益保护法", 2, 8),
    ("financial-knowledge", "金融知识", 2, 4),
    ("credit-reporting", "征信业管理条例", 2, 6),
    ("complaint-handling", "投诉处理", 2, 3),
]
QUIZ_SLUG = "quiz"

# What demo staff do at each quiz, by their position in the roster: the share
# of questions answered right in each attempt (1 = perfect).
PLANS = [
    [1],  # a perfect first attempt
    [0.4, 0.8],  # failed, then passed
    [0.2, 0.4, 0.5],  # every attempt used, never passed
    [0.7],  # passed
    [0.5],  # failed once, may try again
    [],  # not taken
]
DEMO_STAFF = 18


def _ensure_quiz(course, category, fixed_count: int, draw_count: int) -> bool:
    from wagtail.models import Page

    from quizzes.models import Question, QuizDraw, QuizPage, QuizQuestion

    if QuizPage.objects.child_of(course).exists():
        return False  # never overwrite what trainers have edited
    fixed = list(
        Question.objects.filter(category=category, live=True, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:fixed_count]
    )
    quiz = QuizPage(
        title=f"单元测验：{course.title}",
        slug=QUIZ_SLUG,
        intro="<p>学完本模块各课后参加测验，60分及格；答题过程中请勿离开页面。</p>",
        pass_mark=60,
        time_limit_minutes=15,
        max_attempts=3,
        feedback_policy=QuizPage.FeedbackPolicy.AFTER_SUBMIT,
        live=False,
    )
    Page.objects.get(pk=course.pk).add_child(instance=quiz)
    for index, pk in enumerate(fixed):
        quiz.fixed_questions.add(QuizQuestion(question_id=pk, sort_order=index))
    quiz.draws.add(QuizDraw(category=category, count=draw_count, sort_order=0))
    quiz.save()
    quiz.save_revision().publish()
    return True


@demo.step(31, "quizzes: a quiz under each module")
def load_quizzes(ctx: demo.DemoContext) -> None:
    from quizzes.models import QuestionCategory
    from training.models import CoursePage

    for slug, category_name, fixed_count, draw_count in QUIZZES:
        course = CoursePage.objects.filter(slug=slug).first()
        category = QuestionCategory.objects.filter(name=category_name).first()
        if course is None or category is None:
            ctx.log(f"    ! {slug}: course or category missing")
            continue
        created = _ensure_quiz(course, category, fixed_count, draw_count)
        ctx.log(f"    {'+' if created else '='} {course.title}")


def _moments(index: int, attempts: int, now):
    """When a person's attempts happen: the previous month for even positions,
    the current month (never in the future) for odd ones, in order."""
    import datetime as dt

    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if index % 2 == 0:
        previous = (month_start - dt.timedelta(days=1)).replace(day=1)
        first = previous + dt.timedelta(days=2 + index % 20, hours=9, minutes=7 * index)
        step = dt.timedelta(days=1)
    else:
        first = max(
            now - dt.timedelta(days=attempts, hours=2 + index % 5),
            month_start + (now - month_start) / 4,
        )
        step = min(dt.timedelta(days=1), (now - first) / (attempts + 1))
    return [first + step * n for n in range(attempts)]


def _take(staff, quiz, share: float, at) -> None:
    import datetime as dt

    from quizzes.services import attempts

    attempt = attempts.attempt_start(staff=staff, quiz=quiz, now=at)
    questions = attempt.questions
    right_count = round(len(questions) * share)
    for position, question in enumerate(questions):
        choices = [c["id"] for c in question["choices"]]
        right = [c["id"] for c in question["choices"] if c["is_correct"]]
        wrong = [choice for choice in choices if choice not in right][:1]
        attempts.answer_save(
            attempt=attempt,
            question_key=question["key"],
            choice_ids=right if position < right_count else wrong,
            now=at + dt.timedelta(seconds=30 * (position + 1)),
        )
    if share < 0.5:
        attempts.integrity_event_record(
            attempt=attempt, kind="page_hidden", now=at + dt.timedelta(seconds=45)
        )
    attempts.attempt_submit(
        attempt=attempt, now=at + dt.timedelta(seconds=30 * len(questions) + 20)
    )


@demo.step(32, "quizzes: demo attempts")
def load_attempts(ctx: demo.DemoContext) -> None:
    """Attempts of demo staff through the real services, across the current and
    the previous month: passes, fails, perfect scores, attempts used up. Only
    on a database without attempts (so a second run changes nothing)."""
    from django.utils import timezone

    from org.models import StaffProfile
    from quizzes.models import Attempt, QuizPage

    if Attempt.objects.exists():
        ctx.log("    = attempts already there")
        return
    quizzes = list(QuizPage.objects.live().filter(slug=QUIZ_SLUG).order_by("path"))
    people = list(
        StaffProfile.objects.filter(is_active=True)
        .exclude(employee_no__startswith="demo-")
        .order_by("employee_no")[:DEMO_STAFF]
    )
    learner = StaffProfile.objects.filter(employee_no="demo-learner").first()
    now = timezone.now()
    plans = [(person, index) for index, person in enumerate(people)]
    for person, index in plans:
        for offset, quiz in enumerate(quizzes):
            shares = PLANS[(index + offset) % len(PLANS)]
            for share, at in zip(
                shares, _moments(index + offset, len(shares), now), strict=True
            ):
                _take(person, quiz, share, at)
    if learner is not None and quizzes:
        # The demo learner: a pass last month and a fail this month.
        _take(learner, quizzes[0], 0.9, _moments(0, 1, now)[0])
        if len(quizzes) > 1:
            _take(learner, quizzes[1], 0.3, _moments(1, 1, now)[0])
    ctx.log(f"    + {Attempt.objects.count()} attempts")
