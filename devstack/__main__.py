"""Command line of the local stack.

    python -m devstack up [options]        run everything (make dev)
    python -m devstack status              what is running, queue depths, schedules
    python -m devstack fire NAME           fire a schedule now (service.Function.Event, or a unique part of it)
    python -m devstack invoke NAME [-e F]  invoke a function with an event file (like `sam local invoke`);
                                           uses the running stack, or starts a throwaway one

AWS_ENDPOINT_URL, when set, replaces the embedded moto (LocalStack, or `up --aws real` for your account).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from devstack.stack import DEFAULT_CONTROL_PORT, DEFAULT_TEMPLATE, REPO_ROOT, DevStack, DevStackConfig

DEFAULT_ENV_FILE = REPO_ROOT / "devstack.env"
DEFAULT_STATE_FILE = REPO_ROOT / ".devstack" / "state.json"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments with #): values for variables the templates declare, e.g. provider URLs."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if "=" not in text:
            raise SystemExit(f"{path}:{number}: expected KEY=VALUE")
        key, value = text.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _config(args: argparse.Namespace) -> DevStackConfig:
    overrides: dict[str, str] = {}
    env_file = Path(args.env_file) if args.env_file else DEFAULT_ENV_FILE
    if env_file.exists():
        overrides.update(read_env_file(env_file))
    for item in args.env or []:
        key, _, value = item.partition("=")
        overrides[key] = value
    ports = {}
    for item in args.port or []:
        service, _, port = item.partition("=")
        ports[service] = int(port)
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if args.aws == "real":
        endpoint = ""
    return DevStackConfig(
        template=Path(args.template),
        host=args.host,
        ephemeral_ports=args.ephemeral_ports,
        port_overrides=ports,
        aws_endpoint=endpoint,
        schedules=not args.no_schedules,
        sqs_retry_delay=args.sqs_retry_delay,
        env_overrides=overrides,
        persist_file=Path(args.state_file) if args.persist else None,
        only=set(args.only.split(",")) if args.only else None,
        ready_file=Path(args.ready_file) if args.ready_file else None,
        quiet=args.quiet,
        pebble=("skip" if args.pebble_skip_validation else "validate") if args.with_pebble else None,
    )


def cmd_up(args: argparse.Namespace) -> int:
    stack = DevStack(_config(args))
    signal.signal(signal.SIGTERM, lambda *_: stack._stop.set())
    try:
        stack.start()
        stack.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


def _control(args: argparse.Namespace, method: str, path: str, payload: Any = None) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(  # noqa: S310  (our own control API on localhost)
        f"{args.control}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=960) as response:  # noqa: S310  (our own control API)
        return json.loads(response.read())


def cmd_status(args: argparse.Namespace) -> int:
    print(json.dumps(_control(args, "GET", "/status"), indent=2))
    return 0


def cmd_fire(args: argparse.Namespace) -> int:
    result = _control(args, "POST", f"/schedules/{args.name}/fire", {})
    print(json.dumps(result, indent=2))
    return 0 if result.get("error") is None else 1


def cmd_invoke(args: argparse.Namespace) -> int:
    event = json.loads(Path(args.event).read_text(encoding="utf-8")) if args.event else {}
    try:
        result = _control(args, "POST", f"/functions/{args.name}/invoke", event)
    except urllib.error.URLError:
        # No stack running: start a throwaway one without listeners, invoke once, stop.
        config = _config(args)
        config.ephemeral_ports, config.schedules, config.quiet = True, False, False
        stack = DevStack(config).start()
        try:
            invocation = stack.invoke(args.name, event)
        finally:
            stack.stop()
        result = {"result": invocation.result, "error": invocation.error, "duration_ms": invocation.duration_ms,
                  "init_ms": invocation.init_ms}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result.get("error") is None else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--control", default=f"http://127.0.0.1:{DEFAULT_CONTROL_PORT}",
                        help="control API of a running stack")
    sub = parser.add_subparsers(dest="command", required=True)

    def stack_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--template", default=str(DEFAULT_TEMPLATE))
        p.add_argument("--host", default="127.0.0.1", help="interface the HTTP APIs listen on")
        p.add_argument("--port", action="append", metavar="SERVICE=PORT", help="override a service's port")
        p.add_argument("--ephemeral-ports", action="store_true", help="free ports everywhere (tests)")
        p.add_argument("--aws", choices=["embedded", "real"], default="embedded",
                       help="embedded moto (default; AWS_ENDPOINT_URL overrides) or your real AWS account")
        p.add_argument("--no-schedules", action="store_true", help="fire schedules on demand only")
        p.add_argument("--sqs-retry-delay", type=int, default=None, metavar="SECONDS",
                       help="retry failed SQS messages after this delay instead of the visibility timeout")
        p.add_argument("--env-file", help=f"KEY=VALUE overrides (default: {DEFAULT_ENV_FILE.name} if present)")
        p.add_argument("--env", action="append", metavar="KEY=VALUE", help="one override")
        p.add_argument("--persist", action="store_true", help="keep state between runs (see --state-file)")
        p.add_argument("--state-file", default=str(DEFAULT_STATE_FILE), help="where --persist keeps the state")
        p.add_argument("--only", help="serve only these services (comma-separated)")
        p.add_argument("--ready-file", help="write the status JSON here once ready")
        p.add_argument("--quiet", action="store_true", help="no terminal logs")
        p.add_argument("--with-pebble", action="store_true",
                       help="start a local ACME CA (pebble) for the services that declare ACME_DIRECTORIES")
        p.add_argument("--pebble-skip-validation", action="store_true",
                       help="with --with-pebble: every challenge passes unchecked (PEBBLE_VA_ALWAYS_VALID)")

    up = sub.add_parser("up", help="run the local stack")
    stack_options(up)
    up.set_defaults(func=cmd_up)
    sub.add_parser("status", help="status of the running stack").set_defaults(func=cmd_status)
    fire = sub.add_parser("fire", help="fire a schedule now")
    fire.add_argument("name")
    fire.set_defaults(func=cmd_fire)
    invoke = sub.add_parser("invoke", help="invoke a function with an event")
    invoke.add_argument("name")
    invoke.add_argument("-e", "--event", help="event JSON file (see events/)")
    stack_options(invoke)
    invoke.set_defaults(func=cmd_invoke)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
