"""Operator and developer commands for ccjk, one sub-command each: the mail outbox, the marketplace's catalogue,
the admin credentials, a user's tier.

    # against `make dev` (moto on 127.0.0.1:4566, the local stack's names):
    PYTHONPATH=functions/ccjk:layers/common .venv/bin/python -m ccjk.seed --local outbox alice@example.com
    PYTHONPATH=functions/ccjk:layers/common .venv/bin/python -m ccjk.seed --local catalog
    PYTHONPATH=functions/ccjk:layers/common .venv/bin/python -m ccjk.seed --local admin-credentials
    PYTHONPATH=functions/ccjk:layers/common .venv/bin/python -m ccjk.seed --local tier alice@example.com pro
    # `make dev` runs `ccjk.seed dev` by itself (Metadata.LocalDev.Seed): the catalogue, then the credentials
    # against a deployed stack (your AWS credentials; the names are the stack's):
    ... -m ccjk.seed --market-table <MarketTable> --ccjk-table <CcjkTable> --region eu-west-1 catalog my.json
    ... -m ccjk.seed --outbox-table <MailOutboxTable name> --region eu-west-1 outbox alice@example.com

`outbox EMAIL` prints every message the mail outbox holds for an address (the sign-in codes of
`POST /auth/login {email}` while MailTransport is `outbox`), oldest first.

`catalog [FILE]` creates the items and providers of a JSON file (`{"items": [...], "providers": [...]}`, fields as
POST /admin/templates and POST /admin/providers take them; without a file, functions/ccjk/seed/catalog.json: 78
skills, MCP servers, agents, hooks and templates and 9 providers). An item that exists (same kind and slug) is
updated with the file's fields; a new one also gets the file's `activity` (install, download and rating counts,
and trending installs today) so that `make dev` shows a living marketplace — demo numbers, not backed by users.
`admin-credentials` prints the username and password of AdminCredentialsSecret (Authorization: Basic for
/admin/*). `tier EMAIL free|pro|enterprise` sets a user's tier (their install quota). `dev` is `catalog` then
`admin-credentials`, what the local stack runs when it starts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from suite import aws_target
from suite.aws_target import Resource

RESOURCES = (
    Resource("MARKET_TABLE", "--market-table", "MarketTable"),
    Resource("CCJK_TABLE", "--ccjk-table", "CcjkTable"),
    Resource("ADMIN_CREDENTIALS_SECRET_ARN", "--admin-secret", "AdminCredentialsSecret"),
    Resource("MAIL_OUTBOX_TABLE", "--outbox-table", "MailOutboxTable"),
)
DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "seed" / "catalog.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ccjk.seed", description=__doc__.split("\n\n")[0])
    aws_target.add_target_arguments(parser, RESOURCES)
    commands = parser.add_subparsers(dest="command", required=True)
    outbox_command = commands.add_parser("outbox", help="print the mail outbox of an address (sign-in codes)")
    outbox_command.add_argument("email")
    catalog = commands.add_parser("catalog", help="create or update catalogue items and providers")
    catalog.add_argument("file", type=Path, nargs="?", default=DEFAULT_CATALOG)
    commands.add_parser("admin-credentials", help="print the admin username and password")
    commands.add_parser("dev", help="the catalogue, then the admin credentials (what `make dev` runs)")
    tier = commands.add_parser("tier", help="set a user's tier")
    tier.add_argument("email")
    tier.add_argument("tier", choices=["free", "pro", "enterprise"])
    return parser


def _configure(args: argparse.Namespace) -> None:
    aws_target.use_target(args, app="CcjkApp", resources=RESOURCES)
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "ccjk-seed")


def seed_catalog(path: Path, *, update_existing: bool = True) -> dict[str, int]:
    """Create (or update) every item and provider of the file; counts of what was created and updated.
    `update_existing=False` (the local stack's start) leaves what exists as it is, so a restart is quick."""
    from ccjk.logic import catalog, catalog_admin  # noqa: PLC0415 (after _configure: the store reads the environment)
    from ccjk.models.market import CatalogFields, NewCatalogItem, NewProvider, ProviderFields  # noqa: PLC0415

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{path}: {exc}") from None
    counts = {"created": 0, "updated": 0, "providers_created": 0, "providers_updated": 0}
    raws = document.get("items", [])
    wanted = {catalog.new_id(kind, raw["slug"]) for raw in raws
              if raw.get("slug") and (kind := catalog.kind_of(raw.get("type")))}
    known = catalog.resolve_many(wanted)  # one read for the whole file: a restart updates, it does not duplicate
    new: list[tuple[NewCatalogItem, dict[str, Any] | None]] = []
    for raw in raws:
        fields: dict[str, Any] = {k: v for k, v in raw.items() if k != "activity"}
        kind = catalog.kind_of(fields.get("type"))
        existing = known.get(catalog.new_id(kind, fields["slug"])) if kind and fields.get("slug") else None
        if existing is not None and not update_existing:
            continue
        if existing is not None:
            catalog_admin.update_item(existing.catalog_id, CatalogFields.model_validate(
                {k: v for k, v in fields.items() if k not in ("slug", "type")}), allowed=(kind,))
            counts["updated"] += 1
            continue
        new.append((NewCatalogItem.model_validate(fields), raw.get("activity")))
    counts["created"] = len(catalog_admin.seed_items(new))
    known = {entry.catalog_id for entry in catalog_admin.providers()}
    for raw in document.get("providers", []):
        shortcode = str(raw.get("shortcode", "")).lower()
        if shortcode in known and not update_existing:
            continue
        if shortcode in known:
            catalog_admin.update_provider(shortcode, ProviderFields.model_validate(raw))
            counts["providers_updated"] += 1
        else:
            catalog_admin.create_provider(NewProvider.model_validate(raw), created_by="seed", trusted=True)
            counts["providers_created"] += 1
    return counts


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
    if args.command in ("catalog", "dev"):
        counts = seed_catalog(getattr(args, "file", DEFAULT_CATALOG), update_existing=args.command == "catalog")
        print(f"catalogue: {counts['created']} items created, {counts['updated']} updated; providers: "
              f"{counts['providers_created']} created, {counts['providers_updated']} updated")
    if args.command in ("admin-credentials", "dev"):
        from ccjk.store import admin_secret  # noqa: PLC0415

        found = admin_secret.credentials(fresh=True)
        if found is None:
            raise SystemExit("AdminCredentialsSecret is not configured or not {\"username\", \"password\"}")
        print(f"admin (Authorization: Basic for /admin/*): username {found[0]}, password {found[1]}")
    if args.command == "tier":
        from ccjk.store import directory, users  # noqa: PLC0415

        user = users.by_email(args.email.strip().lower())
        if user is None or not directory.set_tier(user.user_id, args.tier):
            raise SystemExit(f"no user {args.email}")
        print(f"{args.email}: {args.tier}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
