"""Notifications on moto: e-mail channels verified by a code from the outbox, subscriptions, templates, the WeChat
handshake, and events through both queues to the outbox (and to a fake WeChat API)."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest

from certctrl.logic import notify_events, notify_pipeline
from certctrl.store import users as users_store
from devstack.fake_provider import FakeProvider
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.notify_support import (
    Queues,
    channels_path,
    inbox,
    subscribe,
    verified_email_channel,
)
from tests.integration.certctrl.support import api_key, bearer, last_code, new_account
from tests.support.api_client import ApiClient


def publish(client, event_key: str, user_id: int, data: dict, **kwargs) -> dict:
    client.use_env("certctrl.DeviceSocketFunction")  # a producer's environment: NOTIFY_EVENTS_QUEUE_URL
    return notify_events.publish(event_key, user_id, data, **kwargs)


def expiring(client, account, domain: str = "example.com", **kwargs) -> dict:
    return publish(client, "cert.expiring", account.user_id,
                   {"domain_name": domain, "not_after": 1_800_000_000, "days_left": 13, "serial_number": "0a1b"},
                   subject={"type": "certificate", "id": 34}, **kwargs)


def test_an_expiring_certificate_mails_a_verified_subscribed_channel(client):
    account = new_account(client)
    queues = Queues(client)
    channel = verified_email_channel(client, account)
    subscribe(client, account, "cert.expiring", str(channel["id"]))
    before = len(inbox(client, channel["address"]))
    expiring(client, account, "shop.example.com")
    queues.run()
    received = inbox(client, channel["address"])[before:]
    assert len(received) == 1
    assert received[0]["subject"] == "Certificate expires in 13 days: shop.example.com"
    assert "shop.example.com expires on 2027-01-15T08:00:00.000Z (13 days left)" in received[0]["text"]


def test_nothing_reaches_an_unverified_unsubscribed_or_disabled_channel(client):
    account = new_account(client)
    queues = Queues(client)
    address = f"new-{uuid.uuid4().hex[:8]}@example.com"
    unverified = client.post(channels_path(account), {"type": "email", "name": "new", "address": address},
                             headers=account.headers).json["data"]
    subscribe(client, account, "cert.expiring", str(unverified["id"]))
    other = verified_email_channel(client, account)
    subscribe(client, account, "cert.issued", str(other["id"]))  # another event
    disabled = verified_email_channel(client, account)
    subscribe(client, account, "cert.expiring", str(disabled["id"]))
    client.put(f"{channels_path(account)}/{disabled['id']}", {"enabled": False}, headers=account.headers)
    counts = {a: len(inbox(client, a)) for a in (address, other["address"], disabled["address"])}
    expiring(client, account)
    queues.run()
    assert {a: len(inbox(client, a)) for a in counts} == counts


def test_a_channel_type_subscription_and_star_reach_every_verified_channel_once(client):
    account = new_account(client)
    queues = Queues(client)
    first, second = verified_email_channel(client, account), verified_email_channel(client, account)
    subscribe(client, account, "*", "email")
    subscribe(client, account, "cert.expiring", str(first["id"]))  # the same channel twice: one message
    expiring(client, account)
    queues.fan_out()
    deliveries = queues.deliveries()
    assert sorted(int(__import__("json").loads(r["body"])["channel_id"]) for r in deliveries) == \
        sorted([first["id"], second["id"]])
    queues.send(deliveries)
    assert len(inbox(client, first["address"])) == 2
    assert len(inbox(client, second["address"])) == 2


def test_a_redelivered_delivery_sends_once(client):
    account = new_account(client)
    queues = Queues(client)
    channel = verified_email_channel(client, account)
    subscribe(client, account, "cert.failed", "email")
    publish(client, "cert.failed", account.user_id, {"domain_name": "a.example", "error": "DNS"}, event_id="once-1")
    queues.fan_out()
    deliveries = queues.deliveries()
    queues.send(deliveries)
    queues.send(deliveries)  # SQS delivered it again
    publish(client, "cert.failed", account.user_id, {"domain_name": "a.example", "error": "DNS"}, event_id="once-1")
    queues.run()  # the producer emitted the same event again
    failed = [m for m in inbox(client, channel["address"]) if m["subject"].startswith("Certificate issuance")]
    assert len(failed) == 1
    assert "failed: DNS" in failed[0]["text"]


def test_a_stored_template_replaces_the_builtin(client, moto_stack):
    admin = new_account(client)
    client.use_env("certctrl.AuthFunction")
    users_store.User(users_store.user_key(admin.user_id), "USER").update(
        actions=[users_store.User.roles.set(["admin"])])
    queues = Queues(client)
    put = client.put("/apiv1/notifications/templates/cert.renewed.email",
                     {"event_key": "cert.renewed", "channel_type": "email", "subject": "Renewed {{domain_name}}!",
                      "body": "New serial {{serial_number}}."}, headers=admin.headers)
    assert put.status == 200, put.text
    assert put.json["data"]["source"] == "override"
    try:
        channel = verified_email_channel(client, admin)
        subscribe(client, admin, "cert.renewed", str(channel["id"]))
        publish(client, "cert.renewed", admin.user_id, {"domain_name": "b.example", "serial_number": "77"})
        notify_pipeline._templates["at"] = 0.0  # the worker caches templates for a minute
        queues.run()
        assert inbox(client, channel["address"])[-1]["subject"] == "Renewed b.example!"
        assert inbox(client, channel["address"])[-1]["text"] == "New serial 77."
    finally:
        assert client.delete("/apiv1/notifications/templates/cert.renewed.email",
                             headers=admin.headers).status == 204
    assert client.get("/apiv1/notifications/templates/cert.renewed.email",
                      headers=admin.headers).json["data"]["source"] == "builtin"
    assert client.delete("/apiv1/notifications/templates/cert.renewed.email", headers=admin.headers).status == 409


def test_templates_are_read_by_everyone_and_written_by_administrators(client):
    account = new_account(client)
    listed = client.get("/apiv1/notifications/templates", headers=account.headers).json["data"]
    assert {"cert.expiring.email", "device.offline.wechat"} <= {t["id"] for t in listed}
    body = {"event_key": "cert.expiring", "channel_type": "email", "subject": "x", "body": "y"}
    assert client.post("/apiv1/notifications/templates", body, headers=account.headers).status == 403
    assert client.put("/apiv1/notifications/templates/cert.expiring.email", body,
                      headers=account.headers).status == 403
    assert client.get("/apiv1/notifications/templates/nope", headers=account.headers).status == 404


def test_email_channel_codes(client, monkeypatch):
    account = new_account(client)
    address = f"c-{uuid.uuid4().hex[:8]}@example.com"
    channel = client.post(channels_path(account), {"type": "email", "name": "c", "address": address},
                          headers=account.headers).json["data"]
    path = f"{channels_path(account)}/{channel['id']}"
    assert channel["verified"] is False
    assert channel["wechat"] is None
    assert client.post(f"{path}/verify-email", {"code": "000000" if last_code(client, address) != "000000" else "1"},
                       headers=account.headers).status == 400
    too_soon = client.post(f"{path}/resend-email", headers=account.headers)
    assert too_soon.status == 429
    assert int(too_soon.headers["retry-after"]) > 0
    now = time.time() + 61
    monkeypatch.setattr("certctrl.clock.now", lambda: now)
    first = last_code(client, address)
    resent = client.post(f"{path}/resend-email", headers=account.headers)
    assert resent.status == 200
    assert resent.json["data"]["status"] == "code_sent"
    second = last_code(client, address)
    if first != second:
        assert client.post(f"{path}/verify-email", {"code": first}, headers=account.headers).status == 400
    ok = client.post(f"{path}/verify-email", {"code": second}, headers=account.headers)
    assert ok.status == 200
    assert ok.json["data"]["verified"] is True
    assert client.post(f"{path}/resend-email", headers=account.headers).status == 409
    changed = client.put(path, {"address": f"d-{uuid.uuid4().hex[:8]}@example.com"}, headers=account.headers)
    assert changed.status == 200
    assert changed.json["data"]["verified"] is False


def test_channels_belong_to_their_user(client):
    alice, bob = new_account(client), new_account(client)
    channel = verified_email_channel(client, alice)
    other = f"/apiv1/users/{bob.user_id}/notifications/channels/{channel['id']}"
    assert client.get(other, headers=bob.headers).status == 404
    assert client.get(f"{channels_path(alice)}/{channel['id']}", headers=bob.headers).status == 403
    assert client.delete(other, headers=bob.headers).status == 404
    sub = client.put(f"/apiv1/users/{bob.user_id}/notifications/subscriptions/cert.issued/{channel['id']}", {},
                     headers=bob.headers)
    assert sub.status == 404
    duplicate = client.post(channels_path(alice), {"type": "email", "name": "again", "address": channel["address"]},
                            headers=alice.headers)
    assert duplicate.status == 409


def test_subscriptions_with_and_without_the_trailing_slash(client):
    account = new_account(client)
    channel = verified_email_channel(client, account)
    base = f"/apiv1/users/{account.user_id}/notifications/subscriptions"
    made = client.put(f"{base}/cert.issued/{channel['id']}/", {"enabled": False}, headers=account.headers)
    assert made.status == 200
    assert made.json["data"]["enabled"] is False
    assert client.get(f"{base}/cert.issued/{channel['id']}", headers=account.headers).json["data"]["enabled"] is False
    assert client.post(base, {"event_key": "cert.issued", "channel": "email"}, headers=account.headers).status == 201
    assert len(client.get(base, headers=account.headers).json["data"]) == 2
    assert client.delete(f"{base}/cert.issued/{channel['id']}/", headers=account.headers).status == 204
    assert client.get(f"{base}/cert.issued/{channel['id']}/", headers=account.headers).status == 404
    assert client.put(f"{base}/cert.nope/email", {}, headers=account.headers).status == 400
    assert client.put(f"{base}/cert.issued/sms", {}, headers=account.headers).status == 400
    assert client.delete(f"{channels_path(account)}/{channel['id']}", headers=account.headers).status == 204
    assert [s["channel"] for s in client.get(base, headers=account.headers).json["data"]] == ["email"]


def test_api_keys_with_the_notifications_permission(client):
    account = new_account(client)
    _, reader = api_key(client, account, [{"obtype": "notifications", "obid": "*", "actions": ["read"]}])
    assert client.get(channels_path(account), headers=bearer(reader)).status == 200
    made = client.post(channels_path(account), {"type": "email", "name": "x", "address": "k@example.com"},
                       headers=bearer(reader))
    assert made.status == 403


def wechat_channel(client, account, fake_url: str | None = None) -> dict:
    made = client.post(channels_path(account), {"type": "wechat", "name": "wx", "app_id": "wx1234567890",
                                                "app_secret": "s3cret-app-secret", "open_id": "oABCDEF123",
                                                "template_id": "TPL_1"}, headers=account.headers)
    assert made.status == 201, made.text
    assert "s3cret" not in made.text
    assert made.json["data"]["wechat"]["app_secret_set"] is True
    return made.json["data"]


def handshake(client, account, channel) -> dict:
    answer = client.post(f"/apiv1/users/{account.user_id}/notifications/wechat/handshake",
                         {"channel_id": channel["id"]}, headers=account.headers)
    assert answer.status == 201, answer.text
    return answer.json["data"]


def wechat_check(client, data: dict, *, token: str | None = None, timestamp: int | None = None):
    timestamp = str(timestamp or int(time.time()))
    nonce = "84512"
    signature = hashlib.sha1("".join(sorted([token or data["token"], timestamp, nonce])).encode(),
                            usedforsecurity=False).hexdigest()
    path = data["url"].split("://", 1)[1].split("/", 1)[1]
    return client.get(f"/{path}", query={"signature": signature, "timestamp": timestamp, "nonce": nonce,
                                         "echostr": "7337192055"})


def test_the_wechat_handshake_verifies_the_channel(client):
    account = new_account(client)
    channel = wechat_channel(client, account)
    data = handshake(client, account, channel)
    assert data["url"].endswith(f"/apiv1/users/{account.user_id}/notifications/wechat/handshake/"
                                f"{data['handshake_token']}")
    assert len(data["token"]) == 32
    assert wechat_check(client, data, token="wrong-token").status == 403
    assert wechat_check(client, data, timestamp=int(time.time()) - 3600).status == 403
    answer = wechat_check(client, data)
    assert answer.status == 200
    assert answer.text == "7337192055"
    assert answer.headers["content-type"].startswith("text/plain")
    got = client.get(f"{channels_path(account)}/{channel['id']}", headers=account.headers).json["data"]
    assert got["verified"] is True
    assert wechat_check(client, data).text == "7337192055"  # WeChat checks again when its settings change
    other = new_account(client)
    wrong_user = {**data, "url": data["url"].replace(f"/users/{account.user_id}/", f"/users/{other.user_id}/")}
    assert wechat_check(client, wrong_user).status == 404


def test_a_wechat_notification_goes_through_the_official_account(moto_stack, monkeypatch):
    with FakeProvider() as fake:
        fake.respond(json={"access_token": "ACCESS", "expires_in": 7200}, path="/cgi-bin/stable_token")
        fake.respond(json={"errcode": 40001, "errmsg": "invalid credential"}, path="/cgi-bin/message/template/send",
                     times=1)
        fake.respond(json={"errcode": 0, "errmsg": "ok", "msgid": 200228332}, path="/cgi-bin/message/template/send")
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address(),
                           overrides={"WEIXIN_API_BASE_URL": fake.url})
        account = new_account(client)
        channel = wechat_channel(client, account)
        assert wechat_check(client, handshake(client, account, channel)).status == 200
        subscribe(client, account, "cert.expiring", "wechat")
        expiring(client, account, "wx.example.com")
        Queues(client).run()
        sends = [r for r in fake.requests if r.path == "/cgi-bin/message/template/send"]
        assert len(sends) == 2  # the first token was refused: a fresh one, once
        assert sends[-1].json["touser"] == "oABCDEF123"
        assert sends[-1].json["template_id"] == "TPL_1"
        assert sends[-1].json["data"]["title"]["value"] == "Certificate expires in 13 days: wx.example.com"
        tokens = [r for r in fake.requests if r.path == "/cgi-bin/stable_token"]
        assert tokens[0].json == {"grant_type": "client_credential", "appid": "wx1234567890",
                                  "secret": "s3cret-app-secret", "force_refresh": False}


def test_a_provider_outage_is_retried_by_the_queue(moto_stack, monkeypatch):
    with FakeProvider() as fake:
        fake.respond(json={"access_token": "ACCESS", "expires_in": 7200}, path="/cgi-bin/stable_token")
        fake.respond(json={"errcode": -1, "errmsg": "system busy"}, path="/cgi-bin/message/template/send")
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address(),
                           overrides={"WEIXIN_API_BASE_URL": fake.url})
        account = new_account(client)
        channel = wechat_channel(client, account)
        assert wechat_check(client, handshake(client, account, channel)).status == 200
        subscribe(client, account, "cert.issued", str(channel["id"]))
        publish(client, "cert.issued", account.user_id, {"domain_name": "c.example"})
        queues = Queues(client)
        queues.fan_out()
        deliveries = queues.deliveries()
        answer = queues.send(deliveries)
        assert [f["itemIdentifier"] for f in answer["batchItemFailures"]] == [deliveries[0]["messageId"]]


@pytest.mark.parametrize("event_key", [e.key for e in notify_events.EVENTS])
def test_every_event_has_builtin_templates_that_render(event_key):
    event = notify_events.BY_KEY[event_key]
    data = {name: f"<{name}>" for name in event.fields}
    assert "{{" not in notify_events.render(event.subject, data) + notify_events.render(event.body, data)
