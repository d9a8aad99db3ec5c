"""The attempt services: start, save, submit, close (DESIGN invariants 2–5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from quizzes.models import Attempt, AttemptAnswer, IntegrityEvent, Question, QuizDraw
from quizzes.services import attempts as services
from quizzes.signals import attempt_submitted
from tests.quizzes import factories
from tests.quizzes.attempt_kit import (
    Clock,
    questions,
    quiz_with,
    right_choice,
    wrong_choice,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals():
    heard = []

    def receiver(sender, attempt, **kwargs):
        heard.append(attempt.pk)

    attempt_submitted.connect(receiver, weak=False)
    yield heard
    attempt_submitted.disconnect(receiver)


def answer_all(attempt, *, right=True, now=None):
    for q in attempt.questions:
        services.answer_save(
            attempt=attempt,
            question_key=q["key"],
            choice_ids=[right_choice(q) if right else wrong_choice(q)],
            now=now,
        )


# --- start ---------------------------------------------------------------------


def test_start_freezes_the_questions_with_key_and_points(course, learner):
    quiz = quiz_with(course, 3, time_limit_minutes=20)
    before = timezone.now()
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    assert attempt.number == 1 and attempt.status == Attempt.Status.IN_PROGRESS
    assert [q["key"] for q in attempt.questions] == [
        f"q{item.question_id}" for item in quiz.fixed_questions.all()
    ]
    assert all(
        q["points"] == 1 and "is_correct" in q["choices"][0] for q in attempt.questions
    )
    assert attempt.max_score == 3 and attempt.pass_mark == quiz.pass_mark
    assert attempt.max_attempts == quiz.max_attempts
    assert before + dt.timedelta(minutes=20) <= attempt.deadline_at
    assert attempt.deadline_at <= timezone.now() + dt.timedelta(minutes=20)
    assert AttemptAnswer.objects.filter(attempt=attempt, saved_at=None).count() == 3


def test_start_resumes_the_attempt_in_progress(course, learner):
    quiz = quiz_with(course, 2)
    first = services.attempt_start(staff=learner, quiz=quiz)
    assert services.attempt_start(staff=learner, quiz=quiz).pk == first.pk
    assert Attempt.objects.count() == 1


def test_deadline_is_the_earlier_of_time_limit_and_close(course, learner):
    close_at = timezone.now() + dt.timedelta(minutes=5)
    quiz = quiz_with(course, 1, time_limit_minutes=30, close_at=close_at)
    assert services.attempt_start(staff=learner, quiz=quiz).deadline_at == close_at
    untimed = quiz_with(course, 1, slug="untimed")
    assert services.attempt_start(staff=learner, quiz=untimed).deadline_at is None


def test_draws_pick_from_category_and_difficulty_without_repeats(course, learner):
    easy, hard = factories.category("甲类"), factories.category("乙类")
    fixed = questions(1, category=easy)
    pool_a = questions(6, category=easy)
    hard_ones = [
        factories.question(category=hard, difficulty=Question.Difficulty.HARD)
        for _ in range(3)
    ]
    questions_other = [factories.question(category=hard) for _ in range(3)]
    quiz = factories.quiz(
        course=course,
        fixed=fixed,
        draws=[
            {"category": easy, "count": 4, "points": 2},
            {"category": hard, "difficulty": 3, "count": 5},
        ],
    )
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    ids = [q["question_id"] for q in attempt.questions]
    assert len(ids) == len(set(ids)) == 1 + 4 + 3  # the hard pool has only 3
    assert set(ids) >= {q.pk for q in hard_ones}
    assert not set(ids) & {q.pk for q in questions_other}
    assert set(ids) - {fixed[0].pk} - {q.pk for q in hard_ones} <= {
        q.pk for q in pool_a
    }
    points = {q["question_id"]: q["points"] for q in attempt.questions}
    assert points[fixed[0].pk] == 1
    assert attempt.max_score == 1 + 4 * 2 + 3
    assert QuizDraw.objects.count() == 2


def test_inactive_and_unpublished_questions_are_never_drawn(course, learner):
    category = factories.category()
    live = factories.question(category=category)
    factories.question(category=category, is_active=False)
    factories.question(category=category, publish=False)
    quiz = factories.quiz(course=course, draws=[{"category": category, "count": 5}])
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    assert [q["question_id"] for q in attempt.questions] == [live.pk]


def test_shuffling_keeps_true_false_order_and_relabels_choices(course, learner):
    tf = questions(1, kind=Question.Kind.TRUE_FALSE)
    singles = questions(12)
    quiz = factories.quiz(course=course, fixed=[*tf, *singles])
    orders = set()
    for staff_no in range(6):
        staff = factories_staff(learner, staff_no)
        attempt = services.attempt_start(staff=staff, quiz=quiz)
        for q in attempt.questions:
            assert [c["label"] for c in q["choices"]] == list(
                "ABC"[: len(q["choices"])]
            )
            if q["kind"] == "true_false":
                assert [c["text"] for c in q["choices"]] == ["正确", "错误"]
        orders.add(tuple(q["question_id"] for q in attempt.questions))
    assert len(orders) > 1  # 13! orders: six equal draws are (practically) impossible


def factories_staff(learner, n):
    from tests import factories as org_factories

    return org_factories.staff(
        department=learner.department, employee_no=f"S{n:03d}", name=f"员工{n}"
    )


def test_a_quiz_without_questions_refuses_to_start(course, learner):
    quiz = factories.quiz(course=course)
    with pytest.raises(services.AttemptError) as error:
        services.attempt_start(staff=learner, quiz=quiz)
    assert error.value.code == "no_questions"
    assert not Attempt.objects.exists()


def test_open_and_close_dates(course, learner):
    now = timezone.now()
    early = quiz_with(course, 1, open_at=now + dt.timedelta(hours=1))
    late = quiz_with(course, 1, slug="late", close_at=now - dt.timedelta(seconds=1))
    for quiz, code in ((early, "not_open"), (late, "closed")):
        with pytest.raises(services.AttemptError) as error:
            services.attempt_start(staff=learner, quiz=quiz)
        assert error.value.code == code
    assert not Attempt.objects.exists()


def test_max_attempts_is_never_exceeded(course, learner):
    quiz = quiz_with(course, 1, max_attempts=2)
    for _ in range(2):
        services.attempt_submit(
            attempt=services.attempt_start(staff=learner, quiz=quiz)
        )
    with pytest.raises(services.AttemptError) as error:
        services.attempt_start(staff=learner, quiz=quiz)
    assert error.value.code == "no_attempts_left"
    assert list(
        Attempt.objects.values_list("number", flat=True).order_by("number")
    ) == [
        1,
        2,
    ]


def test_cooldown_between_attempts(course, learner, monkeypatch):
    clock = Clock(monkeypatch)
    quiz = quiz_with(course, 1, cooldown_minutes=30)
    services.attempt_submit(attempt=services.attempt_start(staff=learner, quiz=quiz))
    clock.advance(minutes=29, seconds=59)
    with pytest.raises(services.AttemptError) as error:
        services.attempt_start(staff=learner, quiz=quiz)
    assert error.value.code == "cooldown"
    clock.advance(seconds=1)
    assert services.attempt_start(staff=learner, quiz=quiz).number == 2


def test_a_lost_start_race_resumes_the_winner(course, learner, monkeypatch):
    """The constraint, not Python, decides: simulate the other request winning
    between the check and the insert."""
    quiz = quiz_with(course, 1)
    real_draw = services.questions_draw
    winner = {}

    def draw_then_lose(quiz_page):
        drawn = real_draw(quiz_page)
        if not winner:
            monkeypatch.setattr(services, "questions_draw", real_draw)
            winner["attempt"] = services.attempt_start(staff=learner, quiz=quiz_page)
        return drawn

    monkeypatch.setattr(services, "questions_draw", draw_then_lose)
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    assert attempt.pk == winner["attempt"].pk
    assert Attempt.objects.count() == 1


def test_a_lost_race_for_the_last_attempt_is_refused_cleanly(
    course, learner, monkeypatch
):
    quiz = quiz_with(course, 1, max_attempts=1)
    real_draw = services.questions_draw

    def draw_then_lose(quiz_page):
        drawn = real_draw(quiz_page)
        monkeypatch.setattr(services, "questions_draw", real_draw)
        other = services.attempt_start(staff=learner, quiz=quiz_page)
        services.attempt_submit(attempt=other)
        return drawn

    monkeypatch.setattr(services, "questions_draw", draw_then_lose)
    with pytest.raises(services.AttemptError) as error:
        services.attempt_start(staff=learner, quiz=quiz)
    assert error.value.code == "no_attempts_left"
    assert Attempt.objects.count() == 1


# --- saving answers ------------------------------------------------------------


def test_save_accepts_only_this_questions_choices(course, learner):
    quiz = quiz_with(course, 2)
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    first, second = attempt.questions
    bad = [
        (first["key"], [right_choice(second)], "bad_choice"),  # another question's
        (first["key"], [999999], "bad_choice"),  # no such choice
        (first["key"], ["x"], "bad_choice"),
        (first["key"], [c["id"] for c in first["choices"][:2]], "one_choice"),
        ("q999999", [right_choice(first)], "unknown_question"),
    ]
    for key, choices, code in bad:
        with pytest.raises(services.AttemptError) as error:
            services.answer_save(attempt=attempt, question_key=key, choice_ids=choices)
        assert error.value.code == code
    assert not AttemptAnswer.objects.exclude(selected=[]).exists()


def test_a_stale_save_never_overwrites_a_newer_one(course, learner):
    attempt = services.attempt_start(staff=learner, quiz=quiz_with(course, 1))
    (q,) = attempt.questions
    assert services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[right_choice(q)], seq=200
    )
    assert not services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[wrong_choice(q)], seq=100
    )
    assert AttemptAnswer.objects.get().selected == [right_choice(q)]
    assert services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[], seq=300
    )
    assert AttemptAnswer.objects.get().selected == []


def test_deadline_edges(course, learner, monkeypatch, settings):
    settings.QUIZ_SAVE_GRACE_SECONDS = 15
    clock = Clock(monkeypatch)
    quiz = quiz_with(course, 3, time_limit_minutes=10)
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    q1, q2, q3 = attempt.questions
    clock.now = attempt.deadline_at - dt.timedelta(seconds=1)
    services.answer_save(
        attempt=attempt, question_key=q1["key"], choice_ids=[right_choice(q1)]
    )
    clock.now = attempt.deadline_at + dt.timedelta(seconds=15)  # within grace
    services.answer_save(
        attempt=attempt, question_key=q2["key"], choice_ids=[right_choice(q2)]
    )
    clock.now = attempt.deadline_at + dt.timedelta(seconds=16)  # after grace
    with pytest.raises(services.AttemptError) as error:
        services.answer_save(
            attempt=attempt, question_key=q3["key"], choice_ids=[right_choice(q3)]
        )
    assert error.value.code == "too_late"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.CLOSED
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.score == 2 and attempt.max_score == 3


def test_submit_within_grace_is_a_submission(course, learner, monkeypatch):
    clock = Clock(monkeypatch)
    attempt = services.attempt_start(
        staff=learner, quiz=quiz_with(course, 1, time_limit_minutes=5)
    )
    clock.now = attempt.deadline_at + dt.timedelta(seconds=10)
    done = services.attempt_submit(attempt=attempt)
    assert done.status == Attempt.Status.SUBMITTED and done.submitted_at == clock.now


def test_submit_after_grace_closes_at_the_deadline(course, learner, monkeypatch):
    clock = Clock(monkeypatch)
    attempt = services.attempt_start(
        staff=learner, quiz=quiz_with(course, 2, time_limit_minutes=5)
    )
    q = attempt.questions[0]
    services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[right_choice(q)]
    )
    clock.advance(minutes=6)
    done = services.attempt_submit(attempt=attempt)
    assert done.status == Attempt.Status.CLOSED
    assert done.submitted_at == attempt.deadline_at and done.score == 1


def test_quiz_closed_mid_attempt_ends_it_at_the_new_close(course, learner, monkeypatch):
    clock = Clock(monkeypatch)
    quiz = quiz_with(course, 2)
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    q1, q2 = attempt.questions
    services.answer_save(
        attempt=attempt, question_key=q1["key"], choice_ids=[right_choice(q1)]
    )
    quiz.close_at = clock.now + dt.timedelta(minutes=1)
    quiz.save()
    attempt.quiz = quiz
    clock.advance(minutes=2)
    with pytest.raises(services.AttemptError):
        services.answer_save(
            attempt=attempt, question_key=q2["key"], choice_ids=[right_choice(q2)]
        )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.CLOSED
    assert attempt.submitted_at == quiz.close_at and attempt.score == 1


# --- submitting ----------------------------------------------------------------


def test_submit_grades_on_the_server_once(
    course, learner, signals, django_capture_on_commit_callbacks
):
    quiz = quiz_with(course, 4, pass_mark=75)
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    answer_all(attempt)
    q = attempt.questions[0]
    services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[wrong_choice(q)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = services.attempt_submit(attempt=attempt)
    assert (done.score, done.max_score, done.percent, done.passed) == (
        Decimal(3),
        Decimal(4),
        Decimal("75.00"),
        True,
    )
    assert done.status == Attempt.Status.SUBMITTED
    answers = {a.question_key: a for a in done.answers.all()}
    assert answers[q["key"]].correct is False and answers[q["key"]].points == 0
    assert sum(a.points for a in answers.values()) == 3
    # a second submit, a stale tab, the closing task: nothing changes, no signal
    with django_capture_on_commit_callbacks(execute=True):
        stale = Attempt.objects.get(pk=attempt.pk)
        stale.status = Attempt.Status.IN_PROGRESS  # a tab loaded before the submit
        again = services.attempt_submit(attempt=stale)
        services.attempts_close_expired(now=timezone.now() + dt.timedelta(days=1))
    assert again.score == done.score and again.submitted_at == done.submitted_at
    assert signals == [attempt.pk]


def test_saves_after_submit_change_nothing(course, learner):
    attempt = services.attempt_start(staff=learner, quiz=quiz_with(course, 1))
    (q,) = attempt.questions
    services.answer_save(
        attempt=attempt, question_key=q["key"], choice_ids=[right_choice(q)]
    )
    services.attempt_submit(attempt=attempt)
    stale = Attempt.objects.get(pk=attempt.pk)
    for current in (stale, attempt):  # fresh row, and the caller's stale object
        with pytest.raises(services.AttemptError) as error:
            services.answer_save(
                attempt=current,
                question_key=q["key"],
                choice_ids=[wrong_choice(q)],
                seq=10**15,
            )
        assert error.value.code == "ended"
    answer = AttemptAnswer.objects.get()
    assert answer.selected == [right_choice(q)] and answer.correct is True


def test_snapshot_isolation_edit_and_delete_after_start(course, learner):
    quiz = quiz_with(course, 2)
    attempt = services.attempt_start(staff=learner, quiz=quiz)
    frozen = Attempt.objects.get(pk=attempt.pk).questions
    first, second = attempt.questions
    edited = Question.objects.get(pk=first["question_id"])
    edited.stem = "改过的题干"
    edited.save()
    for choice in edited.choices.all():  # the key moves to another choice
        choice.is_correct = not choice.is_correct if choice.sort_order < 2 else False
        choice.save()
    services.answer_save(
        attempt=attempt, question_key=first["key"], choice_ids=[right_choice(first)]
    )
    services.answer_save(
        attempt=attempt, question_key=second["key"], choice_ids=[right_choice(second)]
    )
    quiz.fixed_questions.all().delete()
    Question.objects.filter(pk=second["question_id"]).delete()
    done = services.attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
    assert done.questions == frozen
    assert done.score == 2 and done.passed
    answer = AttemptAnswer.objects.get(attempt=done, question_key=second["key"])
    assert answer.question_id is None and answer.correct is True


def test_client_fields_cannot_touch_scores(course, learner):
    """The services take only keys and choice ids: a tampered in-memory attempt
    (score, deadline) changes nothing that is stored."""
    attempt = services.attempt_start(staff=learner, quiz=quiz_with(course, 2))
    attempt.score = Decimal(100)
    attempt.pass_mark = 0
    done = services.attempt_submit(attempt=attempt)
    assert done.score == 0 and done.passed is False


def test_a_pass_completes_the_course(course, learner):
    from training.models import LessonPage
    from training.services import lesson_mark_studied

    quiz = quiz_with(course, 2)
    from training.services import assignment_create

    assignment = assignment_create(
        staff=learner, course=course, due_at=timezone.now() + dt.timedelta(days=30)
    )
    for lesson in LessonPage.objects.child_of(course):
        lesson_mark_studied(staff=learner, lesson=lesson)
    assignment.refresh_from_db()
    assert assignment.completed_at is None  # the quiz is not passed yet
    failed = services.attempt_start(staff=learner, quiz=quiz)
    answer_all(failed, right=False)
    services.attempt_submit(attempt=failed)
    assignment.refresh_from_db()
    assert assignment.completed_at is None
    passed = services.attempt_start(staff=learner, quiz=quiz)
    answer_all(passed)
    services.attempt_submit(attempt=passed)
    assignment.refresh_from_db()
    assert assignment.completed_at is not None


# --- closing -------------------------------------------------------------------


@override_settings(QUIZ_SAVE_GRACE_SECONDS=15)
def test_close_expired_closes_with_answers_saved_in_time(
    course, learner, other_learner, signals, django_capture_on_commit_callbacks
):
    timed = quiz_with(course, 2, time_limit_minutes=10)
    untimed = quiz_with(course, 2, slug="untimed")
    late = services.attempt_start(staff=learner, quiz=timed)
    q = late.questions[0]
    services.answer_save(
        attempt=late, question_key=q["key"], choice_ids=[right_choice(q)]
    )
    open_ended = services.attempt_start(staff=learner, quiz=untimed)
    fresh = services.attempt_start(staff=other_learner, quiz=timed)
    at_grace = late.deadline_at + dt.timedelta(seconds=15)
    assert services.attempts_close_expired(now=at_grace) == 0
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.attempts_close_expired(
            now=late.deadline_at + dt.timedelta(seconds=16)
        )
    assert closed == 1 + (
        fresh.deadline_at < late.deadline_at + dt.timedelta(seconds=1)
    )
    late.refresh_from_db()
    open_ended.refresh_from_db()
    assert late.status == Attempt.Status.CLOSED and late.score == 1
    assert late.submitted_at == late.deadline_at
    assert open_ended.status == Attempt.Status.IN_PROGRESS
    assert late.pk in signals and open_ended.pk not in signals


def test_close_expired_command(course, learner, monkeypatch):
    clock = Clock(monkeypatch)
    attempt = services.attempt_start(
        staff=learner, quiz=quiz_with(course, 1, time_limit_minutes=1)
    )
    clock.advance(minutes=5)
    call_command("close_expired_attempts", stdout=(out := _Out()))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.CLOSED
    assert "1" in out.text


def test_close_expired_task(course, learner, monkeypatch):
    from quizzes.tasks import close_expired_attempts

    clock = Clock(monkeypatch)
    attempt = services.attempt_start(
        staff=learner, quiz=quiz_with(course, 1, time_limit_minutes=1)
    )
    clock.advance(minutes=5)
    result = close_expired_attempts.enqueue()
    assert result.return_value == {"closed": 1}
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.CLOSED


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


# --- integrity events ----------------------------------------------------------


def test_integrity_events_are_recorded_while_in_progress_only(course, learner):
    attempt = services.attempt_start(staff=learner, quiz=quiz_with(course, 1))
    for kind in ("page_hidden", "window_blur", "paste", "bogus"):
        services.integrity_event_record(attempt=attempt, kind=kind, detail="x" * 500)
    assert list(IntegrityEvent.objects.values_list("kind", flat=True)) == [
        "page_hidden",
        "window_blur",
        "paste",
    ]
    assert {len(e.detail) for e in IntegrityEvent.objects.all()} == {200}
    done = services.attempt_submit(attempt=attempt)
    assert services.integrity_event_record(attempt=done, kind="paste") is None
    assert done.score == 0 and IntegrityEvent.objects.count() == 3


def test_integrity_events_are_capped(course, learner, monkeypatch):
    monkeypatch.setattr(services, "MAX_INTEGRITY_EVENTS", 3)
    attempt = services.attempt_start(staff=learner, quiz=quiz_with(course, 1))
    for _ in range(5):
        services.integrity_event_record(attempt=attempt, kind="paste")
    assert IntegrityEvent.objects.count() == 3
