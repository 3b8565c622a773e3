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

from suite import aws_target
from suite.aws_target import Resource

RESOURCES = (Resource("RELAY_TABLE", "--table", "RelayTable"),)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m relay.seed", description=__doc__.split("\n\n")[0])
    aws_target.add_target_arguments(parser, RESOURCES)
    parser.add_argument("--admin-username", default=os.environ.get("RELAY_ADMIN_USERNAME", "admin"))
    parser.add_argument("--admin-password", help="default: $RELAY_ADMIN_PASSWORD, else a random one, printed once")
    parser.add_argument("--no-models", action="store_true", help="do not add the default models")
    return parser


def _configure(args: argparse.Namespace) -> None:
    aws_target.use_target(args, app="RelayApp", resources=RESOURCES, required=("RELAY_TABLE",))


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
