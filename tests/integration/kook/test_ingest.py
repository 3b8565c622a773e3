"""Ingest: the KOOK webhook (challenge, verify_token, zlib + AES, dedupe by sn, enqueue) and the poller (cursor
per channel with conditional updates, KOOK's rate-limit headers), on moto with a fake KOOK."""

import json

from kook.logic import poller, webhook
from kook.store import ingest
from kook.store import settings as settings_store
from tests.integration.kook.pipeline_support import (
    TG_TOKEN,
    add_account,
    add_bot,
    add_mapping,
    channel_event,
    peek,
    webhook_body,
)
from tests.support.lambda_events import load_event

ENCRYPT_KEY = "encrypt-key-16ch"


def post(api, account_id, body, *, query="", content_type="application/json"):
    return api.post(f"/kook/webhook/{account_id}", raw_body=body, query=query, token=None,
                    headers={"content-type": content_type})


def test_challenge_is_answered_only_with_the_right_verify_token(api, pipeline):
    account_id = add_account(api, "a@example.com", bot_token="1/bot", verify_token="vt-1", encrypt_key=ENCRYPT_KEY)
    challenge = {"s": 0, "d": {"type": 255, "channel_type": "WEBHOOK_CHALLENGE", "challenge": "ch-9",
                               "verify_token": "vt-1"}}
    answer = post(api, account_id, webhook_body(challenge, encrypt_key=ENCRYPT_KEY))
    assert (answer.status, answer.body) == (200, {"challenge": "ch-9"})
    wrong = dict(challenge, d={**challenge["d"], "verify_token": "vt-2"})
    assert post(api, account_id, webhook_body(wrong, encrypt_key=ENCRYPT_KEY)).status == 403
    plain = post(api, account_id, json.dumps(challenge).encode(), query="compress=0")  # the key is optional for KOOK
    assert plain.body == {"challenge": "ch-9"}
    garbage = post(api, account_id, b"\x78\x9c garbage", content_type="application/octet-stream")
    assert (garbage.status, garbage.body["error_code"]) == (400, "INVALID_PARAM")
    assert post(api, 999, webhook_body(challenge)).status == 404
    no_token = add_account(api, "b@example.com", bot_token="1/bot")
    answer = post(api, no_token, webhook_body(challenge))
    assert (answer.status, answer.body["error_code"]) == (403, "PERMISSION_DENIED")


def test_events_are_queued_once_per_sn_in_their_channel_group(api, pipeline):
    account_id = add_account(api, "a@example.com", bot_token="1/bot", verify_token="vt-1", encrypt_key=ENCRYPT_KEY)
    event = channel_event("1001", "msg-1", sn=11)
    assert post(api, account_id, webhook_body(event, encrypt_key=ENCRYPT_KEY)).body["result"] == "queued"
    assert post(api, account_id, webhook_body(event, encrypt_key=ENCRYPT_KEY)).body["result"] == "duplicate"
    (queued,) = peek(pipeline["INGEST_QUEUE_URL"])
    assert queued["Attributes"]["MessageGroupId"] == "channel-1001"
    assert queued["Attributes"]["MessageDeduplicationId"] == "msg-msg-1"
    message = json.loads(queued["Body"])
    assert (message["msg_id"], message["channel_id"], message["type"], message["account_id"]) == (
        "msg-1", "1001", 9, account_id)
    assert message["author"]["nickname"] == "发送者"
    assert "verify_token" not in queued["Body"]

    direct = channel_event("1001", "msg-dm", sn=12)
    direct["d"]["channel_type"] = "PERSON"
    system = channel_event("1001", "msg-sys", sn=13, message_type=255)
    for ignored in (direct, system):
        assert post(api, account_id, webhook_body(ignored, encrypt_key=ENCRYPT_KEY)).body["result"] == "ignored"
    api.post(f"/api/accounts/{account_id}/stop")
    stopped = channel_event("1001", "msg-stopped", sn=14)
    assert post(api, account_id, webhook_body(stopped, encrypt_key=ENCRYPT_KEY)).body["result"] == "ignored"
    api.post(f"/api/accounts/{account_id}/start")
    api.post("/api/system/stop")
    assert post(api, account_id, webhook_body(stopped, encrypt_key=ENCRYPT_KEY)).body["result"] == "ignored"
    assert len(peek(pipeline["INGEST_QUEUE_URL"])) == 1


def test_a_claim_is_released_when_the_queue_refuses(api, pipeline, monkeypatch):
    account_id = add_account(api, "a@example.com", bot_token="1/bot", verify_token="vt-1")
    event = channel_event("1001", "msg-retry", sn=21)

    def broken(_url, _messages):
        raise RuntimeError("SQS is down")

    working = webhook.queues.send_fifo
    monkeypatch.setattr(webhook.queues, "send_fifo", broken)
    answer = post(api, account_id, webhook_body(event))
    assert (answer.status, answer.body["error_code"]) == (503, "QUEUE_FULL")
    monkeypatch.setattr(webhook.queues, "send_fifo", working)
    assert post(api, account_id, webhook_body(event)).body["result"] == "queued"  # KOOK's retry is accepted


def test_the_sample_event_files_run(api, pipeline):
    account_id = add_account(api, "a@example.com", bot_token="1/bot", verify_token="EXAMPLE-verify-token")
    assert account_id == 1
    from kook.handlers.webhook import handler  # noqa: PLC0415
    from tests.support.lambda_events import FakeLambdaContext, response_json  # noqa: PLC0415

    challenge = handler(load_event("kook/webhook-challenge.json"), FakeLambdaContext())
    assert response_json(challenge) == {"challenge": "bkes654x09XY"}
    queued = handler(load_event("kook/webhook-event.json"), FakeLambdaContext())
    assert response_json(queued) == {"success": True, "result": "queued"}


# ------------------------------------------------------------------------------------------------ polling

def kook_items(channel, count, *, start=0, base_ms=1_900_000_000_000):
    return [{"id": f"{channel}-{i}", "type": 1, "content": f"消息 {i}", "create_at": base_ms + i,
             "author": {"id": "77", "username": "u", "nickname": "用户"}} for i in range(start, start + count)]


def script_list(fake, pages, *, headers=None):
    """KOOK's /message/list answering `pages` in order (each a list of items)."""
    remaining = list(pages)

    def answer(request):
        items = remaining.pop(0) if remaining else []
        body = {"code": 0, "message": "", "data": {"items": items}}
        return 200, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()

    fake.respond_with(answer, path="/api/v3/message/list")


def test_poller_starts_at_the_mapping_then_follows_the_cursor(api, pipeline, fake, monkeypatch):
    account_id = add_account(api, "p@example.com", bot_token="1/bot")
    bot = add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1"})
    add_mapping(api, "5001", bot)
    old = kook_items("5001", 3, base_ms=1_000_000_000_000)  # before the mapping existed: not forwarded
    new = kook_items("5001", 2)
    script_list(fake, [old + new, kook_items("5001", 50, start=2), kook_items("5001", 3, start=52), []])
    first = poller.run(remaining_seconds=60)
    assert (first["polled"], first["queued"]) == (1, 2)
    assert ingest.cursor("5001")["msg_id"] == "5001-1"
    second = poller.run(remaining_seconds=60)  # a full page, then a short one: both queued, cursor at the end
    assert second["queued"] == 53
    assert ingest.cursor("5001")["msg_id"] == "5001-54"
    asked = [r.query.get("msg_id") for r in fake.requests if r.path == "/api/v3/message/list"]
    assert asked == [None, ["5001-1"], ["5001-51"]]
    bodies = [json.loads(m["Body"]) for m in peek(pipeline["INGEST_QUEUE_URL"])]
    assert [b["msg_id"] for b in bodies] == ["5001-0", "5001-1"] + [f"5001-{i}" for i in range(2, 55)]
    assert {b["source"] for b in bodies} == {"poll"}
    assert settings_store.system_state()["last_ingest_source"] == "poll"
    assert account_id


def test_poller_cursor_moves_once_when_two_runs_overlap(api, pipeline, fake, monkeypatch):
    add_account(api, "p@example.com", bot_token="1/bot")
    bot = add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1"})
    add_mapping(api, "5002", bot)
    ingest.advance_cursor("5002", msg_id="5002-0", timestamp=1, expected_version=None)
    script_list(fake, [kook_items("5002", 3, start=1), kook_items("5002", 3, start=1)])
    stale = ingest.cursor("5002")
    real_cursor = ingest.cursor
    monkeypatch.setattr(ingest, "cursor", lambda channel: stale)  # both runs read the cursor before either writes
    first, second = poller.run(remaining_seconds=60), poller.run(remaining_seconds=60)
    monkeypatch.setattr(ingest, "cursor", real_cursor)
    assert (first["cursor_conflicts"], second["cursor_conflicts"]) == (0, 1)
    assert ingest.cursor("5002")["version"] == stale["version"] + 1
    queued = [json.loads(m["Body"])["msg_id"] for m in peek(pipeline["INGEST_QUEUE_URL"])]
    assert queued == ["5002-1", "5002-2", "5002-3"]  # the second copies were dropped by FIFO deduplication


def test_poller_honours_kook_rate_limits_and_skips_webhook_accounts(api, pipeline, fake):
    account_id = add_account(api, "p@example.com", bot_token="1/bot")
    add_account(api, "w@example.com", bot_token="1/bot", verify_token="vt")  # webhook mode: not polled
    bot = add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1"})
    add_mapping(api, "5003", bot)
    add_mapping(api, "5004", bot)
    script_list(fake, [kook_items("5003", 1)],
                headers={"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "30"})
    outcome = poller.run(remaining_seconds=60)
    assert (outcome["polled"], outcome["paused"]) == (1, 1)  # 5004 waits for KOOK's bucket
    assert ingest.paused_until(account_id) >= ingest.clock.epoch() + 28
    assert len([r for r in fake.requests if r.path == "/api/v3/message/list"]) == 1
    fake.reset()
    fake.throttle(times=None, retry_after=5, path="/api/v3/message/list")
    ingest.pause(account_id, 0)
    throttled = poller.run(remaining_seconds=60)
    assert throttled["errors"] == 1
    assert ingest.paused_until(account_id) > ingest.clock.epoch()


def test_poller_does_nothing_while_stopped_and_the_sample_event_runs(api, pipeline):
    from kook.handlers.poll import handler  # noqa: PLC0415
    from tests.support.lambda_events import FakeLambdaContext  # noqa: PLC0415

    assert handler(load_event("kook/poll.json"), FakeLambdaContext()) == {"skipped": "no account to poll"}
    api.post("/api/system/stop")
    assert poller.run(remaining_seconds=60) == {"skipped": "service stopped"}
