"""Each benchmark script runs end to end at a tiny scale (the real runs are
`make bench`; their figures are never asserted here)."""

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

KEYS = {"metric", "value", "baseline", "ratio", "unit"}


@pytest.mark.parametrize(
    "name", ["import_staff", "pages", "evaluate_quarter", "ledger_export", "exam_burst"]
)
def test_benchmark_script_smoke(name, tmp_path):
    import run

    output = tmp_path / "results.json"
    results = run.main(["--only", name, "--smoke", "--output", str(output)])
    assert results and all(set(r) == KEYS for r in results)
    rates = [r for r in results if r["ratio"] is not None]
    assert rates and all(r["value"] > 0 and r["baseline"] > 0 for r in rates)
    assert json.loads(output.read_text()) == results
