"""bench/aws_calls.py's relay scenario runs: every request answers as expected, none scans (a subprocess: the
benchmark starts its own moto)."""

import json
import subprocess
import sys

from tests.support.lambda_events import REPO_ROOT


def test_relay_rows_of_the_aws_calls_benchmark(tmp_path):
    raw = tmp_path / "aws_calls.json"
    proc = subprocess.run([sys.executable, "bench/aws_calls.py", "--only", "relay", "--runs", "1", "--json",
                           str(raw)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = json.loads(raw.read_text())["rows"]
    assert len(rows) >= 20
    assert [row["request"] for row in rows if row["error"]] == []
    assert all(row["scans"] == 0 for row in rows)
    login = next(row for row in rows if row["request"] == "POST /api/auth/login")
    assert all(run["aws_calls"] <= 3 for run in login["runs"]), "a warm login: settings, username, user"
    keys = next(row for row in rows if row["request"] == "GET /api/api-keys")
    assert "dynamodb.Scan" not in [op for run in keys["runs"] for op in run["operations"]]
