"""AI tool rankings (issue 18 item 4): GET /api/rankings by installs, by rating (Bayesian score), and trending
(installs and downloads of the last 7 days, from window counters kept by atomic ADDs) — each served by a Query
on an index kept in order; plus the seed command that makes `make dev` a living marketplace."""

from __future__ import annotations

import pytest

from ccjk import clock, seed
from ccjk.logic import rankings
from tests.integration.ccjk.market.support import Market, unique

pytestmark = pytest.mark.integration


def ranking(market: Market, **query) -> list[dict]:
    answer = market.get("/api/rankings", query={"limit": 100, **query})
    assert answer.status == 200, answer.text
    return answer.json["data"]["items"]


def test_rating_ranks_by_bayesian_score(market: Market):
    kind = "output-style"  # a kind few tests write, so the top of its index is these items
    many, one = market.item(kind), market.item(kind)
    for stars in (5, 5, 5, 4, 5, 5):
        market.call("POST", f"/api/v8/ratings/{kind}/{many['id']}", {"rating": stars},
                    headers=market.user()["headers"])
    market.call("POST", f"/api/v8/ratings/{kind}/{one['id']}", {"rating": 5}, headers=market.user()["headers"])
    order = [e["id"] for e in ranking(market, dimension="rating", type=kind)]
    assert order.index(many["id"]) < order.index(one["id"])  # six good ratings beat one perfect one
    entry = next(e for e in ranking(market, dimension="rating", type=kind) if e["id"] == one["id"])
    assert entry["ratingAvg"] == 5.0
    assert entry["score"] == pytest.approx((3 * 5 + 5) / 6, abs=1e-3)


def test_trending_counts_the_last_seven_days_only(market: Market, monkeypatch):
    kind = "prompt"
    old, fresh = market.item(kind), market.item(kind)
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start - 8 * 86400)  # eight days ago
    for _ in range(5):
        market.get(f"/api/v8/templates/{old['id']}/download")
    monkeypatch.setattr(clock, "now", lambda: start - 3 * 86400)
    market.get(f"/api/v8/templates/{fresh['id']}/download")
    monkeypatch.setattr(clock, "now", lambda: start)
    market.call("POST", f"/api/v8/templates/{fresh['id']}/download")
    trending = ranking(market, dimension="trending", type=kind)
    counts = {e["id"]: e["score"] for e in trending}
    assert counts[fresh["id"]] == 2
    assert old["id"] not in counts  # five downloads, but outside the window
    window = market.get("/api/rankings", query={"dimension": "trending", "type": kind}).json["data"]["window"]
    assert window == {"days": 7, "from": rankings.current_window(), "to": clock.iso()[:10]}
    assert market.get(f"/api/v8/templates/{old['id']}").json["data"]["download_count"] == 5  # all-time counter


def test_installs_ranking_and_types(market: Market):
    items = [market.item("hook") for _ in range(2)]
    user = market.user()
    market.call("POST", "/api/v8/hooks/user/install", {"hook_id": items[1]["id"]}, headers=user["headers"])
    both = ranking(market, dimension="installs", type="hooks")
    assert both[0]["installCount"] >= 1
    scores = [e["score"] for e in both]
    assert scores == sorted(scores, reverse=True)
    every = market.get("/api/rankings", query={"type": "all", "limit": 5}).json["data"]
    assert len(every["items"]) <= 5
    assert market.get("/api/rankings", query={"dimension": "stars"}).status == 400


def test_the_seed_loads_a_living_catalogue_and_runs_again(market: Market, tmp_path, capsys):
    word = unique("seed")
    catalog = tmp_path / "catalog.json"
    catalog.write_text(
        '{"items": [{"type": "skill", "slug": "' + word + '", "name_en": "Seeded ' + word + '", "category": "testing",'
        ' "activity": {"installs": 40, "downloads": 90, "ratings": {"5": 3, "4": 1}, "trending": 7}}],'
        ' "providers": [{"shortcode": "' + word + '", "name": "P", "apiUrl": "https://p.example.com"}]}',
        encoding="utf-8")
    assert seed.main(["catalog", str(catalog)]) == 0
    assert "1 items created" in capsys.readouterr().out
    shown = market.get(f"/api/skills/{word}").json["data"]
    assert (shown["installCount"], shown["downloadCount"], shown["ratingCount"], shown["ratingAvg"]) == (40, 90, 4,
                                                                                                      4.75)
    assert f"skill_{word}" in [e["id"] for e in ranking(market, dimension="trending")]
    assert seed.main(["catalog", str(catalog)]) == 0
    assert "0 items created, 1 updated" in capsys.readouterr().out
    assert market.get(f"/api/skills/{word}").json["data"]["installCount"] == 40  # activity only on creation


def test_the_shipped_catalogue_is_valid():
    import json  # noqa: PLC0415

    from ccjk.models.market import NewCatalogItem, NewProvider  # noqa: PLC0415

    document = json.loads(seed.DEFAULT_CATALOG.read_text(encoding="utf-8"))
    kinds = [NewCatalogItem.model_validate(item).type for item in document["items"]]
    assert len(kinds) >= 70
    assert {"skill", "mcp", "agent", "hook", "workflow", "output-style", "prompt", "claude-md"} <= set(kinds)
    assert len([NewProvider.model_validate(p) for p in document["providers"]]) >= 8
