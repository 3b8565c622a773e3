"""The feature-flagged "other" routes: text served at a URL, and /apiv1/iroiro (off unless enabled)."""

from __future__ import annotations

import time

from tests.integration.certctrl.support import api_key, bearer, new_account


def test_a_text_is_served_at_its_url_until_it_expires(client, monkeypatch):
    account = new_account(client)
    stored = client.post("/txt-as-url-response", {"text": "token.key-authorization\n", "ttl_seconds": 120},
                         headers=account.headers)
    assert stored.status == 201, stored.text
    data = stored.json["data"]
    assert data["url"] == f"https://api.cjj365.cc/txt-as-url-response/{data['uuid']}"
    assert data["bytes"] == 24
    served = client.get(f"/txt-as-url-response/{data['uuid']}")
    assert served.status == 200
    assert served.text == "token.key-authorization\n"
    assert served.headers["content-type"].startswith("text/plain")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == "sandbox"
    assert client.get("/txt-as-url-response/not-a-uuid").status == 404
    later = time.time() + 121
    monkeypatch.setattr("certctrl.clock.now", lambda: later)
    assert client.get(f"/txt-as-url-response/{data['uuid']}").status == 404


def test_texts_need_the_session_and_stay_small(client):
    account = new_account(client)
    assert client.post("/txt-as-url-response", {"text": "x"}).status == 401
    big = client.post("/txt-as-url-response", {"text": "é" * 40000}, headers=account.headers)
    assert big.status == 413


def test_a_feature_that_is_off_is_not_there(client):
    account = new_account(client)
    assert client.get("/apiv1/iroiro", headers=account.headers).status == 404  # off by default
    client.overrides["ENABLED_FEATURES"] = "iroiro"
    answer = client.get("/apiv1/iroiro", headers=account.headers)
    assert answer.status == 200
    assert answer.json["data"]["features"] == ["iroiro"]
    assert answer.json["data"]["user_id"] == account.user_id
    assert "cert.expiring" in [e["event_key"] for e in answer.json["data"]["notification_events"]]
    _, key = api_key(client, account, [{"obtype": "profile", "obid": "*", "actions": ["read"]}])
    assert client.get("/apiv1/iroiro", headers=bearer(key)).status == 200
    assert client.post("/txt-as-url-response", {"text": "x"}, headers=account.headers).status == 404
