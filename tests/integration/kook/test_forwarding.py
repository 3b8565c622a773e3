"""Routing and sending on moto with fake targets: one job per (message, target) on FIFO queues, loop prevention
and filters, exactly-once delivery with log rows and live pushes, 429 deferral by retry_after, failing bots,
backoff and the DLQ, resumable multi-part messages, media through S3, the Feishu token refresh, DLQ replay."""

import json

import pytest

from kook.logic import forwarding
from kook.store import bots as bot_store
from kook.store import logs as log_store
from kook.store import queues as queue_store
from kook.store import settings as settings_store
from tests.integration.kook.pipeline_support import (
    FEISHU_SECRET,
    PNG,
    TG_TOKEN,
    WEBHOOK_TOKEN,
    add_account,
    add_bot,
    add_mapping,
    channel_event,
    consume,
    drain,
    handler,
    peek,
    script_targets,
    three_targets,
    webhook_body,
)
from tests.support.lambda_events import FakeLambdaContext, load_event


def send_event(api, account_id, event):
    answer = api.post(f"/kook/webhook/{account_id}", raw_body=webhook_body(event), token=None,
                      headers={"content-type": "application/json"})
    assert answer.body["result"] == "queued", answer.body


@pytest.fixture
def source(api, pipeline, fake):
    """A webhook account (its bot user is `bot-self`) and the platforms answering normally."""
    return add_account(api, "a@example.com", bot_token="1/bot", verify_token="vt-1")


def target_requests(fake, prefix):
    return [r for r in fake.requests if r.path.startswith(prefix)]


# ------------------------------------------------------------------------------------------------ routing

def test_router_emits_one_job_per_target_in_fifo_groups(api, pipeline, fake, source):
    script_targets(fake)
    bots = three_targets(api, fake)
    add_mapping(api, "1001", add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-9"}), enabled=0)
    add_mapping(api, "2002", add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-8"}))
    send_event(api, source, channel_event("1001", "m-1", sn=1))
    assert consume(pipeline, "INGEST")["batchItemFailures"] == []
    jobs = {}
    for platform in ("DISCORD", "TELEGRAM", "FEISHU"):
        (queued,) = peek(pipeline[f"{platform}_QUEUE_URL"])
        jobs[platform] = json.loads(queued["Body"])
        bot_id = bots[platform.lower()]
        assert queued["Attributes"]["MessageGroupId"] == f"bot-{bot_id}:-"
        assert queued["Attributes"]["MessageDeduplicationId"] == f"m-1:{jobs[platform]['mapping_id']}"
        assert WEBHOOK_TOKEN not in queued["Body"]
        assert FEISHU_SECRET not in queued["Body"]
    assert jobs["DISCORD"]["parts"] == ["你好 \\<世界> & **朋友**"]
    assert jobs["DISCORD"]["username"] == "发送者"
    assert jobs["DISCORD"]["avatar_url"] == "https://img.kookapp.cn/avatars/a.png"
    assert jobs["TELEGRAM"]["parts"] == ["<b>发送者</b>:\n你好 &lt;世界&gt; &amp; <b>朋友</b>"]
    assert jobs["FEISHU"]["parts"][0]["zh_cn"]["title"] == "发送者 · #公告"
    assert {j["content"] for j in jobs.values()} == {"你好 <世界> & 朋友"}
    state = settings_store.system_state()
    assert state["last_ingest_source"] == "webhook"
    assert api.get("/api/accounts").body["data"][0]["last_active"]


def test_router_drops_our_own_bots_messages_and_filtered_ones(api, pipeline, fake, source):
    script_targets(fake)
    three_targets(api, fake)
    send_event(api, source, channel_event("1001", "m-own", sn=1, author="bot-self"))  # our bot wrote it: a loop
    api.post("/api/system/filter-rules", {"keyword_filter_enabled": True, "keyword_blacklist": ["广告"]})
    send_event(api, source, channel_event("1001", "m-ad", sn=2, content="买广告"))
    send_event(api, source, channel_event("9999", "m-unmapped", sn=3))
    routed = 0
    while (answer := consume(pipeline, "INGEST"))["records"]:
        assert answer["batchItemFailures"] == []
        routed += answer["records"]
    assert routed == 3
    for platform in ("DISCORD", "TELEGRAM", "FEISHU"):
        assert peek(pipeline[f"{platform}_QUEUE_URL"]) == []
    assert len(target_requests(fake, "/api/v3/user/me")) == 1  # asked once, then kept on the account
    assert api.get("/api/accounts").body["data"][0]["id"] == source


def test_the_router_sample_event_runs(api, pipeline, fake, source):
    script_targets(fake)
    result = handler("kook.handlers.routing.handler")(load_event("kook/router.json"), FakeLambdaContext())
    assert result == {"batchItemFailures": []}  # channel 9876543210 is not mapped: nothing to do


# ------------------------------------------------------------------------------------------------ sending

def test_each_target_gets_its_message_once_with_a_log_row_and_a_live_push(api, pipeline, fake, source):
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends  # noqa: PLC0415

    from kook.logic import live  # noqa: PLC0415

    script_targets(fake)
    three_targets(api, fake)
    assert live.connect("conn-1", "logs", api.token) == 200
    send_event(api, source, channel_event("1001", "m-1", sn=1))
    drain(pipeline)
    discord = target_requests(fake, "/api/webhooks/")
    assert len(discord) == 1
    assert discord[0].json["allowed_mentions"] == {"parse": []}
    assert discord[0].query == {"wait": ["true"]}
    (telegram,) = [r for r in target_requests(fake, "/bot") if r.path.endswith("/sendMessage")]
    assert telegram.json == {"chat_id": "-1001", "text": "<b>发送者</b>:\n你好 &lt;世界&gt; &amp; <b>朋友</b>",
                             "parse_mode": "HTML", "disable_web_page_preview": True}
    (feishu,) = target_requests(fake, "/open-apis/im/v1/messages")
    assert feishu.query == {"receive_id_type": ["chat_id"]}
    assert feishu.json["msg_type"] == "post"
    assert len(feishu.json["uuid"]) == 32
    assert json.loads(feishu.json["content"])["zh_cn"]["content"] == [
        [{"tag": "text", "text": "你好 <世界> & "}, {"tag": "text", "text": "朋友", "style": ["bold"]}]]
    rows = api.get("/api/logs", query="channel_id=1001").body["data"]
    assert sorted((r["target_platform"], r["status"], r["attempts"]) for r in rows) == [
        ("discord", "success", 1), ("feishu", "success", 1), ("telegram", "success", 1)]
    latencies = [r["latency_ms"] for r in rows]
    assert len(latencies) == 3
    assert all(latency is not None and latency >= 0 for latency in latencies)
    pushed = apigatewaymanagementapi_backends["123456789012"]["us-east-1"].connections["conn-1"].data.decode()
    events = [json.loads(line) for line in pushed.replace("}{", "}\n{").splitlines()]
    assert {(e["type"], e["data"]["platform"], e["data"]["status"]) for e in events} == {
        ("log", "discord", "success"), ("log", "telegram", "success"), ("log", "feishu", "success")}

    # A redelivered job (SQS at-least-once, or the same message routed again later) is not sent twice.
    job = {"msg_id": "m-1", "mapping_id": rows[0]["mapping_id"], "bot_id": rows[0]["target_bot_id"],
           "platform": rows[0]["target_platform"]}
    attempt = forwarding.Attempt(pipeline["DISCORD_QUEUE_URL"], "unused", 1)
    sent_before = len(fake.requests)
    assert forwarding.deliver(job, attempt) == "duplicate"
    assert len(fake.requests) == sent_before


@pytest.mark.parametrize(("platform", "throttle", "expected"), [
    ("telegram", {"json_body": {"ok": False, "error_code": 429, "parameters": {"retry_after": 7}},
                  "retry_after": 7}, 7),
    ("discord", {"json_body": {"message": "You are being rate limited.", "retry_after": 2.5, "global": False},
                 "retry_after": 2.5}, 3),
])
def test_a_429_defers_the_job_by_retry_after(api, pipeline, fake, source, monkeypatch, platform, throttle,  # noqa: PLR0917
                                             expected):
    deferred = []
    real_defer = queue_store.defer
    monkeypatch.setattr(queue_store, "defer", lambda url, receipt, seconds: (deferred.append(seconds),
                                                                             real_defer(url, receipt, seconds)))
    prefix = "/bot" if platform == "telegram" else "/api/webhooks/"
    fake.throttle(times=1, path=prefix, **throttle)
    script_targets(fake)
    three_targets(api, fake)
    send_event(api, source, channel_event("1001", "m-429", sn=1))
    consume(pipeline, "INGEST")
    failed = consume(pipeline, platform.upper())
    assert len(failed["batchItemFailures"]) == 1
    assert deferred == [expected]
    row = log_store.delivery("m-429", str(_mapping_of(api, platform)))
    assert row["status"] == "failed"
    assert "rate limited" in row["error_message"]
    assert consume(pipeline, platform.upper())["batchItemFailures"] == []  # the retry goes through
    assert log_store.delivery("m-429", str(_mapping_of(api, platform)))["status"] == "success"


def _mapping_of(api, platform):
    bots = {b["platform"]: b["id"] for b in api.get("/api/bots").body["data"]}
    return next(m["id"] for m in api.get("/api/mappings").body["data"] if m["target_bot_id"] == bots[platform])


def test_a_refused_webhook_marks_the_bot_failing_instead_of_retrying(api, pipeline, fake, source):
    fake.respond(status=404, json={"message": "Unknown Webhook", "code": 10015}, path="/api/webhooks/")
    script_targets(fake)
    bots = three_targets(api, fake)
    send_event(api, source, channel_event("1001", "m-404", sn=1))
    send_event(api, source, channel_event("1001", "m-after", sn=2))
    consume(pipeline, "INGEST")
    assert consume(pipeline, "DISCORD")["batchItemFailures"] == []  # not retried
    assert bot_store.get(bots["discord"])["status"] == bot_store.FAILING
    assert consume(pipeline, "DISCORD")["batchItemFailures"] == []  # the next job: dropped without a call
    assert len(target_requests(fake, "/api/webhooks/")) == 1
    rows = {r["kook_message_id"]: r for r in api.get("/api/logs", query="platform=discord").body["data"]}
    assert "标记为失效" in rows["m-404"]["error_message"]
    assert "已被标记为失效" in rows["m-after"]["error_message"]
    fake.reset()
    script_targets(fake)
    assert api.post(f"/api/bots/{bots['discord']}/test").status == 200  # fixed: a test makes it active again
    assert bot_store.get(bots["discord"])["status"] == "active"


def test_server_errors_back_off_and_the_fifth_receive_goes_to_the_dlq(api, pipeline, fake, source, monkeypatch):
    deferred = []
    monkeypatch.setattr(queue_store, "defer", lambda url, receipt, seconds: deferred.append(seconds))
    fake.fail(times=None, status=502, path="/open-apis/im/v1/messages")
    script_targets(fake)
    three_targets(api, fake)
    send_event(api, source, channel_event("1001", "m-5xx", sn=1))
    consume(pipeline, "INGEST")
    for _attempt in range(5):
        assert len(consume(pipeline, "FEISHU")["batchItemFailures"]) == 1
    assert len(deferred) == 5  # every failed receive deferred the job, the fifth included
    assert all(1 <= seconds <= 300 for seconds in deferred)
    assert consume(pipeline, "FEISHU")["records"] == 0  # moved to the dead-letter queue by SQS
    (dead,) = peek(pipeline["FEISHU_DLQ_URL"])
    assert json.loads(dead["Body"])["msg_id"] == "m-5xx"
    row = log_store.delivery("m-5xx", str(_mapping_of(api, "feishu")))
    assert (row["status"], row["attempts"]) == ("failed", 5)
    assert "死信队列" in row["error_message"]


def test_replay_moves_dead_letters_back_and_they_are_delivered(api, pipeline, fake, source):
    script_targets(fake)
    three_targets(api, fake)
    job = {"v": 1, "msg_id": "m-dlq", "channel_id": "1001", "mapping_id": _mapping_of(api, "telegram"),
           "bot_id": next(b["id"] for b in api.get("/api/bots").body["data"] if b["platform"] == "telegram"),
           "platform": "telegram", "target_channel": "", "kind": "text", "content": "x", "sender": "s",
           "parts": ["from the DLQ"], "media": []}
    queue_store.send_fifo(pipeline["TELEGRAM_DLQ_URL"], [queue_store.FifoMessage(job, "bot-2:-", "m-dlq:2")])
    result = handler("kook.handlers.replay.handler")(load_event("kook/replay.json"), FakeLambdaContext())
    assert result == {"replayed": {"ingest": 0, "discord": 0, "telegram": 1, "feishu": 0}, "total": 1}
    (back,) = peek(pipeline["TELEGRAM_QUEUE_URL"])
    assert back["Attributes"]["MessageGroupId"] == "bot-2:-"
    assert back["Attributes"]["MessageDeduplicationId"].startswith("replay-")
    assert peek(pipeline["TELEGRAM_DLQ_URL"]) == []
    consume(pipeline, "TELEGRAM")
    assert [r.json["text"] for r in target_requests(fake, "/bot")] == ["from the DLQ"]
    assert handler("kook.handlers.replay.handler")({"queue": "slack"}, FakeLambdaContext())["replayed"] == {}


def test_a_long_message_resumes_after_the_parts_already_sent(api, pipeline, fake, source):
    calls = []

    def telegram(request):
        calls.append(request.json["text"].removeprefix("<b>发送者</b>:\n")[:3])
        if len(calls) == 2:
            return 500, {"Content-Type": "application/json"}, b'{"ok": false}'
        return 200, {"Content-Type": "application/json"}, b'{"ok": true, "result": {"message_id": 1}}'

    fake.respond_with(telegram, path="/bot")
    script_targets(fake)
    add_mapping(api, "1001", add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1"}))
    long_text = "\n\n".join(f"第{index}段" + "字" * 2500 for index in range(3))
    send_event(api, source, channel_event("1001", "m-long", sn=1, content=long_text))
    consume(pipeline, "INGEST")
    assert len(consume(pipeline, "TELEGRAM")["batchItemFailures"]) == 1  # part 2 failed
    assert consume(pipeline, "TELEGRAM")["batchItemFailures"] == []
    assert calls == ["第0段", "第1段", "第1段", "第2段"]  # part 1 was not sent again


def test_media_is_fetched_once_with_kooks_referer_and_uploaded_as_bytes(api, pipeline, fake, source):
    script_targets(fake)
    three_targets(api, fake)
    image = f"{fake.url}/assets/2025/cat.png"
    event = channel_event("1001", "m-img", sn=1, content=image, message_type=2,
                          extra={"attachments": {"type": "image", "url": image, "name": "cat.png", "size": 72}})
    send_event(api, source, event)
    drain(pipeline)
    downloads = target_requests(fake, "/assets/")
    assert len(downloads) == 1  # three targets, one download: the others read it from the media bucket
    assert downloads[0].headers["Referer"] == "https://www.kookapp.cn/"
    (discord,) = target_requests(fake, "/api/webhooks/")
    assert b'filename="cat.png"' in discord.body
    assert PNG in discord.body
    assert json.loads(discord.body.split(b"\r\n\r\n", 1)[1].split(b"\r\n--", 1)[0])["attachments"] == [
        {"id": 0, "filename": "cat.png"}]
    (photo,) = [r for r in target_requests(fake, "/bot") if r.path.endswith("/sendPhoto")]
    assert PNG in photo.body
    assert b"<b>\xe5\x8f\x91\xe9\x80\x81\xe8\x80\x85</b>" in photo.body
    (upload,) = target_requests(fake, "/open-apis/im/v1/images")
    assert PNG in upload.body
    (post,) = target_requests(fake, "/open-apis/im/v1/messages")
    assert json.loads(post.json["content"])["zh_cn"]["content"][-1] == [{"tag": "img", "image_key": "img_key_1"}]
    assert not any(fake.url.encode() in r.body for r in fake.requests if not r.path.startswith("/assets/"))


def test_a_file_kook_no_longer_serves_becomes_a_note(api, pipeline, fake, source):
    fake.respond(status=404, json={"code": 404}, path="/assets/")
    script_targets(fake)
    add_mapping(api, "1001", add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1"}))
    url = f"{fake.url}/assets/gone.pdf"
    send_event(api, source, channel_event("1001", "m-gone", sn=1, content=url, message_type=4))
    drain(pipeline)
    (note,) = [r.json["text"] for r in target_requests(fake, "/bot")]
    assert note == f"<b>发送者</b>:\n[文件] gone.pdf 未能转发（KOOK上已无法获取）：{url}"
    assert log_store.delivery("m-gone", str(_mapping_of(api, "telegram")))["status"] == "success"


def test_feishu_refetches_a_refused_tenant_token_once(api, pipeline, fake, source):
    fake.respond(json={"code": 99991663, "msg": "Invalid access token"}, path="/open-apis/im/v1/messages",
                 times=1)
    script_targets(fake)
    three_targets(api, fake)
    send_event(api, source, channel_event("1001", "m-token", sn=1))
    consume(pipeline, "INGEST")
    assert consume(pipeline, "FEISHU")["batchItemFailures"] == []
    assert len(target_requests(fake, "/open-apis/auth/v3/tenant_access_token/internal")) == 2
    assert len(target_requests(fake, "/open-apis/im/v1/messages")) == 2


def test_jobs_are_not_sent_while_the_service_is_stopped(api, pipeline, fake, source):
    script_targets(fake)
    three_targets(api, fake)
    send_event(api, source, channel_event("1001", "m-stop", sn=1))
    consume(pipeline, "INGEST")
    api.post("/api/system/stop")
    assert consume(pipeline, "DISCORD")["batchItemFailures"] == []
    assert target_requests(fake, "/api/webhooks/") == []
    assert "服务已停止" in api.get("/api/logs", query="platform=discord").body["data"][0]["error_message"]


@pytest.mark.parametrize("platform", ["discord", "telegram", "feishu"])
def test_the_sender_sample_events_run(api, pipeline, fake, platform):
    script_targets(fake)
    config = {"discord": {"webhook_url": f"{fake.url}/api/webhooks/123456789012345678/{WEBHOOK_TOKEN}"},
              "telegram": {"bot_token": TG_TOKEN, "chat_id": "-1"},
              "feishu": {"app_id": "cli_a1b2c3", "app_secret": FEISHU_SECRET, "chat_id": "oc_1"}}[platform]
    for _index in range({"discord": 1, "telegram": 2, "feishu": 3}[platform]):  # the sample's bot id
        bot_id = add_bot(api, platform, config)
    event = load_event(f"kook/{platform}-sender.json")
    job = json.loads(event["Records"][0]["body"])
    assert job["bot_id"] == bot_id
    result = handler(f"kook.handlers.senders.{platform}")(event, FakeLambdaContext())
    assert result == {"batchItemFailures": []}
    assert log_store.delivery(job["msg_id"], str(job["mapping_id"]))["status"] == "success"


def test_a_job_stops_starting_parts_when_the_function_runs_out_of_time(api, pipeline, fake, source, monkeypatch):
    monkeypatch.setattr(queue_store, "defer", lambda url, receipt, seconds: None)
    script_targets(fake)
    mapping_id = add_mapping(api, "1001", add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1"}))
    job = {"msg_id": "m-late", "channel_id": "1001", "mapping_id": mapping_id, "bot_id": 1, "platform": "telegram",
           "target_channel": "", "kind": "text", "content": "x", "sender": "s", "parts": ["one", "two"],
           "media": []}
    attempt = forwarding.Attempt(pipeline["TELEGRAM_QUEUE_URL"], "unused", 1)
    with pytest.raises(forwarding.Deferred, match="time ran out after 1 of 2 parts"):
        forwarding.deliver(job, attempt, deadline=0.0)  # long past: only the first part may start
    assert forwarding.deliver(job, attempt) == "delivered"
    assert [r.json["text"] for r in target_requests(fake, "/bot")] == ["one", "two"]
