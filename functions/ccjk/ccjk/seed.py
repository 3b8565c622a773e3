"""Operator and developer commands for ccjk, one sub-command each (add new ones beside `outbox`).

    # against `make dev` (moto on 127.0.0.1:4566, the local stack's table names):
    PYTHONPATH=functions/ccjk:layers/common .venv/bin/python -m ccjk.seed --local outbox alice@example.com
    # against a deployed stack with MailTransport=outbox (your AWS credentials):
    ... -m ccjk.seed --outbox-table <MailOutboxTable name> --region eu-west-1 outbox alice@example.com

`outbox EMAIL` prints every message the mail outbox holds for an address (the sign-in codes of
`POST /auth/login {email}` while MailTransport is `outbox`), oldest first.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

LOCAL_ENDPOINT = "http://127.0.0.1:4566"
# The local stack names tables <stack>-<nested app>-<logical id>; `make dev` uses the stack name suite-local.
LOCAL_PREFIX = "suite-local-CcjkApp-"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ccjk.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--local", action="store_true", help=f"use the local stack ({LOCAL_ENDPOINT})")
    parser.add_argument("--endpoint-url", help="AWS endpoint (moto, LocalStack)")
    parser.add_argument("--outbox-table", help="the MailOutboxTable name (default: $MAIL_OUTBOX_TABLE)")
    parser.add_argument("--region", help="AWS region (default: $AWS_REGION or us-east-1)")
    commands = parser.add_subparsers(dest="command", required=True)
    outbox = commands.add_parser("outbox", help="print the mail outbox of an address (sign-in codes)")
    outbox.add_argument("email")
    return parser


def _configure(args: argparse.Namespace) -> None:
    if args.local:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url or LOCAL_ENDPOINT
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("MAIL_OUTBOX_TABLE", LOCAL_PREFIX + "MailOutboxTable")
    elif args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    if args.outbox_table:
        os.environ["MAIL_OUTBOX_TABLE"] = args.outbox_table
    os.environ.setdefault("AWS_REGION", args.region or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])


def outbox(email: str) -> int:
    from ccjk.store import mail  # noqa: PLC0415  (after the environment is configured)
    from suite.clock import iso_utc  # noqa: PLC0415

    table = os.environ.get("MAIL_OUTBOX_TABLE")
    if not table:
        raise SystemExit("which outbox? give --local or --outbox-table (or set MAIL_OUTBOX_TABLE)")
    messages = mail.outbox(email, table)
    for message in messages:
        print(f"--- {iso_utc(int(message['sent_at']))}  {message['subject']}\n{message['text']}\n")
    if not messages:
        print(f"no mail to {email}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure(args)
    if args.command == "outbox":
        return outbox(args.email)
    return 2


if __name__ == "__main__":
    sys.exit(main())
