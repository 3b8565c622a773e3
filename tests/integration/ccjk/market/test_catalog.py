"""The public API and API v1's catalogue reads (issue 18 items 2-3): listings with limit/page/search (q)/category/
featured/sort, one id space across every API, the prefix search index, suggestions and trending terms,
categories, recommendations from a project, templates by id and in batches. No Scan: every read is a Query or a
GetItem (bench/aws_calls.py counts them)."""

from __future__ import annotations

import pytest

from tests.integration.ccjk.market.support import Market, unique

pytestmark = pytest.mark.integration


def ids(answer) -> list[str]:
    return [entry["id"] for entry in answer.json["data"]]


def test_public_skills_list_filters_sorts_and_pages(market: Market):
    word = unique("cat")
    made = [market.item("skill", name_en=f"Lister {word} {n}", category=word, is_featured=n == 2,
                        slug=f"{word}-{n}") for n in range(3)]
    listed = market.get("/api/skills", query={"category": word, "sort": "name", "limit": 2})
    assert listed.status == 200, listed.text
    assert ids(listed) == [made[0]["id"], made[1]["id"]]
    assert listed.json["pagination"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2, "hasNext": True}
    second = market.get("/api/skills", query={"category": word, "sort": "name", "limit": 2, "page": 2})
    assert ids(second) == [made[2]["id"]]
    assert second.json["pagination"]["hasNext"] is False
    featured = market.get("/api/skills", query={"category": word, "featured": "true"})
    assert ids(featured) == [made[2]["id"]]
    huge = market.get("/api/skills", query={"category": word, "limit": 1000})
    assert huge.json["pagination"]["limit"] == 100  # clamped
    for bad in ({"limit": "x"}, {"page": "0"}, {"sort": "random"}, {"featured": "maybe"}):
        refused = market.get("/api/skills", query=bad)
        assert refused.status == 400, bad
        assert (refused.json["success"], refused.json["code"]) == (False, "VALIDATION_ERROR")
        assert refused.json["message"] == refused.json["error"]
    assert listed.headers["cache-control"] == "public, max-age=30"


def test_search_and_its_alias_q_filter_listings(market: Market):
    word = unique("zq")
    made = market.item("skill", name_en=f"Alpha {word}", description_en="Finds the needle in stacks")
    market.item("skill", name_en=f"Beta {unique()}", category="development")
    for name in ("search", "q"):
        found = market.get("/api/skills", query={name: word})
        assert ids(found) == [made["id"]], name
    assert ids(market.get("/api/v1/skills", query={"search": word})) == [made["id"]]


def test_one_id_space_every_api_resolves_every_form(market: Market):
    slug = unique("one-")
    skill = market.item("skill", slug=slug, name_en="One Id")
    assert skill["id"] == f"skill_{slug}"
    for ref in (skill["id"], slug, f"tpl_{slug}", f"template_{slug}", f"SKILL_{slug}"):
        assert market.get(f"/api/skills/{ref}").json["data"]["id"] == skill["id"], ref
        assert market.get(f"/api/v1/skills/{ref}").json["data"]["id"] == skill["id"], ref
        assert market.get(f"/api/v1/templates/{ref}").json["data"]["id"] == skill["id"], ref
        assert market.get(f"/api/v8/templates/{ref}").json["data"]["id"] == skill["id"], ref
    # the same slug as an MCP server is another item; each kind's API takes its own
    server = market.item("mcp", slug=slug, name_en="One Id Server")
    assert server["id"] == f"mcp_{slug}"
    assert market.get(f"/api/mcp-servers/{slug}").json["data"]["id"] == server["id"]
    assert market.get(f"/api/skills/{slug}").json["data"]["id"] == skill["id"]
    # an id names its slug, and an API takes the slug's item of its own kind: with no MCP server of that slug,
    # a skill's id at the MCP servers API is not found
    lonely = market.item("skill")
    assert market.get(f"/api/mcp-servers/{lonely['id']}").status == 404
    assert market.get(f"/api/mcp-servers/{skill['id']}").json["data"]["id"] == server["id"]
    missing = market.get("/api/skills/no-such-skill-anywhere")
    assert (missing.status, missing.json["code"]) == (404, "SKILL_NOT_FOUND")
    assert missing.json["error"] == missing.json["message"] == "Skill not found"


def test_search_is_a_prefix_index_with_and_semantics_and_cjk(market: Market):
    word = unique("pf")
    first = market.item("skill", name_en=f"Kubernetes {word} Deployer", name_zh_cn="部署专家",
                        tags=["k8s", "helm"], description_en="Ships charts to clusters")
    second = market.item("agent", name_en=f"Kubernetes {word} Auditor", tags=["k8s"])
    every = market.get("/api/search", query={"q": word[:6], "type": "all"})
    assert every.status == 200, every.text
    found = {r["id"] for r in every.json["data"]["results"]}
    assert {first["id"], second["id"]} <= found
    both_words = market.get("/api/search", query={"q": f"{word} deploy", "type": "all"})
    assert [r["id"] for r in both_words.json["data"]["results"]] == [first["id"]]  # every word must match
    only_agents = market.get("/api/search", query={"q": word, "type": "agents"})
    assert [r["id"] for r in only_agents.json["data"]["results"]] == [second["id"]]
    chinese = market.get("/api/search", query={"q": "部署专家", "type": "skills"})
    assert first["id"] in [r["id"] for r in chinese.json["data"]["results"]]
    by_description = market.get("/api/v1/skills/search", query={"q": f"charts {word}"})
    assert [r["id"] for r in by_description.json["results"]] == [first["id"]]
    assert by_description.json["query"] == f"charts {word}"
    one_letter = market.get("/api/search", query={"q": "k"})
    assert one_letter.json["data"]["results"] == []  # too short to look up (docs/ccjk.md, "Search")
    assert market.get("/api/search").status == 400


def test_renamed_item_moves_in_the_index(market: Market):
    old, new = unique("old"), unique("new")
    made = market.item("skill", name_en=f"Name {old}")
    assert [r["id"] for r in market.get("/api/search", query={"q": old}).json["data"]["results"]] == [made["id"]]
    changed = market.call("PUT", f"/admin/skills/{made['id']}", {"name_en": f"Name {new}"}, headers=market.admin())
    assert changed.status == 200, changed.text
    assert market.get("/api/search", query={"q": old}).json["data"]["results"] == []
    assert [r["id"] for r in market.get("/api/search", query={"q": new}).json["data"]["results"]] == [made["id"]]
    market.call("DELETE", f"/admin/skills/{made['id']}", headers=market.admin())
    assert market.get("/api/search", query={"q": new}).json["data"]["results"] == []


def test_suggestions_complete_names_and_categories(market: Market):
    word = unique("sg")
    made = market.item("skill", name_en=f"{word.capitalize()} Runner")
    answer = market.get("/api/v1/skills/search/suggestions", query={"q": word[:5], "limit": 5})
    assert answer.status == 200, answer.text
    suggestions = answer.json["suggestions"]  # the v1 client reads them at the top level
    assert {"text": made["name_en"], "type": "skill", "skillId": made["id"], "id": made["id"]} in suggestions
    assert {"text": "development", "type": "category", "skillId": None, "id": None} in \
        market.get("/api/v1/skills/search/suggestions", query={"q": "dev"}).json["suggestions"]
    assert market.get("/api/v1/skills/search/suggestions", query={"q": "x", "limit": 50}).status == 200


def test_trending_search_terms_count_searches(market: Market):
    term = unique("trend")
    for _ in range(3):
        market.get("/api/search", query={"q": term})
    keywords = market.get("/api/v1/skills/search/trending", query={"limit": 50}).json["keywords"]
    assert {"keyword": term, "count": 3} in keywords


def test_categories_count_items(market: Market):
    word = unique("cg")
    for _ in range(2):
        market.item("skill", category=word)
    market.item("mcp", category=word)
    categories = market.get("/api/categories").json["data"]
    assert {"name": word, "id": word, "count": 2} in categories
    assert {"name": word, "id": word, "count": 1} in market.get("/api/categories", query={"type": "mcp"}).json["data"]
    one = market.get(f"/api/categories/{word}", query={"type": "skills,mcp"})
    assert one.json["data"]["total"] == 3
    assert market.get("/api/categories", query={"type": "bogus"}).status == 400


def test_v1_marketplace_answers_at_the_top_level_with_filters(market: Market):
    answer = market.get("/api/v1/skills/marketplace", query={"limit": 5, "sort": "rating"})
    assert answer.status == 200, answer.text
    body = answer.json
    assert body["skills"] == body["data"]["skills"]
    assert set(body["pagination"]) == {"page", "limit", "total", "totalPages", "hasNext"}
    assert body["filters"]["sortOptions"] == ["popular", "newest", "updated", "rating", "trending", "name", "downloads"]
    assert "community" in body["filters"]["providers"]


def test_specs_recommend_by_the_projects_dependencies(market: Market):
    word = unique("fw")
    relevant = market.item("skill", name_en=f"{word} helper", tags=[word, "react"])
    market.item("hook", name_en=f"Unrelated {unique()}", tags=["cobol"])
    spec = {"projectRoot": "/src/app", "dependencies": {"react": "^19", word: "1.0.0"}, "devDependencies": {},
            "gitRemote": "git@github.com:me/app.git"}
    answer = market.call("POST", "/api/v1/specs", spec)
    assert answer.status == 200, answer.text
    recommendations = answer.json["recommendations"]  # the setup client reads them at the top level
    first = next(r for r in recommendations if r["id"] == relevant["id"])
    assert first["category"] == "skill"
    assert 0 < first["relevanceScore"] <= 1
    assert first["name"]["en"] == relevant["name_en"]
    assert "react" in answer.json["frameworks"]
    assert answer.json["requestId"].startswith("req_")
    installed = market.call("POST", "/api/v1/specs", {**spec, "installed": [relevant["id"]]})
    assert relevant["id"] not in [r["id"] for r in installed.json["recommendations"]]
    hooks_only = market.call("POST", "/api/v1/hooks/recommendations", spec)
    assert {r["type"] for r in hooks_only.json["recommendations"]} <= {"hook"}


def test_templates_by_id_and_in_batches(market: Market):
    made = market.item("claude-md", name_en="Python rules", name_zh_cn="Python 规则", content="# Rules\n")
    one = market.get(f"/api/v1/templates/{made['id']}", query={"language": "zh-CN"})
    assert one.status == 200, one.text
    assert (one.json["title"], one.json["content"], one.json["name"]["zh-CN"]) == ("Python 规则", "# Rules\n",
                                                                                  "Python 规则")
    for body in ({"ids": [made["id"], "tpl_missing_one"]}, {"templates": [{"id": made["id"]}, "tpl_missing_one"]}):
        batch = market.call("POST", "/api/v1/templates/batch", body)
        assert batch.status == 200, batch.text
        assert list(batch.json["templates"]) == [made["id"]]
        assert batch.json["notFound"] == batch.json["missing"] == ["tpl_missing_one"]
    assert market.call("POST", "/api/v1/templates/batch", {}).status == 400
    missing = market.get("/api/v1/templates/tpl_missing_one")
    assert (missing.status, missing.json["success"], missing.json["message"]) == (404, False, "Template not found")


def test_agents_hooks_claude_md_and_health(market: Market):
    agent = market.item("agent")
    hook = market.item("hook", provider="community")
    assert agent["id"] in ids(market.get("/api/v1/agents", query={"limit": 100, "sort": "newest"}))
    assert market.get(f"/api/v1/agents/{agent['slug']}").json["data"]["id"] == agent["id"]
    assert hook["id"] in ids(market.get("/api/v1/hooks/community", query={"limit": 100, "sort": "newest"}))
    assert market.get(f"/api/v1/hooks/{hook['id']}").json["data"]["type"] == "hook"
    market.item("claude-md", content="# CLAUDE.md\n")
    templates = market.get("/api/v1/claude-md/templates", query={"limit": 100}).json["data"]
    assert templates
    assert {t["type"] for t in templates} == {"claude-md"}
    health = market.get("/api/v1/health")
    assert health.json["status"] == "healthy"
    assert "success" not in health.json
