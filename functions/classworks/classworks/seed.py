"""Operator command: create and update apps in the catalogue, and add namespace logins to a device.

The apps contract has no admin routes, so the catalogue is filled from a JSON file (a list of apps, or
`{"apps": [...]}`; fields as in `classworks.models.apps.AppSpec`). An app with an `id` is created or updated
under that id; without one, the app with the same permissionPrefix is updated, or a new id is drawn.

    # against `make dev` (moto on 127.0.0.1:4566, the local stack's table name):
    PYTHONPATH=functions/classworks:layers/common .venv/bin/python -m classworks.seed --local \\
        apps functions/classworks/seed/apps.example.json
    # against a deployed stack (your AWS credentials; the table is the stack's ClassworksTable):
    ... -m classworks.seed --table <table name> --region eu-west-1 apps my-apps.json
    # a read-only "student" login for a device's namespace (POST /api/apps/auth/token):
    ... -m classworks.seed --local auth-config <device uuid> --device-type student --password s3cret --read-only
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from suite import aws_target
from suite.aws_target import Resource

RESOURCES = (Resource("CLASSWORKS_TABLE", "--table", "ClassworksTable"),)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m classworks.seed", description=__doc__.split("\n\n")[0])
    aws_target.add_target_arguments(parser, RESOURCES)
    commands = parser.add_subparsers(dest="command", required=True)
    apps = commands.add_parser("apps", help="create or update apps from a JSON file")
    apps.add_argument("file", type=Path)
    config = commands.add_parser("auth-config", help="add a namespace login (AutoAuth config) to a device")
    config.add_argument("device_uuid")
    config.add_argument("--device-type", required=True, choices=["classroom", "teacher", "student", "parent"])
    config.add_argument("--password", help="the login's password (omit for the password-less login)")
    config.add_argument("--read-only", action="store_true", help="tokens from this login cannot write")
    config.add_argument("--id", dest="config_id", help="config id (default: the device type); same id replaces")
    return parser


def _configure(args: argparse.Namespace) -> None:
    aws_target.use_target(args, app="ClassworksApp", resources=RESOURCES, required=("CLASSWORKS_TABLE",))
    from classworks import config  # noqa: PLC0415

    config.get.reset()  # read the environment just set


def _load_specs(path: Path) -> list[Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{path}: {exc}") from None
    specs = document.get("apps") if isinstance(document, dict) else document
    if not isinstance(specs, list):
        raise SystemExit(f"{path}: expected a list of apps or {{\"apps\": [...]}}")
    return specs


def seed_apps(path: Path) -> list[dict[str, Any]]:
    from classworks.logic import apps  # noqa: PLC0415  (after _configure: the store reads the environment)
    from classworks.models.apps import AppSpec  # noqa: PLC0415

    specs = []
    for index, raw in enumerate(_load_specs(path)):
        try:
            specs.append(AppSpec.model_validate(raw))
        except ValidationError as exc:
            raise SystemExit(f"{path}: app #{index + 1}: {exc}") from None
    saved = []
    for spec in specs:
        app, created = apps.save_app(spec)
        print(f"{'created' if created else 'updated'} app {app['id']} ({app['permissionPrefix']}): {app['name']}")
        saved.append(app)
    return saved


def add_auth_config(args: argparse.Namespace) -> dict[str, Any]:
    from classworks.logic import devices  # noqa: PLC0415

    config = devices.add_auth_config(args.device_uuid, password=args.password, device_type=args.device_type,
                                     read_only=args.read_only, config_id=args.config_id or args.device_type)
    print(json.dumps(config, ensure_ascii=False))
    return config


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure(args)
    from suite.errors import ApiError  # noqa: PLC0415

    try:
        if args.command == "apps":
            seed_apps(args.file)
        else:
            add_auth_config(args)
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
