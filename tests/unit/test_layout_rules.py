"""The house rules (docs/ARCHITECTURE.md §4): every service has the same plan, and arrows only point down.

    handlers → routes → logic → store / providers → models / config / the layer

Each rule is checked on every service, and `test_the_rules_have_teeth` shows each one fires on a bad file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.lambda_events import REPO_ROOT

SERVICES = ["ccjk", "kook", "relay", "classworks", "certctrl"]
REQUIRED_MODULES = ["api.py", "config.py", "access.py", "clock.py", "ids.py"]
OPTIONAL_MODULES = ["errors.py", "seed.py", "__init__.py"]
FOLDERS = ["handlers", "routes", "models", "logic", "store", "providers"]

# Modules that call AWS (or are the way to): only store/ may import them (PynamoDB also in models/, where the
# entities are declared).
AWS_MODULES = ("boto3", "botocore", "pynamodb", "suite.aws", "suite.dynamo", "suite.ratelimit", "suite.push",
               "suite.idempotency", "suite.mail", "suite.security.secret_box",
               "aws_lambda_powertools.utilities.parameters", "aws_lambda_powertools.utilities.idempotency")
EVENT_MODULES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes",
                 "aws_lambda_powertools.utilities.batch", "suite.api", "suite.websocket", "suite.workers",
                 "suite.socketio.gateway")
HTTP_MODULES = ("requests", "urllib3", "http.client", "urllib.request", "httpx", "aiohttp")
HANDLER_MAX_LINES = 40
def package(service: str) -> Path:
    return REPO_ROOT / "functions" / service / service


def imports(source: str) -> set[str]:
    """Absolute module names a source imports (`from x import y` counts as x and x.y)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def matching(found: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {m for m in found if any(m == p or m.startswith(p + ".") for p in prefixes)}


def layer_of(service: str, path: Path) -> str:
    """handlers | routes | models | logic | store | providers | top (the package's own modules)."""
    parts = path.relative_to(package(service)).parts
    return parts[0] if len(parts) > 1 else "top"


def problems_in(service: str, layer: str, source: str, name: str = "") -> list[str]:
    found = imports(source)
    own = f"{service}."
    problems: list[str] = []

    def forbid(prefixes: tuple[str, ...], why: str) -> None:
        hit = matching(found, prefixes)
        if hit:
            problems.append(f"{why}: {sorted(hit)}")

    forbid(HTTP_MODULES, "outside APIs go through suite.outbound in providers/")
    if layer != "store":
        allowed = ("pynamodb", "suite.entities") if layer == "models" else ()
        forbid(tuple(m for m in AWS_MODULES if m not in allowed), "only store/ calls AWS")
    if layer == "handlers":
        forbid((own + "store", own + "logic", own + "providers"), "handlers wire routes and entry points only")
        if len(source.splitlines()) > HANDLER_MAX_LINES:
            problems.append(f"handlers stay under {HANDLER_MAX_LINES} lines")
    if layer == "routes":
        forbid((own + "store", own + "handlers", own + "providers"), "routes call logic, not store or providers")
    if layer in ("logic", "store", "providers", "models"):
        forbid(EVENT_MODULES, f"{layer}/ knows no events nor the HTTP layer")
        forbid((own + "handlers", own + "routes"), "arrows point down")
    if layer in ("store", "providers", "models"):
        forbid((own + "logic",), "arrows point down")
    if layer == "models":
        forbid((own + "store", own + "providers"), "models are shapes only")
    return problems


def service_files(service: str) -> list[Path]:
    return sorted(p for p in package(service).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_plan(service):
    root = package(service)
    for module in REQUIRED_MODULES:
        assert (root / module).is_file(), f"{service}/{module} is missing"
    for folder in FOLDERS:
        assert (root / folder / "__init__.py").is_file(), f"{service}/{folder}/ is missing"
    assert (root / "routes" / "common.py").is_file(), f"{service}/routes/common.py is missing"
    allowed = set(REQUIRED_MODULES) | set(OPTIONAL_MODULES) | set(FOLDERS) | {"__pycache__"}
    extra = sorted(p.name for p in root.iterdir() if p.name not in allowed)
    assert not extra, f"{service} has modules outside the plan: {extra}"


@pytest.mark.parametrize("service", SERVICES)
def test_arrows_point_down(service):
    failures = []
    for path in service_files(service):
        for problem in problems_in(service, layer_of(service, path), path.read_text(encoding="utf-8")):
            failures.append(f"{path.relative_to(REPO_ROOT)}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("layer", "source"), [
    ("handlers", "from demo.store import devices\n"),
    ("handlers", "x = 1\n" * (HANDLER_MAX_LINES + 1)),
    ("routes", "from demo.store import devices\n"),
    ("logic", "import boto3\n"),
    ("logic", "from suite import dynamo\n"),
    ("logic", "from aws_lambda_powertools.event_handler import Response\n"),
    ("logic", "from demo.routes import common\n"),
    ("providers", "import requests\n"),
    ("store", "from demo.logic import devices\n"),
    ("models", "from suite.aws import client\n"),
    ("logic", "from suite.socketio import gateway\n"),
    ("top", "from suite.security.secret_box import SecretBox\n"),
])
def test_the_rules_have_teeth(layer, source):
    assert problems_in("demo", layer, source), f"{layer}: {source!r} should break a rule"


@pytest.mark.parametrize(("layer", "source"), [
    ("store", "import boto3\nfrom suite import dynamo\n"),
    ("models", "from pynamodb.models import Model\nfrom suite.entities import table_from_env\n"),
    ("logic", "from demo.store import devices\nfrom demo.providers import feishu\n"),
    ("routes", "from demo.logic import devices\nfrom suite.api import Router\n"),
    ("providers", "from suite.outbound import HttpClient\n"),
])
def test_what_the_rules_allow(layer, source):
    assert problems_in("demo", layer, source) == []
