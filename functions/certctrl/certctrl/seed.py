"""Operator and developer commands for certctrl: FX rates for the catalogue, and reading the local mail outbox.

    # against `make dev` (moto on 127.0.0.1:4566, the local stack's table names):
    PYTHONPATH=functions/certctrl:layers/common .venv/bin/python -m certctrl.seed --local fx-rates
    PYTHONPATH=functions/certctrl:layers/common .venv/bin/python -m certctrl.seed --local outbox alice@example.com
    # against a deployed stack (your AWS credentials):
    ... -m certctrl.seed --catalog-table <CatalogTable name> --region eu-west-1 fx-rates rates.json

`fx-rates [FILE]` writes `{"base", "quote", "rate"}` entries (a JSON list; without a file, a small default set
for development); rates are decimal strings. `outbox EMAIL` prints every message the local outbox holds for an
address (activation and reset codes while MailTransport is `outbox`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

LOCAL_ENDPOINT = "http://127.0.0.1:4566"
# The local stack names tables <stack>-<nested app>-<logical id>; `make dev` uses the stack name suite-local.
LOCAL_PREFIX = "suite-local-CertctrlApp-"
DEFAULT_RATES = [{"base": "USD", "quote": "CNY", "rate": "7.10"}, {"base": "CNY", "quote": "USD", "rate": "0.1408"},
                 {"base": "USD", "quote": "USDT", "rate": "1.00"}, {"base": "EUR", "quote": "CNY", "rate": "7.80"}]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m certctrl.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--local", action="store_true", help=f"use the local stack ({LOCAL_ENDPOINT})")
    parser.add_argument("--endpoint-url", help="DynamoDB endpoint (moto, LocalStack)")
    parser.add_argument("--catalog-table", help="the CatalogTable name (default: $CATALOG_TABLE)")
    parser.add_argument("--outbox-table", help="the MailOutboxTable name (default: $MAIL_OUTBOX_TABLE)")
    parser.add_argument("--region", help="AWS region (default: $AWS_REGION or us-east-1)")
    commands = parser.add_subparsers(dest="command", required=True)
    rates = commands.add_parser("fx-rates", help="write FX rates")
    rates.add_argument("file", type=Path, nargs="?")
    outbox = commands.add_parser("outbox", help="print the local mail outbox of an address")
    outbox.add_argument("email")
    return parser


def _configure(args: argparse.Namespace) -> None:
    if args.local:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url or LOCAL_ENDPOINT
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("CATALOG_TABLE", LOCAL_PREFIX + "CatalogTable")
        os.environ.setdefault("MAIL_OUTBOX_TABLE", LOCAL_PREFIX + "MailOutboxTable")
    elif args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    if args.catalog_table:
        os.environ["CATALOG_TABLE"] = args.catalog_table
    if args.outbox_table:
        os.environ["MAIL_OUTBOX_TABLE"] = args.outbox_table
    os.environ.setdefault("AWS_REGION", args.region or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])


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

    if args.command == "fx-rates":
        for rate in _rates(args.file):
            catalog.put_fx_rate(rate["base"], rate["quote"], rate["rate"], updated_at_ms=clock.epoch_ms())
            print(f"{rate['base']}/{rate['quote']} = {rate['rate']}")
        return 0
    for message in mail.outbox(args.email):
        print(f"--- {clock.iso_utc(int(message['sent_at']))}  {message['subject']}\n{message['text']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
