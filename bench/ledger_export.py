"""ledger_export_1m: `export_data ledger` of 1,000,000 entries to CSV against a
raw database cursor writing the same columns to a CSV file, same database,
same run; and the export's peak memory over an idle Django process.

    python bench/ledger_export.py [--rows 1000000] [--db sqlite|postgres]

Goal (issue 6): ratio >= 0.5, memory growth <= 100 MB (streamed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import Stack  # noqa: E402

GENERATE = r"""
import datetime as dt, random
from decimal import Decimal
from django.contrib.auth.models import User
from django.utils import timezone
from bench import datagen
from incentives.models import IncentiveRule, LedgerEntry, RuleVersion
rng = random.Random(11)
departments = datagen._departments(30)
staff = datagen._staff(STAFF, departments, rng)
hr = User.objects.create(username="bench-hr", first_name="人事")
rule = IncentiveRule.objects.create(name="首次通过", code="quiz-first-pass")
version = RuleVersion.objects.create(
    rule=rule, number=1, trigger="quiz_passed_first_attempt", kind="reward",
    points=5, amount=Decimal("50.00"), active_from=dt.date(2026, 1, 1))
reviewed = timezone.now()
EVIL = '=HYPERLINK("http://x")'
batch = []
for n in range(ROWS):
    approved = n % 3 != 0
    batch.append(LedgerEntry(
        staff_id=staff[n % len(staff)], rule_version=version, kind="reward",
        points=5, amount=Decimal("50.00"), period=f"2026-{1 + n % 12:02d}",
        posting_key=f"bench:{n}",
        reason=EVIL if n % 1000 == 0 else f"首次通过测验《新消法》第{n}次",
        status="approved" if approved else "pending",
        reviewed_by=hr if approved else None,
        reviewed_at=reviewed if approved else None))
    if len(batch) == 10000:
        LedgerEntry.objects.bulk_create(batch, batch_size=2000)
        batch = []
LedgerEntry.objects.bulk_create(batch, batch_size=2000)
print(LedgerEntry.objects.count())
"""

MEASURE = r"""
import csv, json, resource, time
idle_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = OUTPUT
started = time.perf_counter()
if MODE == "ours":
    from django.core.management import call_command
    call_command("export_data", "ledger", "-o", out, "--format", "csv")
else:
    from django.db import connection
    sql = '''
        SELECT e.id, e.period, s.employee_no, s.name, d.name, e.kind, e.points,
               e.amount, r.code, e.reason, e.status, u.username, e.reviewed_at
        FROM incentives_ledgerentry e
        JOIN org_staffprofile s ON s.id = e.staff_id
        JOIN org_department d ON d.id = s.department_id
        LEFT JOIN incentives_ruleversion v ON v.id = e.rule_version_id
        LEFT JOIN incentives_incentiverule r ON r.id = v.rule_id
        LEFT JOIN auth_user u ON u.id = e.reviewed_by_id
        ORDER BY e.id'''
    with open(out, "w", encoding="utf-8", newline="") as handle, \
            connection.chunked_cursor() as cursor:
        handle.write("\ufeff")
        writer = csv.writer(handle)
        writer.writerow(["id", "period", "employee_no", "name", "department", "kind",
                         "points", "amount", "rule", "reason", "status",
                         "reviewed_by", "reviewed_at"])
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(2000)
            if not rows:
                break
            writer.writerows(rows)
seconds = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
lines = sum(1 for _ in open(out, encoding="utf-8")) - 1
print(json.dumps({"seconds": seconds, "idle_kb": idle_kb, "peak_kb": peak_kb,
                  "rows": lines}))
"""


def measure(stack: Stack, mode: str) -> dict:
    output = stack.workdir / f"{mode}.csv"
    code = MEASURE.replace("MODE", repr(mode)).replace("OUTPUT", repr(str(output)))
    result = json.loads(stack.python(code).strip().splitlines()[-1])
    output.unlink()
    return result


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    with Stack(database=args.db, label="bench_ledger") as stack:
        stack.python(
            GENERATE.replace("STAFF", str(args.staff)).replace("ROWS", str(args.rows))
        )
        best: dict[str, dict] = {}
        for _ in range(args.repeat):  # alternate, keep the best of each
            for mode in ("baseline", "ours"):
                result = measure(stack, mode)
                assert result["rows"] == args.rows, result
                if mode not in best or result["seconds"] < best[mode]["seconds"]:
                    best[mode] = result
    ours = args.rows / best["ours"]["seconds"]
    baseline = args.rows / best["baseline"]["seconds"]
    label = f"ledger_export_{args.rows // 1000}k_{args.db}"
    if args.rows >= 1_000_000:
        label = f"ledger_export_{args.rows // 1_000_000}m_{args.db}"
    growth = (best["ours"]["peak_kb"] - best["ours"]["idle_kb"]) / 1024
    baseline_growth = (best["baseline"]["peak_kb"] - best["baseline"]["idle_kb"]) / 1024
    results = [
        {
            "metric": label,
            "value": round(ours, 1),
            "baseline": round(baseline, 1),
            "ratio": round(ours / baseline, 3),
            "unit": "rows/s",
        },
        {
            "metric": f"{label}_memory",
            "value": round(growth, 1),
            "baseline": round(baseline_growth, 1),
            "ratio": None,
            "unit": "MB over an idle Django process (goal <= 100)",
        },
    ]
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    return results


SMOKE_ARGS = ["--rows", "300", "--staff", "20", "--repeat", "1"]

if __name__ == "__main__":
    main()
