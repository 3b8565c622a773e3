"""API v8's catalogue (issue 18 item 3): `{code: 200, message, success, data}` on success and `{code: <status>,
message, success: false, error}` on failure; templates of every kind with ETag/304, batches with `ids` or
`templates` and `notFound`, featured/popular/trending as arrays, search by `query` or `q`, downloads with
checksums (GET) and counted (POST), versions and update checks, the MCP and skills marketplaces."""

from __future__ import annotations

import pytest

from tests.integration.ccjk.market.support import Market, unique

pytestmark = pytest.mark.integration


def test_list_filters_and_the_v8_envelope(market: Market):
    category = unique("v8c")
    first = market.item("agent", category=category, tags=["alpha", "beta"], is_official=True)
    second = market.item("hook", category=category, tags=["alpha"])
    listed = market.get("/api/v8/templates", query={"category": category, "limit": 50})
    assert listed.status == 200, listed.text
    assert (listed.json["code"], listed.json["success"], listed.json["message"]) == (200, True, "success")
    page = listed.json["data"]
    assert {i["id"] for i in page["items"]} == {first["id"], second["id"]}
    assert (page["total"], page["limit"], page["offset"]) == (2, 50, 0)
    tagged = market.get("/api/v8/templates", query={"category": category, "tags": "alpha,beta"}).json["data"]
    assert [i["id"] for i in tagged["items"]] == [first["id"]]
    official = market.get("/api/v8/templates", query={"category": category, "is_official": "true"}).json["data"]
    assert [i["id"] for i in official["items"]] == [first["id"]]
    of_type = market.get("/api/v8/templates", query={"category": category, "type": "hook"}).json["data"]
    assert [i["id"] for i in of_type["items"]] == [second["id"]]
    by_name = market.get("/api/v8/templates", query={"category": category, "sortBy": "name_en", "order": "desc",
                                                     "limit": 1, "offset": 1}).json["data"]
    assert by_name["items"][0]["id"] == sorted([first, second], key=lambda i: i["name_en"].lower())[0]["id"]
    refused = market.get("/api/v8/templates", query={"sortBy": "stars"})
    assert (refused.status, refused.json["code"], refused.json["success"]) == (400, 400, False)
    assert refused.json["error"] == refused.json["message"]


def test_one_template_with_etag_and_304(market: Market):
    made = market.item("workflow", name_zh_cn="流程", usage_examples=[{"title": "t", "description": "d", "code": "c"}])
    one = market.get(f"/api/v8/templates/{made['id']}")
    assert one.status == 200, one.text
    data = one.json["data"]
    assert (data["name_zh_cn"], data["type"], data["usage_examples"][0]["code"]) == ("流程", "workflow", "c")
    tag = one.headers["etag"]
    cached = market.get(f"/api/v8/templates/{made['id']}", headers={"If-None-Match": tag})
    assert (cached.status, cached.text, cached.headers["etag"]) == (304, "", tag)
    assert market.get(f"/api/v8/templates/{made['id']}", headers={"If-None-Match": f'W/{tag}, "x"'}).status == 304
    assert market.get(f"/api/v8/templates/{made['id']}", headers={"If-None-Match": '"other"'}).status == 200
    market.call("PUT", f"/admin/templates/{made['id']}", {"description_en": "changed"}, headers=market.admin())
    assert market.get(f"/api/v8/templates/{made['id']}", headers={"If-None-Match": tag}).status == 200
    missing = market.get("/api/v8/templates/tpl_missing_v8")
    assert (missing.status, missing.json["code"], missing.json["errorCode"]) == (404, 404, "TEMPLATE_NOT_FOUND")


def test_batch_takes_ids_or_templates_and_lists_not_found(market: Market):
    made = market.item("prompt")
    for body in ({"ids": [made["id"], "nope_x"], "language": "zh-CN", "includeStats": True},
                 {"templates": [made["slug"], "nope_x"]}):
        batch = market.call("POST", "/api/v8/templates/batch", body)
        assert batch.status == 200, batch.text
        assert batch.json["requestId"].startswith("req_")
        assert list(batch.json["templates"]) == [body.get("ids", body.get("templates"))[0]]
        assert batch.json["notFound"] == ["nope_x"]
        assert batch.json["data"]["notFound"] == ["nope_x"]
    assert market.call("POST", "/api/v8/templates/batch", {"ids": []}).status == 400
    assert market.call("POST", "/api/v8/templates/batch", {"ids": [{"no": "id"}]}).status == 400


def test_featured_popular_trending_and_categories_are_arrays(market: Market):
    featured = market.item("output-style", is_featured=True)
    answer = market.get("/api/v8/templates/featured", query={"limit": 100})
    assert answer.json["code"] == 200
    assert featured["id"] in [t["id"] for t in answer.json["data"]]
    assert isinstance(market.get("/api/v8/templates/popular").json["data"], list)
    market.get(f"/api/v8/templates/{featured['id']}/download")
    trending = market.get("/api/v8/templates/trending", query={"type": "output-style", "limit": 100}).json["data"]
    assert featured["id"] in [t["id"] for t in trending]
    categories = market.get("/api/v8/templates/categories").json["data"]
    assert "development" in categories
    assert all(isinstance(c, str) for c in categories)


def test_search_by_query_or_q(market: Market):
    word = unique("vs")
    made = market.item("agent", name_en=f"Searcher {word}")
    for name in ("query", "q"):
        found = market.get("/api/v8/templates/search", query={name: word, "type": "agent"})
        assert found.status == 200, found.text
        assert [t["id"] for t in found.json["data"]["items"]] == [made["id"]]
    assert market.get("/api/v8/templates/search").status == 400
    suggestions = market.get("/api/v8/search/suggestions", query={"q": word[:4], "type": "agent"}).json["data"]
    assert made["id"] in [s["id"] for s in suggestions["suggestions"]]


def test_downloads_get_with_checksum_and_post_counts(market: Market):
    made = market.item("claude-md", content="# Project\n")
    got = market.get(f"/api/v8/templates/{made['id']}/download")
    assert got.status == 200, got.text
    assert got.json["data"]["checksum"].startswith("sha256:")
    assert got.json["data"]["download_count"] == 1
    counted = market.call("POST", f"/api/v8/templates/{made['id']}/download")
    assert (counted.json["code"], counted.json["data"]["download_count"]) == (200, 2)
    assert market.get(f"/api/v8/templates/{made['id']}").json["data"]["download_count"] == 2
    assert market.call("POST", "/api/v8/templates/tpl_none_x/download").status == 404


def test_versions_and_update_checks(market: Market):
    made = market.item("workflow", version="1.0.0")
    market.call("PUT", f"/admin/templates/{made['id']}", {"version": "1.2.0"}, headers=market.admin())
    versions = market.get(f"/api/v8/templates/{made['id']}/versions").json["data"]
    assert versions["latest"] == "1.2.0"
    assert [v["version"] for v in versions["versions"]] == ["1.2.0", "1.0.0"]
    check = market.call("POST", "/api/v8/templates/check-updates", {"installed": [
        {"id": made["id"], "version": "1.0.0"}, {"id": made["slug"], "version": "1.10.0"}, {"id": "tpl_gone_x"}]})
    assert check.status == 200, check.text
    data = check.json["data"]
    assert [(u["id"], u["current_version"], u["latest_version"]) for u in data["updates"]] == [
        (made["id"], "1.0.0", "1.2.0")]
    assert (data["upToDate"], data["notFound"]) == ([made["slug"]], ["tpl_gone_x"])


def test_marketplaces_and_one_mcp_server(market: Market):
    server = market.item("mcp", category=unique("mc"))
    page = market.get("/api/v8/mcp/marketplace", query={"category": server["category"], "page": "1",
                                                        "limit": "10"}).json["data"]
    assert [i["id"] for i in page["items"]] == [server["id"]]
    assert market.get(f"/api/v8/mcp/{server['slug']}").json["data"]["id"] == server["id"]
    assert market.get("/api/v8/mcp/mcp_nope_x").status == 404
    skills = market.get("/api/v8/skills/marketplace", query={"limit": 5}).json["data"]
    assert {i["type"] for i in skills["items"]} <= {"skill"}


def test_recommendations_of_one_kind(market: Market):
    word = unique("rk")
    made = market.item("agent", tags=[word])
    answer = market.call("POST", "/api/v8/recommendations/agents", {"tags": [word]})
    assert answer.status == 200, answer.text
    assert made["id"] in [r["id"] for r in answer.json["data"]["recommendations"]]
    assert answer.json["data"]["recommendations"][0]["relevance_score"] > 0
    assert market.call("POST", "/api/v8/recommendations/widgets", {}).status == 400


def test_health(market: Market):
    health = market.get("/api/v8/health")
    assert (health.json["code"], health.json["data"]["status"]) == (200, "ok")
