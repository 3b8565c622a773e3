"""API v1 for a signed-in user (issue 18 item 3): accounts with a 1-hour access token and a rotating 30-day refresh
token, installs with per-tier quotas, ratings with their summary and distribution, downloads with SHA-256
checksums, uploads, providers, sync sets, usage, attributions, session transfers and telemetry."""

from __future__ import annotations

import hashlib

import pytest

from tests.integration.ccjk.market.support import PASSWORD, Market, unique

pytestmark = pytest.mark.integration


# ------------------------------------------------------------------------------------------------ accounts

def test_register_login_refresh_verify_logout(market: Market):
    user = market.user()
    verified = market.get("/api/v1/auth/verify", headers=user["headers"])
    assert verified.status == 200, verified.text
    assert verified.json["data"]["user"]["email"] == user["email"]
    assert market.get("/auth/me", headers=user["headers"]).status == 200  # the access token is a ccjk user JWT
    login = market.call("POST", "/api/v1/auth/login", {"email": user["email"], "password": PASSWORD})
    assert login.status == 200, login.text
    assert login.json["expiresIn"] == 3600
    assert login.json["tokenType"] == "Bearer"
    wrong = market.call("POST", "/api/v1/auth/login", {"email": user["email"], "password": "not the password"})
    assert (wrong.status, wrong.json["code"]) == (401, "INVALID_CREDENTIALS")

    first = market.call("POST", "/api/v1/auth/refresh", {"refreshToken": user["refresh"]})
    assert first.status == 200, first.text
    rotated = first.json["data"]["refreshToken"]
    assert rotated != user["refresh"]
    second = market.call("POST", "/api/v1/auth/refresh", {"refresh_token": rotated})
    assert second.status == 200, second.text
    # the first token came back: somebody holds a copy, so the whole sign-in ends
    replay = market.call("POST", "/api/v1/auth/refresh", {"refreshToken": user["refresh"]})
    assert (replay.status, replay.json["code"]) == (401, "REFRESH_TOKEN_REUSED")
    latest = second.json["data"]["refreshToken"]
    assert market.call("POST", "/api/v1/auth/refresh", {"refreshToken": latest}).status == 401
    assert market.call("POST", "/api/v1/auth/refresh", {"refreshToken": "rt_forged"}).status == 401


def test_logout_ends_the_sign_in(market: Market):
    user = market.user()
    out = market.call("POST", "/api/v1/auth/logout", headers=user["headers"])
    assert out.status == 200, out.text
    assert out.json["message"] == "Logged out successfully"
    assert market.get("/api/v1/auth/verify", headers=user["headers"]).status == 401
    assert market.call("POST", "/api/v1/auth/refresh", {"refreshToken": user["refresh"]}).status == 401
    assert market.get("/api/v1/auth/verify").status == 401
    assert market.get("/auth/me", headers=user["headers"]).status == 401  # signed out everywhere


def test_register_refuses_a_taken_email(market: Market):
    user = market.user()
    again = market.call("POST", "/api/v1/auth/register", {"email": user["email"].upper(), "password": PASSWORD})
    assert (again.status, again.json["code"]) == (409, "EMAIL_EXISTS")


# ------------------------------------------------------------------------------------------------ installs

def test_free_tier_installs_ten_skills_then_quota_exceeded(market: Market):
    user = market.user()
    skills = [market.item("skill") for _ in range(11)]
    for n, skill in enumerate(skills[:10], start=1):
        done = market.call("POST", "/api/v1/skills/user/install", {"skillId": skill["id"]}, headers=user["headers"])
        assert done.status == 201, done.text
        assert done.json["data"]["quota"] == {"used": n, "limit": 10, "remaining": 10 - n, "tier": "free",
                                              "unlimited": False}
    over = market.call("POST", "/api/v1/skills/user/install", {"skillId": skills[10]["id"], "userTier": "enterprise"},
                       headers=user["headers"])
    assert (over.status, over.json["code"]) == (400, "QUOTA_EXCEEDED")
    assert over.json["details"]["quota"] == {"used": 10, "limit": 10, "tier": "free"}
    listed = market.get("/api/v1/skills/user", headers=user["headers"]).json["data"]
    assert listed["total"] == 10
    assert {s["skillId"] for s in listed["skills"]} == {s["id"] for s in skills[:10]}
    # an MCP server counts against its own kind's quota
    server = market.item("mcp")
    assert market.call("POST", "/api/v8/mcp/user/install", {"mcp_id": server["id"]},
                       headers=user["headers"]).status == 201
    out = market.call("POST", "/api/v1/skills/user/uninstall", {"skillId": skills[0]["slug"]}, headers=user["headers"])
    assert out.status == 200, out.text
    assert out.json["data"]["quota"]["used"] == 9
    assert market.call("POST", "/api/v1/skills/user/install", {"skillId": skills[10]["id"]},
                       headers=user["headers"]).status == 201


def test_pro_and_enterprise_quotas(market: Market):
    pro = market.user(tier="pro")
    assert market.get("/api/v1/skills/user/quota", headers=pro["headers"]).json["data"] == {
        "used": 0, "limit": 100, "remaining": 100, "tier": "pro", "unlimited": False}
    boss = market.user(tier="enterprise")
    skill = market.item("skill")
    done = market.call("POST", "/api/v1/skills/user/install", {"skillId": skill["id"]}, headers=boss["headers"])
    assert done.json["data"]["quota"] == {"used": 1, "limit": -1, "remaining": -1, "tier": "enterprise",
                                          "unlimited": True}


def test_install_errors(market: Market):
    user = market.user()
    skill = market.item("skill")
    assert market.call("POST", "/api/v1/skills/user/install", {"skillId": skill["id"]},
                       headers=user["headers"]).status == 201
    again = market.call("POST", "/api/v1/skills/user/install", {"skillId": skill["slug"]}, headers=user["headers"])
    assert (again.status, again.json["code"]) == (409, "ALREADY_INSTALLED")
    missing = market.call("POST", "/api/v1/skills/user/install", {"skillId": "skill_nope-nope"},
                          headers=user["headers"])
    assert (missing.status, missing.json["code"]) == (404, "SKILL_NOT_FOUND")
    other = market.item("skill")
    not_there = market.call("POST", "/api/v1/skills/user/uninstall", {"skillId": other["id"]}, headers=user["headers"])
    assert (not_there.status, not_there.json["code"]) == (404, "NOT_INSTALLED")
    assert market.call("POST", "/api/v1/skills/user/install", {"skillId": skill["id"]}).status == 401


def test_the_older_user_paths_are_the_callers_own(market: Market):
    user, stranger = market.user(), market.user()
    skill = market.item("skill")
    path = f"/api/v1/users/{user['id']}/skills"
    assert market.call("POST", path, {"skillId": skill["id"]}, headers=user["headers"]).status == 201
    assert market.get(path, headers=stranger["headers"]).status == 403
    changed = market.call("PATCH", f"{path}/{skill['id']}", {"isEnabled": False, "config": {"lang": "zh"}},
                          headers=user["headers"])
    assert changed.status == 200, changed.text
    assert (changed.json["data"]["isEnabled"], changed.json["data"]["config"]) == (False, {"lang": "zh"})
    listed = market.get(path, headers=user["headers"]).json["data"]["skills"]
    assert [(s["skillId"], s["isEnabled"]) for s in listed] == [(skill["id"], False)]
    assert market.call("DELETE", f"{path}/{skill['id']}", headers=stranger["headers"]).status == 403
    assert market.call("DELETE", f"{path}/{skill['id']}", headers=user["headers"]).status == 200
    assert market.call("DELETE", f"{path}/{skill['id']}", headers=user["headers"]).status == 404


def test_install_counts_show_in_listings_and_rankings(market: Market):
    skill = market.item("skill")
    for _ in range(3):
        user = market.user()
        market.call("POST", "/api/v1/skills/user/install", {"skillId": skill["id"]}, headers=user["headers"])
    shown = market.get(f"/api/skills/{skill['id']}").json["data"]
    assert shown["installCount"] == 3
    ranking = market.get("/api/rankings", query={"dimension": "installs", "limit": 100}).json["data"]
    entry = next(e for e in ranking["items"] if e["id"] == skill["id"])
    assert entry["score"] == 3


def test_v8_installs_for_every_kind_with_their_quota_names(market: Market):
    user = market.user()
    for group, kind, key in (("skills", "skill", "skill_id"), ("mcp", "mcp", "mcp_id"),
                             ("agents", "agent", "agent_id"), ("hooks", "hook", "hook_id")):
        item = market.item(kind)
        done = market.call("POST", f"/api/v8/{group}/user/install", {key: item["id"], "version": "1.0.0"},
                           headers=user["headers"])
        assert done.status == 201, done.text
        assert done.json["code"] == 200
        assert done.json["data"]["installed"]["id"] == item["id"]
        noun = {"skills": "skills", "mcp": "mcp", "agents": "agents", "hooks": "hooks"}[group]
        assert done.json["data"]["quota"][f"used_{noun}"] == 1
        assert done.json["data"]["quota"][f"max_{noun}"] == 10
        listed = market.get(f"/api/v8/{group}/user", headers=user["headers"]).json["data"]
        assert [i["id"] for i in listed["items"]] == [item["id"]]
        gone = market.call("DELETE", f"/api/v8/{group}/user/uninstall", {"id": item["id"]}, headers=user["headers"])
        assert gone.status == 200, gone.text
        assert gone.json["data"]["quota"][f"remaining_{noun}"] == 10
        again = market.call("DELETE", f"/api/v8/{group}/user/uninstall", {"id": item["id"]}, headers=user["headers"])
        assert (again.status, again.json["code"], again.json["success"]) == (404, 404, False)
        assert again.json["errorCode"] == "NOT_INSTALLED"
    # a skill is not an MCP server
    skill = market.item("skill")
    wrong_kind = market.call("POST", "/api/v8/mcp/user/install", {"mcp_id": skill["id"] + "-x"},
                             headers=user["headers"])
    assert wrong_kind.status == 404


# ------------------------------------------------------------------------------------------------ ratings

def test_ratings_one_per_user_with_summary_and_distribution(market: Market):
    skill = market.item("skill")
    for stars in (5, 4, 4):
        user = market.user()
        rated = market.call("POST", f"/api/v1/skills/{skill['id']}/ratings",
                            {"userId": user["id"], "rating": stars, "review": f"{stars} stars"},
                            headers=user["headers"])
        assert rated.status == 201, rated.text
    twice = market.call("POST", f"/api/v1/skills/{skill['id']}/ratings", {"rating": 1}, headers=user["headers"])
    assert (twice.status, twice.json["code"]) == (409, "DUPLICATE_RATING")
    for bad in (0, 6):
        refused = market.call("POST", f"/api/v1/skills/{skill['id']}/ratings", {"rating": bad},
                              headers=market.user()["headers"])
        assert (refused.status, refused.json["code"]) == (400, "INVALID_RATING_VALUE")
    other = market.user()
    assert market.call("POST", f"/api/v1/skills/{skill['id']}/ratings", {"userId": user["id"], "rating": 3},
                       headers=other["headers"]).status == 403
    page = market.get(f"/api/v1/skills/{skill['id']}/ratings", query={"sort": "highest"}).json["data"]
    assert page["summary"] == {"average": 4.33, "count": 3, "distribution": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}}
    assert [r["rating"] for r in page["ratings"]] == [5, 4, 4]
    newest = market.get(f"/api/v1/skills/{skill['id']}/ratings", query={"sort": "oldest", "limit": 1}).json["data"]
    assert [r["rating"] for r in newest["ratings"]] == [5]
    assert newest["pagination"]["total"] == 3
    v8 = market.get(f"/api/v8/ratings/skill/{skill['id']}").json["data"]
    assert v8["summary"] == {"average_rating": 4.33, "total_ratings": 3,
                             "distribution": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}}
    shown = market.get(f"/api/skills/{skill['slug']}").json["data"]
    assert (shown["ratingAvg"], shown["ratingCount"]) == (4.33, 3)
    missing = market.call("POST", "/api/v1/skills/skill_nope-nope/ratings", {"rating": 3},
                          headers=market.user()["headers"])
    assert (missing.status, missing.json["code"]) == (404, "SKILL_NOT_FOUND")


def test_v8_rating_with_comment_for_any_kind(market: Market):
    server = market.item("mcp")
    user = market.user()
    rated = market.call("POST", f"/api/v8/ratings/mcp/{server['id']}", {"rating": 2, "comment": "flaky"},
                        headers=user["headers"])
    assert rated.status == 201, rated.text
    assert rated.json["data"]["comment"] == "flaky"
    listed = market.get(f"/api/v8/ratings/mcp-servers/{server['slug']}", query={"sortBy": "lowest"}).json["data"]
    assert listed["ratings"][0]["comment"] == "flaky"
    assert listed["summary"]["distribution"]["2"] == 1


# ------------------------------------------------------------------------------------------------ downloads, uploads

def test_download_has_a_sha256_checksum_and_counts(market: Market):
    content = "---\nname: checksum\n---\n\nWrite tests first.\n"
    skill = market.item("skill", content=content)
    answer = market.get(f"/api/v1/skills/{skill['id']}/download")
    assert answer.status == 200, answer.text
    data = answer.json["data"]
    digest = hashlib.sha256(content.encode()).hexdigest()
    assert (data["content"], data["sha256"], data["checksum"], data["size"]) == (content, digest, f"sha256:{digest}",
                                                                                  len(content.encode()))
    assert answer.headers["x-checksum-sha256"] == digest
    assert data["downloadCount"] == 1
    assert market.get(f"/api/v1/skills/{skill['id']}/download").json["data"]["downloadCount"] == 2
    manifest = market.item("mcp", install_command="npx -y some-server")
    got = market.get(f"/api/v8/templates/{manifest['id']}/download").json["data"]
    assert '"installCommand": "npx -y some-server"' in got["content"]
    assert got["sha256"] == hashlib.sha256(got["content"].encode()).hexdigest()
    assert market.get("/api/v1/skills/skill_nope-nope/download").status == 404


def test_upload_a_skill_and_a_provider(market: Market):
    user = market.user()
    uploaded = market.call("POST", "/api/v1/skills/upload",
                           {"name": f"My {unique()}", "description": "Mine", "content": "Do the thing.",
                            "tags": ["Mine"], "category": "utility"}, headers=user["headers"])
    assert uploaded.status == 201, uploaded.text
    data = uploaded.json["data"]
    assert (data["provider"], data["isOfficial"], data["isVerified"], data["tags"]) == ("community", False, False,
                                                                                        ["mine"])
    assert market.get(f"/api/v1/skills/{data['id']}").status == 200
    code = unique("p")
    provider = market.call("POST", "/api/v1/providers",
                           {"shortcode": code, "name": "Mine", "apiUrl": "https://api.example.com/v1",
                            "verified": True, "category": "official"}, headers=user["headers"])
    assert provider.status == 201, provider.text
    assert (provider.json["data"]["verified"], provider.json["data"]["category"]) == (False, "custom")
    assert market.get(f"/api/v1/providers/{code}").json["data"]["createdBy"] == user["id"]
    dup = market.call("POST", "/api/v1/providers", {"shortcode": code, "name": "Again", "apiUrl": "https://a.example"},
                      headers=user["headers"])
    assert (dup.status, dup.json["code"]) == (409, "PROVIDER_EXISTS")
    private = market.call("POST", "/api/v1/providers", {"shortcode": unique("p"), "name": "Internal",
                                                        "apiUrl": "https://10.0.0.5/v1"}, headers=user["headers"])
    assert private.status == 400  # user-supplied URLs must be public https
    listed = market.get("/api/v1/providers", query={"category": "custom"}).json["data"]
    assert code in [p["shortcode"] for p in listed["providers"]]


# ------------------------------------------------------------------------------------------------ sync, usage

def test_sync_sets_per_user_or_anonymous_device(market: Market):
    user = market.user()
    first = market.call("POST", "/api/v1/hooks/sync", {"hooks": [{"id": "fmt", "name": "Format"},
                                                                 {"id": "lint", "name": "Lint"}]},
                        headers=user["headers"])
    assert first.status == 200, first.text
    assert (first.json["uploaded"], first.json["downloaded"], first.json["stored"]) == (2, 0, True)
    second = market.call("POST", "/api/v1/hooks/sync", {"hooks": [{"id": "fmt", "name": "Format"}]},
                         headers=user["headers"])
    assert (second.json["skipped"], second.json["downloaded"]) == (1, 1)
    assert second.json["items"] == [{"id": "lint", "name": "Lint"}]
    anonymous = market.call("POST", "/api/v1/agents/sync", {"agents": [{"id": "a"}]})
    assert anonymous.json["stored"] is False
    device = {"X-Device-ID": f"device-{unique()}"}
    assert market.call("POST", "/api/v1/claude-md/sync", {"templates": [{"name": "x"}]}, headers=device).json[
        "uploaded"] == 1
    back = market.call("POST", "/api/v1/claude-md/sync", {"templates": []}, headers=device)
    assert back.json["items"] == [{"name": "x"}]


def test_usage_is_the_callers(market: Market):
    user = market.user()
    market.call("POST", "/api/v1/skills/user/install", {"skillId": market.item("skill")["id"]},
                headers=user["headers"])
    mine = market.call("POST", "/api/v1/usage/current", {}, headers=user["headers"]).json["data"]
    assert (mine["tier"], mine["anonymous"], mine["installs"]["skill"]["used"]) == ("free", False, 1)
    anonymous = market.call("POST", "/api/v1/usage/current", {}).json["data"]
    assert anonymous["anonymous"] is True


# ------------------------------------------------------------------------------------------------ sessions

def test_attributions(market: Market):
    made = market.call("POST", "/api/v1/attributions", {"sessionId": "s-1", "source": "cli", "metadata": {"a": 1}})
    assert made.status == 201, made.text
    found = market.get(f"/api/v1/attributions/{made.json['data']['attributionId']}").json["data"]
    assert (found["sessionId"], found["metadata"], found["url"]) == ("s-1", {"a": 1}, "claude://teleport/s-1")
    assert market.get("/api/v1/attributions/attr_nope").status == 404


def test_session_transfers_are_the_users_own(market: Market):
    user, stranger = market.user(), market.user()
    data = {"messages": [{"role": "user", "content": "hi", "timestamp": "2026-01-01T00:00:00Z"}],
            "context": {"gitBranch": "main"}}
    up = market.call("POST", "/api/v1/sessions/upload", {"sessionId": "local-1", "data": data, "checksum": "x"},
                     headers=user["headers"])
    assert up.status == 201, up.text
    transfer = up.json["data"]["transferId"]
    expected = hashlib.sha256(b'{"context":{"gitBranch":"main"},"messages":[{"content":"hi","role":"user",'
                              b'"timestamp":"2026-01-01T00:00:00Z"}]}').hexdigest()
    assert up.json["data"]["checksum"] == expected
    got = market.get(f"/api/v1/sessions/{transfer}", headers=user["headers"]).json["data"]
    assert got["messages"] == data["messages"]
    assert market.get(f"/api/v1/sessions/{transfer}/status", headers=user["headers"]).json["data"]["status"] == "ready"
    assert market.get(f"/api/v1/sessions/{transfer}", headers=stranger["headers"]).status == 404
    assert market.get(f"/api/v1/sessions/{transfer}").status == 401  # 401 before 404
    listed = market.get("/api/v1/sessions", headers=user["headers"]).json["data"]
    assert ([s["transferId"] for s in listed["sessions"]], listed["total"]) == ([transfer], 1)
    assert market.call("DELETE", f"/api/v1/sessions/{transfer}", headers=user["headers"]).status == 200
    assert market.get(f"/api/v1/sessions/{transfer}", headers=user["headers"]).status == 404


def test_telemetry_is_accepted_whatever_it_holds(market: Market):
    for path in ("/api/v1/telemetry/installation", "/api/v1/telemetry/events", "/api/v1/telemetry/errors",
                 "/api/v8/telemetry/installation"):
        for body in (b'{"reportId":"r1","metricType":"install"}', b"not json", b"", b"[1,2,3]", b"x" * 40_000):
            answer = market.call("POST", path, raw_body=body, headers={"content-type": "application/json"})
            assert answer.status == 202, (path, body[:20], answer.text)
            assert answer.json["data"]["accepted"] is True
