"""FX rates in CatalogTable, one partition `FX`, sort key `<base>#<quote>` (the shape the catalogue route of
issue 16 reads: `base`, `quote`, `rate` as a decimal string, `updated_at_ms`), plus `source` (admin or fetch)."""

from __future__ import annotations

from typing import Any

from certctrl.store.money_common import catalog
from suite import dynamo


def all_rates() -> list[dict[str, Any]]:
    return list(dynamo.query_partition(catalog(), "FX"))


def put_rate(base: str, quote: str, rate: str, *, updated_at_ms: int, source: str) -> dict[str, Any]:
    item = {"pk": "FX", "sk": f"{base}#{quote}", "base": base, "quote": quote, "rate": rate,
            "updated_at_ms": updated_at_ms, "source": source}
    dynamo.put(catalog(), item)
    return item


def delete_rate(base: str, quote: str) -> bool:
    return dynamo.delete_if(catalog(), "FX", f"{base}#{quote}", condition="attribute_exists(pk)")
