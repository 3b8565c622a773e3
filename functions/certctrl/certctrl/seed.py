"""Operator and developer commands for certctrl: FX rates for the catalogue, and reading the local mail outbox.

    # against `make dev` (moto on 127.0.0.1:4566, the local stack's table names):
    PYTHONPATH=functions/certctrl:layers/common .venv/bin/python -m certctrl.seed --local fx-rates
    PYTHONPATH=functions/certctrl:layers/common .venv/bin/python -m certctrl.seed --local outbox alice@example.com
    # against a deployed stack (your AWS credentials):
    ... -m certctrl.seed --catalog-table <CatalogTable name> --region eu-west-1 fx-rates rates.json

`fx-rates [FILE]` writes `{"base", "quote", "rate"}` entries (a JSON list; without a file, a small default set
for development); rates are decimal strings. `outbox EMAIL` prints every message the local outbox holds for an
address (activation and reset codes while MailTransport is `outbox`).

Administrators (issue 20; the `/apiv1/admin/...` routes need a signed-in user with the admin role):

    ... -m certctrl.seed --local make-admin alice@example.com            # grant (the account must exist)
    ... -m certctrl.seed --local make-admin --revoke alice@example.com   # take it back
    ... -m certctrl.seed --local admin-audit 2026-12-07                  # that UTC day's admin writes
    # deployed: --accounts-table <AccountsTable name> (make-admin), --ledger-table <LedgerTable name> (admin-audit)

Granting is recorded in the admin audit (actor `cli:<OS user>`) when a LedgerTable is known.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from suite import aws_target
from suite.aws_target import Resource

RESOURCES = (
    Resource("CATALOG_TABLE", "--catalog-table", "CatalogTable"),
    Resource("MAIL_OUTBOX_TABLE", "--outbox-table", "MailOutboxTable"),
    Resource("ACCOUNTS_TABLE", "--accounts-table", "AccountsTable"),
    Resource("LEDGER_TABLE", "--ledger-table", "LedgerTable"),
)
DEFAULT_RATES = [{"base": "USD", "quote": "CNY", "rate": "7.10"}, {"base": "CNY", "quote": "USD", "rate": "0.1408"},
                 {"base": "USD", "quote": "USDT", "rate": "1.00"}, {"base": "EUR", "quote": "CNY", "rate": "7.80"}]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m certctrl.seed", description=__doc__.split("\n\n")[0])
    aws_target.add_target_arguments(parser, RESOURCES)
    commands = parser.add_subparsers(dest="command", required=True)
    rates = commands.add_parser("fx-rates", help="write FX rates")
    rates.add_argument("file", type=Path, nargs="?")
    outbox = commands.add_parser("outbox", help="print the local mail outbox of an address")
    outbox.add_argument("email")
    admin = commands.add_parser("make-admin", help="grant (or --revoke) the admin role")
    admin.add_argument("email")
    admin.add_argument("--revoke", action="store_true")
    audit = commands.add_parser("admin-audit", help="print one UTC day's admin writes")
    audit.add_argument("day", help="YYYY-MM-DD")
    return parser


def _configure(args: argparse.Namespace) -> None:
    aws_target.use_target(args, app="CertctrlApp", resources=RESOURCES)


def _rates(path: Path | None) -> list[dict[str, str]]:
    entries = DEFAULT_RATES if path is None else json.loads(path.read_text(encoding="utf-8"))
    checked = []
    for entry in entries:
        base, quote = str(entry["base"]).upper(), str(entry["quote"]).upper()
        try:
            rate = Decimal(str(entry["rate"]))
        except InvalidOperation:
            raise SystemExit(f"{base}/{quote}: rate {entry['rate']!r} is not a number") from None
        if rate <= 0 or not base.isalnum() or not quote.isalnum():
            raise SystemExit(f"{base}/{quote}: a positive rate between two currency codes is needed")
        checked.append({"base": base, "quote": quote, "rate": str(rate)})
    return checked


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure(args)
    from certctrl import clock  # noqa: PLC0415  (after the environment is configured)
    from certctrl.store import catalog, mail  # noqa: PLC0415

    if args.command == "make-admin":
        return _make_admin(args.email, revoke=args.revoke)
    if args.command == "admin-audit":
        return _admin_audit(args.day)
    if args.command == "fx-rates":
        for rate in _rates(args.file):
            catalog.put_fx_rate(rate["base"], rate["quote"], rate["rate"], updated_at_ms=clock.epoch_ms())
            print(f"{rate['base']}/{rate['quote']} = {rate['rate']}")
        return 0
    for message in mail.outbox(args.email):
        print(f"--- {clock.iso_utc(int(message['sent_at']))}  {message['subject']}\n{message['text']}\n")
    return 0


def _make_admin(email: str, *, revoke: bool) -> int:
    import getpass  # noqa: PLC0415

    from certctrl import clock  # noqa: PLC0415
    from certctrl.access import ADMIN_ROLE  # noqa: PLC0415
    from certctrl.store import admin_audit, users  # noqa: PLC0415

    user = users.by_email(email.strip().lower())
    if user is None:
        print(f"no account for {email}", file=sys.stderr)
        return 1
    now_ms = clock.epoch_ms()
    users.set_role(user.id, ADMIN_ROLE, granted=not revoke, now_ms=now_ms)
    if os.environ.get("LEDGER_TABLE"):
        admin_audit.record(f"cli:{getpass.getuser()}", "user.role.revoke" if revoke else "user.role.grant",
                           f"user:{user.id}", {"role": ADMIN_ROLE}, at_ms=now_ms)
    print(f"{email} (user {user.id}): admin role {'revoked' if revoke else 'granted'}")
    return 0


def _admin_audit(day: str) -> int:
    from certctrl.store import admin_audit  # noqa: PLC0415

    for entry in admin_audit.day(day):
        print(json.dumps({k: entry[k] for k in ("at_ms", "actor", "action", "target", "details") if k in entry},
                         ensure_ascii=False, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
