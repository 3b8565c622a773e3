"""Proxy configs: passwords sealed and masked, the default proxy, the UI's top-level `items`/`success`, and a
real connectivity test - a tunnel through fake HTTP-CONNECT and SOCKS5 proxies - that refuses private
addresses unless their origin is trusted."""

from __future__ import annotations

import json

import pytest

from tests.integration.relay.fake_proxies import connect_proxy, socks5_proxy
from tests.integration.relay.support import Relay

PASSWORD = "proxy-CANARY-password"


def trusted(moto_stack, monkeypatch, port: int) -> Relay:
    return Relay(moto_stack, monkeypatch, RELAY_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}")


def test_crud_with_a_sealed_password(relay, admin):
    created = relay.post("/api/admin/proxy-configs", admin, {"name": "hk", "type": "socks5", "host": "proxy.example",
                                                             "port": 1080, "username": "u", "password": PASSWORD})
    assert created.status == 201, created.text
    data = created.json["data"]
    assert (data["password"], data["has_password"]) == ("****", True)
    assert PASSWORD not in created.text
    relay.env("relay.AdminFilterFunction")
    from relay.store import proxies  # noqa: PLC0415

    assert PASSWORD not in json.dumps(proxies.get(data["id"]).attribute_values, default=str)
    listed = relay.get("/api/admin/proxy-configs", admin)
    assert listed.json["items"] == listed.json["data"]["items"], "the UI reads items at the top level"
    assert listed.json["total"] >= 1
    assert PASSWORD not in listed.text
    edited = relay.put(f"/api/admin/proxy-configs/{data['id']}", admin, {"name": "hk-2", "password": "****"})
    assert edited.json["data"]["has_password"] is True
    assert relay.put(f"/api/admin/proxy-configs/{data['id']}/toggle", admin).json["data"]["enabled"] is False
    enabled = relay.get("/api/admin/proxy-configs/enabled", admin).json
    assert data["id"] not in [p["id"] for p in enabled["items"]]
    assert relay.put(f"/api/admin/proxy-configs/{data['id']}/default", admin).json["data"]["is_default"] is True
    assert relay.get("/api/admin/proxy-configs/default", admin).json["data"]["id"] == data["id"]
    other = relay.post("/api/admin/proxy-configs", admin, {"name": "b", "host": "p2.example", "port": 8080}).json
    relay.put(f"/api/admin/proxy-configs/{other['data']['id']}/default", admin)
    assert relay.get(f"/api/admin/proxy-configs/{data['id']}", admin).json["data"]["is_default"] is False
    assert relay.delete("/api/admin/proxy-configs/default", admin).status == 200
    assert relay.get("/api/admin/proxy-configs/default", admin).json["data"] is None
    assert relay.delete(f"/api/admin/proxy-configs/{data['id']}", admin).status == 200
    assert relay.get(f"/api/admin/proxy-configs/{data['id']}", admin).status == 404


def test_http_connect_tunnel(moto_stack, monkeypatch, empty_relay, admin):
    with connect_proxy(credentials=("u", "p")) as (port, seen):
        relay = trusted(moto_stack, monkeypatch, port)
        answer = relay.post("/api/admin/proxy-configs/test", admin, {"type": "http", "host": "127.0.0.1",
                                                                     "port": port, "username": "u", "password": "p"})
        assert answer.status == 200
        assert answer.json["success"] is True, answer.text
        assert answer.json["data"]["success"] is True
        assert seen[-1].startswith("CONNECT api.anthropic.com:443 HTTP/1.1")
        assert "Proxy-Authorization: Basic dTpw" in seen[-1]
        refused = relay.post("/api/admin/proxy-configs/test", admin, {"type": "http", "host": "127.0.0.1",
                                                                      "port": port})
        assert refused.json["success"] is False
        assert "407" in refused.json["error"]


def test_socks5_tunnel_of_a_stored_proxy_records_the_outcome(moto_stack, monkeypatch, empty_relay, admin):
    with socks5_proxy(user="alice", password=PASSWORD) as (port, seen):
        relay = trusted(moto_stack, monkeypatch, port)
        stored = relay.post("/api/admin/proxy-configs", admin, {"name": "s5", "type": "socks5", "host": "127.0.0.1",
                                                                "port": port, "username": "alice",
                                                                "password": PASSWORD}).json["data"]
        # the UI sends the row back, masked password included: the stored password is used
        answer = relay.post("/api/admin/proxy-configs/test", admin, {"id": stored["id"], "type": "socks5",
                                                                     "host": "127.0.0.1", "port": port,
                                                                     "username": "alice", "password": "****"})
        assert answer.json["success"] is True, answer.text
        assert seen[-1] == ("api.anthropic.com", 443)
        after = relay.get(f"/api/admin/proxy-configs/{stored['id']}", admin).json["data"]
        assert after["test_status"] == "success"
        assert after["last_test_at"]


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "localhost", "[::1]"])
def test_private_proxies_are_refused_unless_trusted(relay, admin, host):
    answer = relay.post("/api/admin/proxy-configs/test", admin, {"type": "http", "host": host, "port": 3128})
    assert answer.status == 200
    assert answer.json["success"] is False
    assert "not allowed" in answer.json["error"]


def test_socks5_refusal(moto_stack, monkeypatch, empty_relay, admin):
    with socks5_proxy(reply=5) as (port, _seen):
        relay = trusted(moto_stack, monkeypatch, port)
        answer = relay.post("/api/admin/proxy-configs/test", admin, {"type": "socks5", "host": "127.0.0.1",
                                                                     "port": port})
        assert answer.json["success"] is False
        assert "SOCKS reply 5" in answer.json["error"]
