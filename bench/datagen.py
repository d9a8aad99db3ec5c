"""Synthetic data for the benchmarks, at a configurable scale.

Default scale (issue 6): 10,000 staff in 300 departments, 30 courses of 8
lessons (each with a quiz), 3,000 questions, 200,000 attempts and 20,000
complaints, plus the assignments of the mandatory courses. Rows are written
with bulk inserts (what a bank's history would look like, not how it was
made); pages go through Wagtail so that the tree is valid.

Run inside a configured Django process (bench/server.py's Stack.python):

    from bench.datagen import Scale, generate
    generate(Scale.default(), quarter_start=...)

or from the shell: DATABASE_URL=... python bench/datagen.py --scale tiny
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from dataclasses import dataclass, fields

BATCH = 5000


@dataclass(frozen=True)
class Scale:
    departments: int = 300
    staff: int = 10_000
    courses: int = 30
    lessons: int = 8
    mandatory_courses: int = 10
    questions: int = 3_000
    attempts: int = 200_000
    complaints: int = 20_000

    @classmethod
    def default(cls) -> Scale:
        return cls()

    @classmethod
    def tiny(cls) -> Scale:
        return cls(
            departments=6,
            staff=40,
            courses=2,
            lessons=2,
            mandatory_courses=1,
            questions=30,
            attempts=60,
            complaints=30,
        )

    def times(self, factor: float) -> Scale:
        kept = ("courses", "lessons", "mandatory_courses")
        return Scale(
            **{
                f.name: getattr(self, f.name)
                if f.name in kept
                else max(1, int(getattr(self, f.name) * factor))
                for f in fields(self)
            }
        )


def quarter_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime, str]:
    """The calendar quarter containing `day`: start, end (exclusive), 'YYYY-Qn'."""
    from django.utils import timezone

    quarter = (day.month - 1) // 3
    start = dt.date(day.year, quarter * 3 + 1, 1)
    end = (
        dt.date(day.year + 1, 1, 1)
        if quarter == 3
        else dt.date(day.year, quarter * 3 + 4, 1)
    )
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tz),
        dt.datetime.combine(end, dt.time.min, tz),
        f"{day.year}-Q{quarter + 1}",
    )


def generate(scale: Scale, *, day: dt.date | None = None, seed: int = 7) -> dict:
    """Fill an empty, migrated database. Returns counts and the quarter used."""
    from django.db import transaction

    rng = random.Random(seed)
    day = day or dt.date(2026, 8, 15)
    start, end, period = quarter_bounds(day)
    # Courses before staff: publishing a mandatory course assigns it to the
    # staff who exist, and the generator writes its own dated assignments.
    courses, quizzes = _courses(scale)
    with transaction.atomic():
        departments = _departments(scale.departments)
        staff = _staff(scale.staff, departments, rng)
    with transaction.atomic():
        questions = _questions(scale.questions, rng)
        _attach_questions(quizzes, questions)
        attempts = _attempts(scale.attempts, staff, quizzes, start, end, rng)
        assignments = _assignments(
            staff, courses[: scale.mandatory_courses], start, end, rng
        )
        complaints = _complaints(scale.complaints, staff, start, end, rng)
    return {
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "departments": len(departments),
        "staff": len(staff),
        "courses": len(courses),
        "questions": questions,
        "attempts": attempts,
        "assignments": assignments,
        "complaints": complaints,
    }


def _departments(count: int) -> list[int]:
    from org.models import Department

    root = Department.add_root(code="BENCH", name="基准分行", kind="branch")
    subs = max(1, count // 10)
    created = []
    for s in range(subs):
        root = Department.objects.get(pk=root.pk)
        sub = root.add_child(code=f"S{s:03d}", name=f"支行{s}", kind="sub_branch")
        created.append(sub)
    outlets = count - subs - 1
    for o in range(max(0, outlets)):
        parent = Department.objects.get(pk=created[o % subs].pk)
        parent.add_child(code=f"D{o:04d}", name=f"网点{o}", kind="outlet")
    return list(Department.objects.values_list("pk", flat=True))


def _staff(count: int, departments: list[int], rng) -> list[int]:
    from django.contrib.auth.models import User

    from org.models import StaffProfile
    from org.services import unusable_password

    positions = ["柜员", "客户经理", "大堂经理", "理财经理", "网点负责人"]
    password = unusable_password()
    for first in range(0, count, BATCH):
        numbers = range(first, min(count, first + BATCH))
        users = User.objects.bulk_create(
            [
                User(username=f"B{n:06d}", first_name=f"员工{n}", password=password)
                for n in numbers
            ],
            batch_size=1000,
        )
        StaffProfile.objects.bulk_create(
            [
                StaffProfile(
                    user=user,
                    employee_no=user.username,
                    name=user.first_name,
                    department_id=departments[n % len(departments)],
                    position=positions[n % len(positions)],
                    hire_date=dt.date(2015 + n % 10, 1 + n % 12, 1 + n % 28),
                )
                for n, user in zip(numbers, users, strict=True)
            ],
            batch_size=1000,
        )
    return list(StaffProfile.objects.order_by("pk").values_list("pk", flat=True))


def _courses(scale: Scale):
    from quizzes.models import QuizPage
    from training.models import CoursePage, LessonPage
    from training.services import training_home_ensure

    topics = ["consumer_protection", "financial_knowledge", "credit_reporting"]
    text = "消费者享有知悉其购买、使用的商品或者接受的服务的真实情况的权利。" * 4
    courses, quizzes = [], []
    for c in range(scale.courses):
        home = training_home_ensure()
        course = CoursePage(
            title=f"基准课程{c}",
            slug=f"bench-course-{c}",
            topic=topics[c % len(topics)],
            summary="基准测试课程",
            mandatory=c < scale.mandatory_courses,
            due_days=30,
            estimated_minutes=30,
        )
        home.add_child(instance=course)
        course.save_revision().publish()
        for n in range(scale.lessons):
            course = CoursePage.objects.get(pk=course.pk)
            lesson = LessonPage(title=f"第{n + 1}课", slug=f"lesson-{n}")
            lesson.body = [{"type": "paragraph", "value": f"<p>{text}</p>"}]
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
        course = CoursePage.objects.get(pk=course.pk)
        quiz = QuizPage(
            title=f"测验{c}",
            slug="quiz",
            pass_mark=60,
            max_attempts=3,
            counts_for_incentives=True,
        )
        course.add_child(instance=quiz)
        quiz.save_revision().publish()
        courses.append(course.pk)
        quizzes.append(quiz.pk)
    return courses, quizzes


def _questions(count: int, rng) -> int:
    from quizzes.models import Choice, Question, QuestionCategory

    categories = [
        QuestionCategory.objects.get_or_create(name=name)[0]
        for name in ("消费者权益保护法", "金融知识", "征信业管理条例")
    ]
    made = 0
    for first in range(0, count, BATCH):
        batch = [
            Question(
                category=categories[n % len(categories)],
                kind=Question.Kind.SINGLE,
                stem=f"基准题目{n}：金融消费者享有哪项权利？",
                explanation="依据消费者权益保护法第八条。",
                source="消费者权益保护法第八条",
                difficulty=1 + n % 3,
                live=True,
                stem_key=f"bench-{n}",
            )
            for n in range(first, min(count, first + BATCH))
        ]
        Question.objects.bulk_create(batch, batch_size=1000)
        Choice.objects.bulk_create(
            [
                Choice(question=q, text=text, is_correct=i == 0, sort_order=i)
                for q in batch
                for i, text in enumerate(("知情权", "无", "不确定", "以上都不是"))
            ],
            batch_size=2000,
        )
        made += len(batch)
    return made


def _attach_questions(quizzes: list[int], questions: int) -> None:
    from quizzes.models import Question, QuizQuestion

    ids = list(Question.objects.order_by("pk").values_list("pk", flat=True)[:200])
    QuizQuestion.objects.bulk_create(
        [
            QuizQuestion(
                page_id=quiz, question_id=ids[(q + i) % len(ids)], sort_order=i
            )
            for q, quiz in enumerate(quizzes)
            for i in range(min(16, len(ids)))
        ]
    )


def _attempts(count, staff, quizzes, start, end, rng) -> int:
    """Submitted attempts spread over the quarter: mostly one per learner and
    quiz, some second and third tries; passes, fails and perfect scores."""
    from decimal import Decimal

    from quizzes.models import Attempt

    span = (end - start).total_seconds() - 3600
    made = 0
    pair = 0
    pending = []
    if count > len(staff) * len(quizzes):
        raise ValueError("more attempts than learner-and-quiz pairs")
    while made < count:
        staff_id = staff[pair % len(staff)]
        quiz_id = quizzes[(pair // len(staff)) % len(quizzes)]
        tries = 1 + (pair % 7 == 0) + (pair % 21 == 0)
        for number in range(1, tries + 1):
            if made >= count:
                break
            started = start + dt.timedelta(seconds=rng.uniform(0, span))
            percent = Decimal(rng.choice([40, 55, 60, 75, 80, 90, 100]))
            pending.append(
                Attempt(
                    staff_id=staff_id,
                    quiz_id=quiz_id,
                    number=number,
                    max_attempts=3,
                    status=Attempt.Status.SUBMITTED,
                    started_at=started,
                    submitted_at=started + dt.timedelta(minutes=12),
                    pass_mark=60,
                    questions=[],
                    score=percent / 10,
                    max_score=Decimal(10),
                    percent=percent,
                    passed=percent >= 60,
                )
            )
            made += 1
        pair += 1
        if len(pending) >= BATCH:
            Attempt.objects.bulk_create(pending, batch_size=1000)
            pending = []
    Attempt.objects.bulk_create(pending, batch_size=1000)
    return made


def _assignments(staff, courses, start, end, rng) -> int:
    from training.models import Assignment

    made = 0
    pending = []
    for course in courses:
        for n, staff_id in enumerate(staff):
            assigned = start - dt.timedelta(days=20)
            due = start + dt.timedelta(days=10 + n % 60)
            done = None
            if n % 5:  # four in five finish, some late
                done = due + dt.timedelta(days=rng.choice([-9, -3, -1, 2, 5]))
            pending.append(
                Assignment(
                    staff_id=staff_id,
                    course_id=course,
                    cycle=1,
                    assigned_at=assigned,
                    due_at=due,
                    completed_at=done,
                )
            )
            if len(pending) >= BATCH:
                Assignment.objects.bulk_create(pending, batch_size=1000)
                made += len(pending)
                pending = []
    Assignment.objects.bulk_create(pending, batch_size=1000)
    return made + len(pending)


def _complaints(count, staff, start, end, rng) -> int:
    from incentives.models import Complaint
    from org.models import StaffProfile

    department_of = dict(StaffProfile.objects.values_list("pk", "department_id"))
    channels = [c for c, _ in Complaint.Channel.choices]
    topics = [t for t, _ in Complaint.Topic.choices]
    span = (end - start).total_seconds() - 86400 * 20
    made = 0
    pending = []
    for n in range(count):
        responsible = staff[rng.randrange(len(staff))]
        handler = staff[rng.randrange(len(staff))]
        received = start + dt.timedelta(seconds=rng.uniform(0, span))
        deadline = received + dt.timedelta(days=15)
        closed = n % 4 != 0
        outcome = (
            rng.choice(["upheld", "partly_upheld", "not_upheld"]) if closed else ""
        )
        resolved = (
            received + dt.timedelta(days=rng.choice([3, 9, 14, 18])) if closed else None
        )
        pending.append(
            Complaint(
                reference_no=f"BENCH-{n:07d}",
                received_at=received,
                channel=channels[n % len(channels)],
                category="服务态度" if n % 2 else "收费争议",
                department_id=department_of[responsible],
                responsible_staff_id=responsible,
                handler_id=handler,
                status="closed" if closed else "open",
                resolved_at=resolved,
                deadline_at=deadline,
                outcome=outcome,
                staff_at_fault=outcome == "upheld" and n % 3 == 0,
                customer_satisfied=closed and n % 5 != 0,
                topic=topics[n % len(topics)],
                summary="客户反映业务办理等待时间过长。",
            )
        )
        if len(pending) >= BATCH:
            Complaint.objects.bulk_create(pending, batch_size=1000)
            made += len(pending)
            pending = []
    Complaint.objects.bulk_create(pending, batch_size=1000)
    return made + len(pending)


def main(argv=None) -> None:
    import json
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["tiny", "default"], default="default")
    parser.add_argument("--factor", type=float, default=1.0)
    args = parser.parse_args(argv)
    import django

    django.setup()
    scale = Scale.tiny() if args.scale == "tiny" else Scale.default()
    if args.factor != 1.0:
        scale = scale.times(args.factor)
    print(json.dumps(generate(scale), ensure_ascii=False))


if __name__ == "__main__":
    main()
