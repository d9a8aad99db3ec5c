"""evaluate_quarter: seconds and queries of `evaluate_period('YYYY-Qn')` for a
bank of --staff employees with 20 attempts and 2 complaints each (10,000 staff:
200,000 attempts, 20,000 complaints), every trigger having a rule, on a fresh
SQLite (or --db postgres) database. A run at a tenth of the size shows that the
number of queries does not depend on the staff count.

    python bench/evaluation.py [--staff 10000] [--db sqlite|postgres]

Prints one JSON line per size: {"metric", "staff", "seconds", "queries", "entries"}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import datetime as dt, json, sys, time
from decimal import Decimal
import django
django.setup()
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from incentives.models import Complaint, IncentiveRule, RuleVersion, TriggerKind
from incentives.services.evaluation import evaluate_period
from org.models import Department, StaffProfile
from quizzes.models import Attempt, QuizPage
from training.models import Assignment, CoursePage
from training.services import training_home_ensure
from wagtail.models import Page

staff_count = int(sys.argv[1])
tz = timezone.get_default_timezone()
root = Department.add_root(code="B", name="分行", kind="branch")
outlet = Department.objects.get(pk=root.pk).add_child(
    code="O", name="网点", kind="outlet"
)
home = training_home_ensure()
course = CoursePage(
    title="消保法", slug="law", topic="consumer_protection", mandatory=True
)
Page.objects.get(pk=home.pk).add_child(instance=course)
quizzes = []
for n in range(4):
    quiz = QuizPage(title=f"测验{n}", slug=f"quiz-{n}", max_attempts=5, pass_mark=60)
    Page.objects.get(pk=course.pk).add_child(instance=quiz)
    quizzes.append(quiz)
users = User.objects.bulk_create(
    [User(username=f"u{i}", password="!") for i in range(staff_count)], batch_size=2000
)
users = list(User.objects.filter(username__startswith="u").order_by("pk"))
staff = StaffProfile.objects.bulk_create(
    [StaffProfile(user=u, employee_no=f"E{i}", name=f"员工{i}", department=outlet)
     for i, u in enumerate(users)], batch_size=2000)
staff = list(StaffProfile.objects.order_by("pk"))
start = dt.datetime(2026, 7, 1, tzinfo=tz)
attempts, complaints, assignments = [], [], []
for i, person in enumerate(staff):
    for q, quiz in enumerate(quizzes):
        for number in range(1, 6):
            when = start + dt.timedelta(days=(i + q * 7 + number) % 88, hours=number)
            score = Decimal((i + number * 3 + q) % 11)
            attempts.append(Attempt(
                staff=person, quiz=quiz, number=number, max_attempts=5,
                status="submitted", started_at=when - dt.timedelta(minutes=5),
                submitted_at=when, pass_mark=60, score=score, max_score=Decimal(10),
                percent=score * 10, passed=score >= 6))
    for c in range(2):
        received = start + dt.timedelta(days=(i + c * 13) % 80)
        resolved = received + dt.timedelta(days=(i % 25) + 1)
        complaints.append(Complaint(
            reference_no=f"TS{i}-{c}", received_at=received, channel="phone",
            department=outlet, responsible_staff=person, handler=person,
            status="closed", resolved_at=resolved,
            deadline_at=received + dt.timedelta(days=15),
            outcome=["upheld", "not_upheld", "partly_upheld"][i % 3],
            staff_at_fault=i % 3 != 1, customer_satisfied=i % 2 == 0))
    due = start + dt.timedelta(days=i % 85)
    assignments.append(Assignment(
        staff=person, course=course, cycle=1, assigned_at=due - dt.timedelta(days=30),
        due_at=due, completed_at=due - dt.timedelta(days=1) if i % 4 else None))
Attempt.objects.bulk_create(attempts, batch_size=5000)
Complaint.objects.bulk_create(complaints, batch_size=5000)
Assignment.objects.bulk_create(assignments, batch_size=5000)
for trigger in TriggerKind.values:
    rule = IncentiveRule.objects.create(name=trigger, code=trigger)
    RuleVersion.objects.create(rule=rule, number=1, trigger=trigger, kind="reward",
                               points=1, amount=Decimal("1.00"),
                               active_from=dt.date(2026, 1, 1))
with CaptureQueriesContext(connection) as queries:
    began = time.perf_counter()
    result = evaluate_period("2026-Q3", now=dt.datetime(2026, 11, 1, tzinfo=tz))
    seconds = time.perf_counter() - began
sqls = [q["sql"] for q in queries.captured_queries]
inserts = sum('INTO "incentives_ledgerentry"' in sql for sql in sqls)
print(json.dumps({"metric": "evaluate_quarter", "staff": staff_count,
                  "attempts": len(attempts), "complaints": len(complaints),
                  "seconds": round(seconds, 2), "queries": len(sqls) - inserts,
                  "insert_batches": inserts, "entries": result.created,
                  "sql": [sql[:90] for sql in sqls if "INTO" not in sql]
                  if "--sql" in sys.argv else None}))
"""


def child_env(database_url: str) -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    env["DATABASE_URL"] = database_url
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    # CaptureQueriesContext counts queries without DEBUG's memory cost.
    env["DJANGO_DEBUG"] = "false"
    return env


def measure(staff: int, db: str, extra=()) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if db == "postgres":
            url = os.environ.get(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_eval"
            )
            name = url.rsplit("/", 1)[1]
            base = url.rsplit("/", 1)[0] + "/postgres"
            subprocess.run(["psql", base, "-qc", f'DROP DATABASE IF EXISTS "{name}"'])
            subprocess.run(
                ["psql", base, "-qc", f'CREATE DATABASE "{name}"'], check=True
            )
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        env = child_env(url)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(staff), *extra],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--sql", action="store_true", help="list the read queries")
    args = parser.parse_args(argv)
    sizes = [20, 100] if args.smoke else [max(1, args.staff // 10), args.staff]
    extra = ["--sql"] if args.sql else []
    results = [measure(size, args.db, extra) for size in sizes]
    for result in results:
        print(json.dumps(result))
    return results


if __name__ == "__main__":
    main()
