"""Operator command: the first admin and the default catalogue, so a new relay can be signed into.

Idempotent: an existing user of that name is left alone (its password is never changed here), default models
that exist are kept. The admin password comes from `--admin-password`, else `RELAY_ADMIN_PASSWORD`, else a
random one printed once (it is stored only as an argon2id hash).

    # against `make dev` (moto on 127.0.0.1:4566, the local stack's table names):
    PYTHONPATH=functions/relay:layers/common .venv/bin/python -m relay.seed --local
    # against a deployed stack (your AWS credentials; the stack's table names):
    ... -m relay.seed --table <RelayTable> --region eu-west-1
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence

LOCAL_ENDPOINT = "http://127.0.0.1:4566"
# The local stack names tables <stack>-<nested app>-<logical id>; `make dev` uses the stack name suite-local.
LOCAL_PREFIX = "suite-local-RelayApp-"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m relay.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--local", action="store_true", help=f"use the local stack ({LOCAL_ENDPOINT})")
    parser.add_argument("--endpoint-url", help="DynamoDB endpoint (moto, LocalStack)")
    parser.add_argument("--table", help="the RelayTable name (default: $RELAY_TABLE)")
    parser.add_argument("--region", help="AWS region (default: $AWS_REGION or us-east-1)")
    parser.add_argument("--admin-username", default=os.environ.get("RELAY_ADMIN_USERNAME", "admin"))
    parser.add_argument("--admin-password", help="default: $RELAY_ADMIN_PASSWORD, else a random one, printed once")
    parser.add_argument("--no-models", action="store_true", help="do not add the default models")
    return parser


def _configure(args: argparse.Namespace) -> None:
    if args.local:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url or LOCAL_ENDPOINT
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("RELAY_TABLE", args.table or LOCAL_PREFIX + "RelayTable")
    elif args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    if args.table:
        os.environ["RELAY_TABLE"] = args.table
    if not os.environ.get("RELAY_TABLE"):
        raise SystemExit("no table: pass --table, --local, or set RELAY_TABLE")
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region


def seed_admin(username: str, password: str | None) -> tuple[bool, str | None]:
    """(created, the generated password when one was made up)."""
    from relay.logic import users  # noqa: PLC0415  (after _configure: the store reads the environment)
    from relay.store import users as store  # noqa: PLC0415

    if store.by_username(username) is not None:
        return False, None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    users.create(username, password, role="admin")
    return True, generated


def seed_models() -> int:
    from relay.logic import catalog  # noqa: PLC0415

    return catalog.init_defaults()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure(args)
    created, generated = seed_admin(args.admin_username, args.admin_password
                                    or os.environ.get("RELAY_ADMIN_PASSWORD"))
    if not created:
        print(f"relay: admin user {args.admin_username!r} exists, left as it is")
    elif generated:
        print(f"relay: created admin {args.admin_username!r} with password {generated} (shown once; change it)")
    else:
        print(f"relay: created admin {args.admin_username!r}")
    if not args.no_models:
        print(f"relay: added {seed_models()} default models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
