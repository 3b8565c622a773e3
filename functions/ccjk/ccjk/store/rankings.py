"""Ranked counters (by_rank): trending windows of catalogue items and search terms per day; the stats totals.

A trending window is `TREND#<kind>#<first day>` holding one counter per item; an install or a download on day D
adds 1 to the counters of the windows that contain D (those starting D-W+1 … D), so the window starting W-1
days ago is exactly "the last W days", and ranking it is one Query on by_rank, highest first. Windows expire
(TTL) a day after they end. Each ADD is its own atomic UpdateItem (no transaction: concurrent activity on one
popular item would conflict in transactions; separate ADDs never lose a count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ccjk.models.market_entities import RankedCounter
from ccjk.store.market import table
from suite import dynamo

STATS_PK, STATS_SK = "STATS", "TOTALS"


def trend_pk(kind: str, first_day: str) -> str:
    return f"TREND#{kind}#{first_day}"


def term_pk(day: str) -> str:
    return f"TERM#{day}"


def terms_rank_pk(day: str) -> str:
    return f"TERMS#{day}"


def count_activity(kind: str, item_id: str, windows: Mapping[str, int], amount: int = 1) -> None:
    """One ADD per window ({first day: expires_at}) containing today."""
    for first_day, expires_at in windows.items():
        pk = trend_pk(kind, first_day)
        dynamo.update(table(), pk, item_id, "ADD rank_score :n SET rank_pk = :pk, expires_at = :ttl",
                      values={":n": amount, ":pk": pk, ":ttl": expires_at}, return_values="NONE")


def set_windows_many(entries: Iterable[tuple[str, str, int]], windows: Mapping[str, int]) -> None:
    """Write items' counters in the windows ((kind, item id, count) each; the seed's demo activity for new items,
    which have no counters yet: written in batches, never on a request)."""
    dynamo.batch_put(table(), [{"pk": trend_pk(kind, first_day), "sk": item_id, "rank_pk": trend_pk(kind, first_day),
                                "rank_score": count, "expires_at": expires_at}
                               for kind, item_id, count in entries for first_day, expires_at in windows.items()])


def trending(kind: str, first_day: str, limit: int) -> list[tuple[str, int]]:
    """(item id, count) of one window, highest first."""
    return [(entry.sk, int(entry.rank_score))
            for entry in RankedCounter.by_rank.query(trend_pk(kind, first_day), scan_index_forward=False, limit=limit)]


def count_term(day: str, term: str, *, expires_at: int) -> None:
    dynamo.update(table(), term_pk(day), term, "ADD rank_score :one SET rank_pk = :pk, expires_at = :ttl",
                  values={":one": 1, ":pk": terms_rank_pk(day), ":ttl": expires_at}, return_values="NONE")


def top_terms(day: str, limit: int) -> list[tuple[str, int]]:
    return [(entry.sk, int(entry.rank_score))
            for entry in RankedCounter.by_rank.query(terms_rank_pk(day), scan_index_forward=False, limit=limit)]


# ------------------------------------------------------------------------------------------------ stats

def stats_action(transaction: dynamo.Transaction, counters: Mapping[str, int]) -> None:
    """The stats ADD as an action of a transaction (the directory's: one entity in, one count up)."""
    names = {f"#s{i}": name for i, name in enumerate(counters)}
    values = {f":s{i}": value for i, value in enumerate(counters.values())}
    transaction.update(table(), STATS_PK, STATS_SK, "ADD " + ", ".join(f"#s{i} :s{i}" for i in range(len(counters))),
                       names=names, values=values)


def add_stats(counters: Mapping[str, int]) -> None:
    names = {f"#s{i}": name for i, name in enumerate(counters)}
    values = {f":s{i}": value for i, value in enumerate(counters.values())}
    dynamo.update(table(), STATS_PK, STATS_SK, "ADD " + ", ".join(f"#s{i} :s{i}" for i in range(len(counters))),
                  names=names, values=values, return_values="NONE")


def stats() -> dict[str, int]:
    found = dynamo.get(table(), STATS_PK, STATS_SK) or {}
    return {k: int(v) for k, v in found.items() if k not in ("pk", "sk")}
