"""import_staff_100k: rows/s of `import_data staff` on a generated 100,000-row file,
against a plain csv-reader + bulk_create of the same rows (the baseline), each in a
fresh process on a fresh copy of the same database.

    python bench/import_staff.py [--rows 100000] [--db sqlite|postgres]

Prints one JSON line per metric: {"metric", "value", "baseline", "ratio", "unit"}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = 300


def make_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "employee_no,name,department_code,position,hire_date,email,is_active\n"
        )
        positions = ["柜员", "客户经理", "大堂经理", "理财经理", "网点负责人"]
        for i in range(rows):
            out.write(
                f"{100000 + i},员工{i},D{i % DEPARTMENTS:04d},{positions[i % 5]},"
                f"20{10 + i % 15}-0{1 + i % 9}-1{i % 9},e{i}@bank.example,是\n"
            )


def child_env(database_url: str) -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    env["DATABASE_URL"] = database_url
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    env["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    return env


def prepare_template(database_url: str) -> None:
    env = child_env(database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    code = (
        "import django; django.setup()\n"
        "from org.models import Department\n"
        "root = Department.add_root(code='B', name='分行', kind='branch')\n"
        f"for i in range({DEPARTMENTS}):\n"
        "    root = Department.objects.get(pk=root.pk)\n"
        "    root.add_child(code=f'D{i:04d}', name=f'网点{i}', kind='outlet')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


CHILD = r"""
import json, resource, sys, time
import django
django.setup()
idle_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
mode, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
started = time.perf_counter()
if mode == "ours":
    from core.imports.pipeline import run_import
    report = run_import("staff", data, filename="staff.csv")
    assert report.ok, report.as_text()[:2000]
    rows = report.new
else:
    import csv, io
    from org.services import unusable_password
    from django.contrib.auth.models import User
    from django.db import transaction
    from org.models import Department, StaffProfile
    departments = dict(Department.objects.values_list("code", "id"))
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    next(reader)
    rows = 0
    with transaction.atomic():
        batch = []
        def flush(batch):
            users = [User(username=r[0], first_name=r[1], email=r[5],
                          password=unusable_password()) for r in batch]
            User.objects.bulk_create(users, batch_size=1000)
            StaffProfile.objects.bulk_create(
                [StaffProfile(user=u, employee_no=r[0], name=r[1],
                              department_id=departments[r[2]], position=r[3],
                              hire_date=r[4], is_active=True)
                 for u, r in zip(users, batch)], batch_size=1000)
        for row in reader:
            batch.append(row)
            rows += 1
            if len(batch) == 2000:
                flush(batch); batch = []
        if batch:
            flush(batch)
seconds = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = {"rows": rows, "seconds": seconds, "idle_kb": idle_kb, "peak_kb": peak_kb}
print(json.dumps(result))
"""


def run_child(mode: str, database_url: str, csv_path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(csv_path)],
        cwd=ROOT,
        env=child_env(database_url),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def sqlite_copies(work: Path):
    template = work / "template.sqlite3"
    prepare_template(f"sqlite:///{template}")

    def fresh(name: str) -> str:
        target = work / f"{name}.sqlite3"
        shutil.copy(template, target)
        return f"sqlite:///{target}"

    return fresh


def postgres_copies(base_url: str):
    import psycopg

    admin = base_url.rsplit("/", 1)[0] + "/postgres"
    template = "bench_import_template"

    def recreate(name: str, template_name: str | None = None):
        with psycopg.connect(
            admin.replace("postgres://", "postgresql://"), autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if template_name:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
            else:
                conn.execute(f'CREATE DATABASE "{name}"')

    recreate(template)
    prepare_template(f"{base_url.rsplit('/', 1)[0]}/{template}")

    def fresh(name: str) -> str:
        recreate(f"bench_import_{name}", template)
        return f"{base_url.rsplit('/', 1)[0]}/bench_import_{name}"

    return fresh


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        csv_path = work / "staff.csv"
        make_file(csv_path, args.rows)
        fresh = (
            sqlite_copies(work)
            if args.db == "sqlite"
            else postgres_copies(args.postgres_url)
        )
        # Alternate the two and keep each one's best run: on a shared machine the
        # load changes between runs, and the best run is the least disturbed.
        baselines, ourses = [], []
        for _round in range(args.repeat):
            baselines.append(run_child("baseline", fresh("baseline"), csv_path))
            ourses.append(run_child("ours", fresh("ours"), csv_path))
        baseline = min(baselines, key=lambda r: r["seconds"])
        ours = min(ourses, key=lambda r: r["seconds"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours_rate = ours["rows"] / ours["seconds"]
    base_rate = baseline["rows"] / baseline["seconds"]
    results = [
        {
            "metric": f"import_staff_{args.rows // 1000}k_{args.db}",
            "value": round(ours_rate, 1),
            "baseline": round(base_rate, 1),
            "ratio": round(ours_rate / base_rate, 3),
            "unit": "rows/s",
        },
        {
            "metric": f"import_staff_{args.rows // 1000}k_{args.db}_memory",
            "value": round((ours["peak_kb"] - ours["idle_kb"]) / 1024, 1),
            "baseline": round((baseline["peak_kb"] - baseline["idle_kb"]) / 1024, 1),
            "ratio": None,
            "unit": "MB over an idle Django process",
        },
    ]
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    return results


SMOKE_ARGS = ["--rows", "300", "--repeat", "1"]

if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"# took {time.perf_counter() - started:.0f} s", file=sys.stderr)
