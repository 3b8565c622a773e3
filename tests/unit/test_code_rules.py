"""Static rules over the code that ships: no DynamoDB Scan, thin handlers, services share only the layer."""

import ast
from pathlib import Path

import pytest

from tests.support.lambda_events import REPO_ROOT

SERVICES = ["ccjk", "kook", "relay", "classworks", "certctrl"]
SHIPPED = [REPO_ROOT / "functions", REPO_ROOT / "layers" / "common"]


def python_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def scan_calls(source: str) -> list[int]:
    """Lines that call a DynamoDB Scan in any spelling: client.scan(...), Model.scan(...), paginator("scan"),
    "Scan" as an operation name, or a PartiQL SELECT (which scans without a key condition)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("scan", "parallel_scan"):
                lines.append(node.lineno)
            if isinstance(func, ast.Attribute) and func.attr in ("get_paginator", "execute_statement"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and (
                            arg.value.lower() == "scan" or arg.value.strip().upper().startswith("SELECT")):
                        lines.append(node.lineno)
        if isinstance(node, ast.Constant) and node.value in ("Scan", "dynamodb:Scan"):
            lines.append(node.lineno)
    return lines


def test_the_scan_detector_has_teeth():
    source = (
        "table.scan()\nItem.scan(limit=1)\nc.get_paginator('scan')\nc.execute_statement('SELECT * FROM t')\n"
        "op = 'Scan'\nc.query(KeyConditionExpression='pk = :p')\n"
    )
    assert scan_calls(source) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("path", python_files(*SHIPPED), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_dynamodb_scan_in_shipped_code(path):
    assert scan_calls(path.read_text(encoding="utf-8")) == [], f"{path}: DynamoDB Scan is not allowed"


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("service", SERVICES)
def test_services_import_only_themselves_and_the_layer(service):
    others = set(SERVICES) - {service}
    for path in python_files(REPO_ROOT / "functions" / service):
        crossing = {m for m in imported_modules(path) if m.split(".")[0] in others | {"devstack", "tests"}}
        assert not crossing, f"{path} imports {crossing}"


def test_the_layer_knows_no_service():
    for path in python_files(REPO_ROOT / "layers" / "common"):
        crossing = {m for m in imported_modules(path) if m.split(".")[0] in set(SERVICES) | {"devstack", "tests"}}
        assert not crossing, f"{path} imports {crossing}"
