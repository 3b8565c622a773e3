"""Catalogue entries kept in CatalogTable: FX rates, one partition (`FX`, sort key `<base>#<quote>`)."""

from __future__ import annotations

from typing import Any

from certctrl.store import common
from suite import dynamo


def fx_rates() -> list[dict[str, Any]]:
    return list(dynamo.query_partition(common.catalog(), "FX"))


def put_fx_rate(base: str, quote: str, rate: str, *, updated_at_ms: int) -> None:
    dynamo.put(common.catalog(), {"pk": "FX", "sk": f"{base}#{quote}", "base": base, "quote": quote, "rate": rate,
                                  "updated_at_ms": updated_at_ms})
