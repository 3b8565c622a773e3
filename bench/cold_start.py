"""Cold-start benchmark: import + init time of every Lambda function in the templates, next to a bare boto3 handler.

What is measured
    For every function in the SAM templates (root + nested, read with `devstack.template`), a fresh `python`
    process is started N times. Inside the child, `time.perf_counter()` brackets importing the handler module
    and resolving the handler attribute: exactly the module-level work our code decides (SDK clients, Powertools
    objects, routers, pydantic models). The parent also times the whole process, spawn to exit, so the
    interpreter's own start-up stays visible next to it.

Why
    This is a proxy for Lambda's `Init Duration` on this machine. Absolute numbers differ on Lambda (a
    function below 1769 MB gets less than one vCPU, and the runtime adds its own bootstrap), so the robust
    part is the ratio to the baseline measured in the same run: a bare handler that does
    `import boto3; client = boto3.client("dynamodb")` at import time, the cheapest useful DynamoDB function.
    An empty interpreter (`python -c pass`) is measured the same way to show the fixed start-up cost.

Bytecode (.pyc)
    `sam build` ships no .pyc and /var/task is read-only, so without a post-build `compileall` every cold start
    compiles the dependencies (anchors notes 4.3: that doubles import time). By default this script measures the
    precompiled case: it compiles the venv's site-packages in place and *copies* of every function's code
    directory and layer directory (plus the baseline) with `--invalidation-mode unchecked-hash`, as `make build`
    does. Copies, because unchecked-hash .pyc files are never checked against their source: written into the
    working tree they would make later edits invisible to every import. `--no-pyc` measures the opposite case:
    children get PYTHONDONTWRITEBYTECODE=1 and a PYTHONPYCACHEPREFIX pointing to an empty directory, so no
    cached bytecode is used at all. That includes the standard library, which does have .pyc on Lambda, so this
    mode overstates the penalty. Read it as an upper bound (bench/README.md gives the size).

Children run sequentially (parallel runs would compete for the CPU) in round-robin order, so slow drift of the
machine spreads over all rows instead of favouring some. Their environment is built from scratch: the function's
template environment, PYTHONPATH = code dir + layer dirs, and fake AWS settings; nothing is inherited, so real
credentials can never reach them.

    .venv/bin/python bench/cold_start.py [--template PATH] [--only SUBSTRING] [--runs N] [--no-pyc] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import machine

REPO = Path(__file__).resolve().parent.parent
MARKER = "@@cold_start_import_seconds"

# Runs inside the child: time the handler import and attribute lookup, nothing else.
PROBE = f"""
import importlib, sys, time
start = time.perf_counter()
module_name, _, attribute = sys.argv[1].rpartition(".")
handler = getattr(importlib.import_module(module_name), attribute)
elapsed = time.perf_counter() - start
if not callable(handler):
    raise SystemExit(f"{{sys.argv[1]}} is not callable")
print("{MARKER}", repr(elapsed))
"""

BARE_BOTO3_HANDLER = '''"""Baseline: the cheapest useful DynamoDB function (client created at import, as usual)."""
import boto3

client = boto3.client("dynamodb")


def handler(event, context):
    return client.get_item(TableName="bench", Key={"pk": {"S": event["id"]}})
'''
BARE_BOTO3_MODULE = "bare_boto3_handler"



# ------------------------------------------------------------------------------------------------ model

@dataclass
class Target:
    """One row: something started in a fresh interpreter N times."""

    name: str
    args: list[str]  # after the interpreter
    env: dict[str, str]
    handler: str | None = None  # None: nothing imported (the empty interpreter)
    import_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Workspace:
    """Scratch directories of one run; everything lives under one temporary directory."""

    root: Path
    staged: dict[Path, Path] = field(default_factory=dict)  # original dir -> its copy

    @property
    def cwd(self) -> Path:
        return self.root / "cwd"  # empty: `python -c` puts the working directory on sys.path

    @property
    def baseline_dir(self) -> Path:
        return self.root / "baseline"

    @property
    def empty_pycache(self) -> Path:
        return self.root / "empty-pycache"

    def stage(self, directory: Path) -> Path:
        """A copy of a code or layer directory without any cached bytecode (like a `sam build` artifact)."""
        if directory not in self.staged:
            target = self.root / "stage" / f"{len(self.staged):02d}-{directory.name}"
            shutil.copytree(directory, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            self.staged[directory] = target
        return self.staged[directory]

    def unstage(self, text: str) -> str:
        """Point paths inside the copies (in a child's traceback) back at the files in the repository."""
        for original, copy in self.staged.items():
            text = text.replace(str(copy), str(original))
        return text


# ------------------------------------------------------------------------------------------------ setup

def discover(template: Path, only: str | None) -> list[Any]:
    """The functions of the templates (FunctionSpec objects), optionally those whose key contains `only`."""
    sys.path.insert(0, str(REPO))
    from devstack.template import open_suite  # noqa: PLC0415 (needs the repository root on sys.path)

    functions = open_suite(template).functions()
    return [fn for fn in functions if only is None or only in fn.key]


def child_env(workspace: Workspace, pythonpath: list[Path], extra: dict[str, str], *, pyc: bool) -> dict[str, str]:
    """A child's whole environment; nothing from ours, so no real credentials or profiles can leak in."""
    from devstack.fake_aws import FAKE_AWS_ENV  # noqa: PLC0415 (the repository root is on sys.path by now)

    env = dict(extra)
    env.update(FAKE_AWS_ENV)
    env.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Bench")
    no_file = str(workspace.root / "no-aws-config")  # never ~/.aws of this machine
    env["AWS_CONFIG_FILE"] = no_file
    env["AWS_SHARED_CREDENTIALS_FILE"] = no_file
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # read-only like /var/task; the children never write caches
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    if not pyc:
        env["PYTHONPYCACHEPREFIX"] = str(workspace.empty_pycache)
    return env


def probe_args(handler: str) -> list[str]:
    return ["-c", PROBE, handler]


def build_targets(functions: list[Any], workspace: Workspace, *, pyc: bool) -> tuple[list[Target], list[Target]]:
    """Rows for the functions, and the two baseline rows (bare boto3 handler, empty interpreter)."""
    rows = []
    for fn in functions:
        path = [workspace.stage(fn.code_dir), *(workspace.stage(d) for d in fn.layer_dirs)]
        env = child_env(workspace, path, fn.environment, pyc=pyc)
        # A web-adapter function's handler is a script (run.sh) starting a server: its cold start is the import
        # of the ASGI app it serves (Metadata.LocalDev.Asgi).
        handler = fn.asgi.replace(":", ".") if fn.asgi and fn.handler.endswith(".sh") else fn.handler
        rows.append(Target(name=fn.key, args=probe_args(handler), env=env, handler=handler))

    workspace.baseline_dir.mkdir()
    (workspace.baseline_dir / f"{BARE_BOTO3_MODULE}.py").write_text(BARE_BOTO3_HANDLER)
    boto3_handler = f"{BARE_BOTO3_MODULE}.handler"
    baselines = [
        Target(name="bare boto3 dynamodb handler", args=probe_args(boto3_handler), handler=boto3_handler,
               env=child_env(workspace, [workspace.baseline_dir], {}, pyc=pyc)),
        Target(name="empty interpreter (-c pass)", args=["-c", "pass"], env=child_env(workspace, [], {}, pyc=pyc)),
    ]
    return rows, baselines


def precompile(workspace: Workspace) -> float:
    """Compile site-packages, the staged copies and the baseline like a precompiled `sam build`; seconds taken.

    compileall skips files whose .pyc is already up to date (pip wrote timestamp-based ones for the venv),
    so after the first run this mostly just checks headers.
    """
    paths = sysconfig.get_paths()
    dirs = sorted({paths["purelib"], paths["platlib"]}) + [str(d) for d in workspace.staged.values()]
    dirs.append(str(workspace.baseline_dir))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}  # write next to the sources
    command = [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", *dirs]
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        # a package shipping an uncompilable file (test data, py2 leftovers) is not our concern; say so and go on
        print(f"warning: compileall exited {proc.returncode}:\n{(proc.stdout + proc.stderr)[-2000:]}",
              file=sys.stderr)
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------------------ measuring

def run_once(target: Target, workspace: Workspace) -> None:
    """Start the target's interpreter once and record its timings, or its error."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *target.args], env=target.env, cwd=workspace.cwd,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        target.error = f"exit status {proc.returncode}\n{workspace.unstage(proc.stderr.strip())}"
        return
    target.wall_ms.append(wall * 1000)
    if target.handler is None:
        return
    seconds = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    if not seconds:
        target.error = f"the child printed no timing\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        return
    target.import_ms.append(float(seconds[-1]) * 1000)


def measure(targets: list[Target], workspace: Workspace, runs: int) -> None:
    """Round-robin, sequential: run 1 of every target, then run 2, ...; a failing target is not retried."""
    for run in range(1, runs + 1):
        print(f"\rrun {run}/{runs} ...", end="", file=sys.stderr, flush=True)
        for target in targets:
            if target.ok:
                run_once(target, workspace)
    print("\r" + " " * 20 + "\r", end="", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ reporting

def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table_row(target: Target, reference: float | None) -> list[str]:
    if not target.ok:
        return [target.name, "FAILED", "", "", "", ""]
    imp = median(target.import_ms)
    ratio = "-" if imp is None or not reference else f"{imp / reference:.2f}x"
    low = min(target.import_ms) if target.import_ms else None
    high = max(target.import_ms) if target.import_ms else None
    return [target.name, ms(imp), ms(low), ms(high), ms(median(target.wall_ms)), ratio]


def render(rows: list[list[str]], header: list[str], break_before: int) -> str:
    """A plain-text table: first column left-aligned, numbers right-aligned, a rule before row `break_before`."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first, *rest = cells
        return " | ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])

    rule = "-+-".join("-" * w for w in widths)
    out = [line(header), rule]
    for index, row in enumerate(rows):
        if index == break_before:
            out.append(rule)
        out.append(line(row))
    return "\n".join(out)


def display_path(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def environment_summary(runs: int, pyc: bool, template: Path, load: tuple[str, str]) -> dict[str, Any]:
    return {**machine.describe(load), "runs": runs, "pyc": pyc, "template": display_path(template)}


def report(rows: list[Target], baselines: list[Target], summary: dict[str, Any]) -> str:
    reference = median(baselines[0].import_ms)
    header = ["function", "import+init median ms", "min", "max", "process wall median ms", "vs bare boto3"]
    body = [table_row(t, reference) for t in [*rows, *baselines]]
    pyc = ("yes (precompiled, unchecked-hash; the children never write bytecode)" if summary["pyc"]
           else "no (PYTHONDONTWRITEBYTECODE=1 + empty PYTHONPYCACHEPREFIX: everything compiled at import)")
    footer = [
        "",
        "baselines: the rows below the second rule, measured in the same run and the same way.",
        "vs bare boto3 = function import+init median / bare boto3 handler import+init median.",
        f"python: {summary['python']} ({summary['executable']})",
        f"machine: {summary['machine']}, {summary['cpus']} CPUs; template: {summary['template']}",
        f"runs: {summary['runs']} per row, sequential, round-robin; .pyc: {pyc}",
        f"load average (1 min) before / after: {summary['load_average_before']} / {summary['load_average_after']}",
    ]
    return render(body, header, break_before=len(rows)) + "\n" + "\n".join(footer)


def write_json(path: Path, rows: list[Target], baselines: list[Target], summary: dict[str, Any]) -> None:
    def raw(target: Target) -> dict[str, Any]:
        return {"name": target.name, "handler": target.handler, "import_ms": target.import_ms,
                "wall_ms": target.wall_ms, "error": target.error}

    document = {**summary, "functions": [raw(t) for t in rows], "baselines": [raw(t) for t in baselines]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


# ------------------------------------------------------------------------------------------------ main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=REPO / "template.yaml", help="root SAM template")
    parser.add_argument("--only", metavar="SUBSTRING", help="only functions whose key contains SUBSTRING")
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per row (default 7)")
    parser.add_argument("--no-pyc", action="store_true", help="measure without any cached bytecode")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the raw numbers to PATH")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    template = args.template.resolve()
    functions = discover(template, args.only)
    if not functions:
        print(f"no function in {template} matches {args.only!r}", file=sys.stderr)
        return 2
    pyc = not args.no_pyc

    load_before = machine.load_average()
    with tempfile.TemporaryDirectory(prefix="cold-start-") as scratch:
        workspace = Workspace(root=Path(scratch))
        workspace.cwd.mkdir()
        workspace.empty_pycache.mkdir()
        rows, baselines = build_targets(functions, workspace, pyc=pyc)
        if pyc:
            print(f"precompiled in {precompile(workspace):.1f} s", file=sys.stderr)
        measure([*rows, *baselines], workspace, args.runs)

    summary = environment_summary(args.runs, pyc, template, (load_before, machine.load_average()))
    print(report(rows, baselines, summary))
    if args.json:
        write_json(args.json, rows, baselines, summary)

    failed = [t for t in [*rows, *baselines] if not t.ok]
    for target in failed:
        print(f"\n{target.name} failed: {target.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
