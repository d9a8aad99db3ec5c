"""quiz_submit: requests/s of the real submit of a 20-question attempt (grading,
answer updates, the conditional end, the signal) under gunicorn (2 workers,
production settings), against a plain view on the same server and database that
inserts one attempt and twenty answer rows, both driven by the same client with
8 connections in the same run.

Each submit needs its own attempt in progress with its answers saved: the
script starts one attempt through the service, then writes consistent copies of
it (same snapshot, twenty saved answers) for many staff, each logged in by a
server-side session.

    python bench/quiz_submit.py [--attempts 1500] [--seconds 10]
                                [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from httpclient import run_clients  # noqa: E402
from server import HOST, Stack  # noqa: E402

QUESTIONS = 20
CONNECTIONS = 8

GENERATE = r"""
import datetime as dt, json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page
from org.models import Department, StaffProfile
from org.services import staff_create_many
from quizzes import services as bank
from quizzes.models import (
    Attempt, AttemptAnswer, QuestionCategory, QuizPage, QuizQuestion)
from quizzes.services import attempts
from training import services as training

home = training.training_home_ensure()
from training.models import CoursePage
course = CoursePage(title="基准测试课程", slug="bench-quiz-course", topic="other",
                    summary="", mandatory=False, due_days=30, estimated_minutes=30,
                    live=False)
home.add_child(instance=course)
course.save_revision().publish()
category, _ = QuestionCategory.objects.get_or_create(name="基准测试")
questions = [
    bank.question_create(
        category=category, kind="multiple" if n % 4 == 0 else "single",
        stem=f"基准测试第{n}题：下列说法正确的是（ ）。",
        choices=[bank.ChoiceInput(f"选项{c}", c == 0 or (n % 4 == 0 and c == 1))
                 for c in range(4)],
        explanation="解析", source="消费者权益保护法第八条")
    for n in range(QUESTIONS)
]

def quiz(slug):
    page = QuizPage(title=slug, slug=slug, max_attempts=100, time_limit_minutes=0,
                    live=False)
    Page.objects.get(pk=course.pk).add_child(instance=page)
    for i, q in enumerate(questions):
        page.fixed_questions.add(QuizQuestion(question=q, sort_order=i))
    page.save()
    page.save_revision().publish()
    return QuizPage.objects.get(pk=page.pk)

real, plain = quiz("bench-submit"), quiz("bench-plain")
department = Department.objects.filter(kind="outlet").first() or Department.add_root(
    code="BENCH", name="基准测试网点", kind="outlet")
profiles = [
    StaffProfile(employee_no=f"Q{n:06d}", name=f"测试{n}", department=department,
                 position="柜员", is_active=True)
    for n in range(ATTEMPTS + CONNECTIONS)
]
staff_create_many(profiles)
staff = list(
    StaffProfile.objects.filter(employee_no__startswith="Q")
    .select_related("user").order_by("employee_no")
)

template = attempts.attempt_start(staff=staff[0], quiz=real)
for q in template.questions:
    right = [c["id"] for c in q["choices"] if c["is_correct"]]
    attempts.answer_save(attempt=template, question_key=q["key"], choice_ids=right)
answers = list(template.answers.all())
now = timezone.now()
with transaction.atomic():
    copies = Attempt.objects.bulk_create(
        Attempt(staff=person, quiz=real, number=1, max_attempts=100, started_at=now,
                pass_mark=template.pass_mark, questions=template.questions,
                max_score=template.max_score)
        for person in staff[1:ATTEMPTS]
    )
    AttemptAnswer.objects.bulk_create(
        AttemptAnswer(attempt=copy, question_key=a.question_key,
                      question_id=a.question_id, selected=a.selected,
                      saved_at=a.saved_at, seq=a.seq, max_points=a.max_points)
        for copy in copies for a in answers
    )

import time
def session(user):
    store = SessionStore()
    # A learner who submits has been autosaving, so their session was seen
    # within the minute and neither view rewrites it (core.middleware
    # IdleTimeoutMiddleware); ahead of now, because the setup takes a while.
    store["_last_seen"] = int(time.time()) + 600
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key

uuids = dict(Attempt.objects.filter(quiz=real).values_list("staff_id", "uuid"))
print(json.dumps({
    "submits": [[session(p.user), str(uuids[p.pk])] for p in staff[:ATTEMPTS]],
    "plain": [session(p.user) for p in staff[ATTEMPTS:]],
    "plain_quiz": plain.pk,
}))
"""


def drive(port: int, jobs: list[tuple[str, str]], seconds: float, shared: bool):
    """POST each (session, path) job with CONNECTIONS keep-alive connections
    until the jobs run out (shared) or `seconds` pass; returns requests/s.
    With shared=False each connection repeats its own job."""
    csrf = secrets.token_hex(16)
    lock, queue = threading.Lock(), list(reversed(jobs))
    counts, errors = [0] * CONNECTIONS, []
    deadline = time.monotonic() + seconds

    def next_job(index):
        if not shared:
            return jobs[index]
        with lock:
            return queue.pop() if queue else None

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            job = next_job(index)
            if job is None:
                break
            session, path = job
            conn.request(
                "POST",
                path,
                body=b"",
                headers={
                    "Host": HOST,
                    "X-Forwarded-Proto": "https",
                    "Origin": f"https://{HOST}",
                    "Referer": f"https://{HOST}{path}",
                    "Cookie": f"sessionid={session}; csrftoken={csrf}",
                    "X-CSRFToken": csrf,
                    "Content-Length": "0",
                },
            )
            response = conn.getresponse()
            response.read()
            if response.status not in (200, 302):
                errors.append(f"{response.status} {path}")
                break
            counts[index] += 1
        conn.close()

    seconds = run_clients(client, CONNECTIONS)
    if errors:
        raise SystemExit(f"errors: {errors[:3]}")
    return round(sum(counts) / seconds, 2), sum(counts)


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=1500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args(argv)
    with Stack(
        database=args.db, label="bench_quiz", env={"DJANGO_ROOT_URLCONF": "bench.urls"}
    ) as stack:
        code = (
            GENERATE.replace("ATTEMPTS", str(args.attempts))
            .replace("QUESTIONS", str(QUESTIONS))
            .replace("CONNECTIONS", str(CONNECTIONS))
        )
        data = json.loads(stack.python(code).strip().splitlines()[-1])
        port = stack.start_app(workers=2)
        plain_jobs = [
            (session, f"/bench/plain-submit/{data['plain_quiz']}")
            for session in data["plain"]
        ]
        submit_jobs = [
            (session, f"/quiz/attempt/{uuid}/submit/")
            for session, uuid in data["submits"]
        ]
        # Warm both paths (first requests load code and caches).
        drive(port, plain_jobs, 1, shared=False)
        _rate, warmed = drive(port, submit_jobs[:CONNECTIONS], 1, shared=True)
        plain, _ = drive(port, plain_jobs, args.seconds, shared=False)
        submit, done = drive(port, submit_jobs[CONNECTIONS:], args.seconds, shared=True)
        graded = stack.python(
            "from django.db.models import F\n"
            "from quizzes.models import Attempt\n"
            "print(Attempt.objects.filter(quiz__slug='bench-submit', "
            "status='submitted', score=F('max_score')).count())"
        ).strip()
        if int(graded) < done + warmed:
            raise SystemExit(f"{done} submits answered but {graded} attempts graded")
    suffix = "" if args.db == "sqlite" else "_pg"
    result = {
        "metric": f"quiz_submit{suffix}",
        "value": submit,
        "baseline": plain,
        "ratio": round(submit / plain, 3),
        "unit": "requests/s",
    }
    print(json.dumps(result, ensure_ascii=False))
    return [result]


SMOKE_ARGS = ["--attempts", "40", "--seconds", "1"]

if __name__ == "__main__":
    main()
