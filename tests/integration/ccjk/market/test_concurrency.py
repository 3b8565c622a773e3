"""Quotas, duplicate ratings and rating aggregates under concurrent requests (issue 18), on moto with each DynamoDB
request atomic as on AWS (devstack/moto_fidelity.py).

Threads start together (a barrier) and call the service's logic directly, as parallel Lambdas would. The same
race against a store that checks the quota by reading first and then writes without a condition loses: that
variant is an expected failure (strict xfail), so the test shows the conditions are what keeps the count.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from ccjk.logic import catalog, installs, ratings
from ccjk.store import catalog as catalog_data
from ccjk.store import user_installs as install_data
from suite.errors import ApiError
from tests.integration.ccjk.market.support import Market

pytestmark = pytest.mark.integration


def race(count: int, action: Callable[[int], Any]) -> list[str]:
    """Run action(0..count-1) in `count` threads released together; 'ok' or the error code of each."""
    start = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        start.wait()
        try:
            action(n)
            result = "ok"
        except ApiError as error:
            result = error.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def naive_install(user_id: str, values: dict[str, Any], *, limit: int | None) -> None:
    """What a store without conditions would do: read the count, check it, then write."""
    used = install_data.used(user_id, values["item_kind"])
    if limit is not None and used >= limit:
        raise install_data.QuotaExceeded()
    if install_data.get(user_id, values["item_id"]) is not None:
        raise install_data.AlreadyInstalled()
    from ccjk.store.market import table, user_pk  # noqa: PLC0415
    from suite import dynamo  # noqa: PLC0415

    dynamo.put(table(), {"pk": user_pk(user_id), "sk": install_data.install_sk(values["item_id"]), **values})
    dynamo.update(table(), user_pk(user_id), install_data.quota_sk(values["item_kind"]), "ADD used :one",
                  values={":one": 1})


@pytest.mark.parametrize("conditions", [
    True,
    pytest.param(False, marks=pytest.mark.xfail(strict=True, reason="a read-then-write quota check lets racing "
                                                                   "installs past the limit")),
], ids=["transactions", "read-then-write"])
def test_twenty_parallel_installs_of_a_free_user_stop_at_ten(market: Market, monkeypatch, conditions):
    user = market.user()
    skills = [market.item("skill")["id"] for _ in range(20)]
    market.client.use_env("ccjk.MarketFunction")
    if not conditions:
        monkeypatch.setattr(install_data, "install", naive_install)
    outcomes = race(20, lambda n: installs.install(user["id"], skills[n], (catalog.SKILL,)))
    assert Counter(outcomes) == {"ok": 10, "QUOTA_EXCEEDED": 10}
    assert install_data.used(user["id"], catalog.SKILL) == 10
    assert len(installs.installed(user["id"], (catalog.SKILL,))) == 10


def test_one_item_installed_in_parallel_is_installed_once(market: Market):
    user = market.user()
    skill = market.item("skill")["id"]
    market.client.use_env("ccjk.MarketFunction")
    outcomes = race(8, lambda _n: installs.install(user["id"], skill, (catalog.SKILL,)))
    assert Counter(outcomes) == {"ok": 1, "ALREADY_INSTALLED": 7}
    assert install_data.used(user["id"], catalog.SKILL) == 1
    assert int(catalog_data.get(skill).install_count) == 1
    # and uninstalled in parallel, once
    outcomes = race(6, lambda _n: installs.uninstall(user["id"], skill, (catalog.SKILL,)))
    assert Counter(outcomes) == {"ok": 1, "NOT_INSTALLED": 5}
    assert install_data.used(user["id"], catalog.SKILL) == 0
    assert int(catalog_data.get(skill).install_count) == 0


def test_parallel_ratings_keep_the_aggregates_exact(market: Market):
    item = market.item("skill")["id"]
    users = [market.user()["id"] for _ in range(15)]
    stars = [1 + n % 5 for n in range(15)]
    market.client.use_env("ccjk.MarketFunction")
    outcomes = race(15, lambda n: ratings.rate(users[n], item, (catalog.SKILL,), stars[n], None))
    assert outcomes == ["ok"] * 15
    stored = catalog_data.get(item)
    assert (int(stored.rating_count), int(stored.rating_sum)) == (15, sum(stars))
    assert catalog.distribution(stored) == {str(n): 3 for n in range(1, 6)}
    assert float(stored.rating_score) == catalog.bayesian(sum(stars), 15)  # the last writer's score is the true one


def test_one_user_rating_in_parallel_counts_once(market: Market):
    item = market.item("skill")["id"]
    user = market.user()["id"]
    market.client.use_env("ccjk.MarketFunction")
    outcomes = race(8, lambda n: ratings.rate(user, item, (catalog.SKILL,), 1 + n % 5, None))
    assert Counter(outcomes) == {"ok": 1, "DUPLICATE_RATING": 7}
    stored = catalog_data.get(item)
    assert int(stored.rating_count) == 1
    assert sum(catalog.distribution(stored).values()) == 1
    assert int(stored.rating_sum) in range(1, 6)
