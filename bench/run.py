"""make bench: every metric of issue 6, each a ratio to a baseline measured in
the same run on the same machine. Prints a table and writes bench/results.json.

    python bench/run.py [--only NAME ...] [--smoke]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# module -> extra arguments of the full-size run (beyond the module's defaults)
SCRIPTS = {
    "import_staff": [],
    "import_staff_pg": ["--db", "postgres"],
    "pages": [],
    "evaluate_quarter": [],
    "ledger_export": [],
    "ledger_export_pg": ["--db", "postgres"],
    "exam_burst": [],
}
MODULE_OF = {"import_staff_pg": "import_staff", "ledger_export_pg": "ledger_export"}


def run(names: list[str], smoke: bool) -> list[dict]:
    results = []
    for name in names:
        module = importlib.import_module(MODULE_OF.get(name, name))
        args = list(SCRIPTS[name])
        if smoke:
            args += module.SMOKE_ARGS
        started = time.perf_counter()
        print(f"# {name} {' '.join(args)}", file=sys.stderr)
        results += module.main(args)
        print(f"#   took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return results


def table(results: list[dict]) -> str:
    lines = [f"{'metric':<34} {'value':>12} {'baseline':>12} {'ratio':>7}  unit"]
    for r in results:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.3f}"
        value, baseline = r["value"], r["baseline"]
        lines.append(
            f"{r['metric']:<34} {value:>12} {baseline:>12} {ratio:>7}  {r['unit']}"
        )
    return "\n".join(lines)


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", choices=list(SCRIPTS))
    parser.add_argument("--smoke", action="store_true", help="tiny scale, for tests")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    results = run(args.only or list(SCRIPTS), args.smoke)
    print(table(results))
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
