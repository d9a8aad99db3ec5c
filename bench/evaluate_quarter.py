"""evaluate_quarter: `evaluate_incentives` for a quarter at the default scale
(10,000 staff, 200,000 attempts, 20,000 complaints, the assignments of ten
mandatory courses; bench/datagen.py) against one pass that only reads that
quarter's attempts, assignments and complaints into Python, same database,
same run. Also reports the evaluation's query count.

    python bench/evaluate_quarter.py [--factor 1.0] [--db postgres|sqlite] [--profile]

--profile runs the first evaluation under cProfile and prints its top 40
entries by cumulative time (to stderr of this process).

Goal (issue 6): at most 3x the reading pass; queries independent of staff.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import Stack  # noqa: E402

GENERATE = r"""
import datetime as dt, json
from decimal import Decimal
from bench.datagen import Scale, generate
from incentives.services.rules import rule_create
scale = Scale.tiny() if TINY else Scale.default().times(FACTOR)
counts = generate(scale, day=dt.date(2026, 8, 15))
rules = [
    ("quiz_passed_first_attempt", "reward", 5, "50.00"),
    ("quiz_perfect_score", "reward", 10, "100.00"),
    ("quiz_failed_all_attempts", "penalty", -5, "0"),
    ("course_completed_on_time", "reward", 2, "0"),
    ("course_overdue_at_period_end", "penalty", -2, "0"),
    ("complaint_upheld_at_fault", "penalty", -20, "-200.00"),
    ("complaint_resolved_on_time_satisfied", "reward", 3, "30.00"),
    ("complaint_overdue", "penalty", -3, "-30.00"),
    ("remediation_completed_on_time", "reward", 5, "0"),
]
for trigger, kind, points, amount in rules:
    rule_create(name=trigger, code=trigger.replace("_", "-"), trigger=trigger,
                kind=kind, active_from=dt.date(2026, 1, 1), points=abs(points),
                amount=abs(Decimal(amount)))
print(json.dumps(counts))
"""

MEASURE = r"""
import json, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from bench.datagen import quarter_bounds
import datetime as dt
start, end, period = quarter_bounds(dt.date(2026, 8, 15))
began = time.perf_counter()
with CaptureQueriesContext(connection) as queries:
    if MODE == "ours":
        from incentives.services.evaluation import evaluate_period
        if PROFILE:
            import cProfile, io, pstats, sys
            profiler = cProfile.Profile()
            result = profiler.runcall(evaluate_period, period)
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            sys.stderr.write(out.getvalue())
        else:
            result = evaluate_period(period)
        rows = getattr(result, "created", None)
    else:
        from incentives.models import Complaint
        from quizzes.models import Attempt
        from training.models import Assignment
        attempts = list(Attempt.objects.filter(
            submitted_at__gte=start, submitted_at__lt=end).values_list(
            "id", "staff_id", "quiz_id", "number", "max_attempts", "percent",
            "passed", "score", "max_score", "submitted_at"))
        assignments = list(Assignment.objects.filter(
            due_at__gte=start, due_at__lt=end).values_list(
            "id", "staff_id", "course_id", "due_at", "completed_at"))
        complaints = list(Complaint.objects.filter(
            received_at__lt=end).exclude(resolved_at__lt=start).values_list(
            "id", "responsible_staff_id", "handler_id", "received_at", "resolved_at",
            "deadline_at", "outcome", "staff_at_fault", "customer_satisfied",
            "category", "topic"))
        rows = len(attempts) + len(assignments) + len(complaints)
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "queries": len(queries), "rows": rows}))
"""


def measure(stack: Stack, mode: str, profile: bool = False) -> dict:
    code = MEASURE.replace("MODE", repr(mode)).replace("PROFILE", str(profile))
    if not profile:
        return json.loads(stack.python(code).strip().splitlines()[-1])
    # The profile goes to the child's stderr, which Stack.python captures.
    import subprocess

    from server import PYTHON, ROOT

    result = subprocess.run(
        [PYTHON, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(result.stderr, file=sys.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factor", type=float, default=1.0)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    with Stack(database=args.db, label="bench_evaluate") as stack:
        counts = json.loads(
            stack.python(
                GENERATE.replace("TINY", str(args.tiny)).replace(
                    "FACTOR", str(args.factor)
                )
            )
            .strip()
            .splitlines()[-1]
        )
        measure(stack, "baseline")  # warm the database's caches
        baseline = measure(stack, "baseline")
        ours = measure(stack, "ours", profile=args.profile)
        again = measure(stack, "ours")  # idempotent: nothing new to post
    label = f"evaluate_quarter_{counts['staff']}_staff_{args.db}"
    results = [
        {
            "metric": label,
            "value": round(ours["seconds"], 2),
            "baseline": round(baseline["seconds"], 2),
            "ratio": round(ours["seconds"] / baseline["seconds"], 2),
            "unit": "s (goal: ratio <= 3; baseline reads the quarter into Python)",
        },
        {
            "metric": f"{label}_rerun",
            "value": round(again["seconds"], 2),
            "baseline": round(baseline["seconds"], 2),
            "ratio": round(again["seconds"] / baseline["seconds"], 2),
            "unit": "s (second run of the same period: posts nothing)",
        },
        {
            "metric": f"{label}_queries",
            "value": ours["queries"],
            "baseline": baseline["queries"],
            "ratio": None,
            "unit": "SQL queries (independent of the staff count)",
        },
    ]
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    return results


SMOKE_ARGS = ["--tiny", "--db", "sqlite"]

if __name__ == "__main__":
    main()
