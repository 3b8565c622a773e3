"""bench/aws_calls.py runs end to end for one service: every request answers, AWS calls are counted, none scans.

A subprocess: the benchmark sets each function's environment in its own process and starts its own moto, which
must not leak into this test session.
"""

import json
import subprocess
import sys

from tests.support.lambda_events import REPO_ROOT


def test_aws_calls_benchmark_counts_classworks_requests(tmp_path):
    raw = tmp_path / "aws_calls.json"
    proc = subprocess.run([sys.executable, "bench/aws_calls.py", "--only", "classworks", "--runs", "1",
                           "--json", str(raw)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SCAN" not in proc.stdout

    table = [line.split(" | ") for line in proc.stdout.splitlines() if line.startswith("classworks ")]
    assert len(table) >= 10
    counts = {cells[1].strip(): cells[2].strip() for cells in table}
    assert int(counts["POST /api/kv/{key}"]) > 0
    assert int(counts["GET /api/kv/{key}"]) > 0

    rows = json.loads(raw.read_text())["rows"]
    assert all(row["error"] is None for row in rows)
    assert all(row["scans"] == 0 for row in rows)
    calls = [op for row in rows for run in row["runs"] for op in run["operations"]]
    assert "dynamodb.Scan" not in calls
    assert sum(run["aws_calls"] for row in rows for run in row["runs"]) > 0
    kv_write = next(row for row in rows if row["request"] == "POST /api/kv/{key}")
    assert kv_write["runs"][0]["aws_calls"] > 0
    assert any(op.startswith("dynamodb.") for op in kv_write["runs"][0]["operations"])
