"""The forwarding pipeline through the local stack (`make dev`): KOOK webhook and polling → ingest queue → router →
per-platform FIFO queues → senders → fake Discord / Telegram / Feishu, with the live log over WebSocket. (The
ordering test takes its 200 messages from KOOK by polling: four pages in one run, faster than 200 webhook calls.)

One stack for the module (`--sqs-retry-delay 0`: a deferred job is retried at once; the retry_after values the
senders set are checked in the integration tests). Each test uses its own channels and bots.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from devstack.fake_provider import FakeProvider
from tests.e2e.kook.fakes import PNG, FakeDiscord, FakeFeishu, FakeKook, FakeTelegram, envelope, form
from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT
from tests.support.ws_client import HandshakeRefused, WebSocketClient

PASSWORD = "admin-pass-1"
TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
VERIFY_TOKEN = "vt-pipeline-secret"
ENCRYPT_KEY = "ek-0123456789abcdef"


@pytest.fixture(scope="module")
def fakes():
    providers = {name: FakeProvider().start() for name in ("kook", "discord", "telegram", "feishu")}
    yield {"kook": FakeKook(providers["kook"]), "discord": FakeDiscord(providers["discord"]),
           "telegram": FakeTelegram(providers["telegram"]), "feishu": FakeFeishu(providers["feishu"])}
    for provider in providers.values():
        provider.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, fakes):
    overrides = []
    for name, fake in fakes.items():
        overrides += ["--env", f"{name.upper()}_BASE_URL={fake.provider.url}"]
    process = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("kook-pipeline"), "--only", "kook",
                              "--no-schedules", "--sqs-retry-delay", "0", "--env", "STATUS_PUSHES_PER_RUN=1",
                              *overrides).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(stack) -> requests.Session:
    session = requests.Session()
    base = stack.url("kook")
    assert session.post(base + "/auth/setup", json={"password": PASSWORD}, timeout=30).status_code == 200
    token = session.post(base + "/api/auth/login", json={"password": PASSWORD}, timeout=30).json()["token"]
    session.headers["X-API-Token"] = token
    session.base = base  # type: ignore[attr-defined]
    # Discord's default pacing is 5 messages per 5 s per target; the fault test sends 30 (read once a minute).
    call(session, "POST", "/api/system/system-config", {"discord_rate_limit_per_5s": 50})
    return session


@pytest.fixture(scope="module")
def polling_account(api) -> int:
    """A started account with a bot token and no verify token: the poller reads its channels."""
    return account(api, "poller@example.com")


def call(api: requests.Session, method: str, path: str, body: Any = None) -> dict[str, Any]:
    answer = api.request(method, api.base + path, json=body, timeout=30)  # type: ignore[attr-defined]
    assert answer.status_code in (200, 201), (path, answer.status_code, answer.text)
    return answer.json()


def account(api: requests.Session, email: str, **credentials: str) -> int:
    account_id = call(api, "POST", "/api/accounts", {"email": email, "bot_token": "1/MTA-kook-bot-token",
                                                     **credentials})["account_id"]
    call(api, "POST", f"/api/accounts/{account_id}/start")
    return account_id


def bot(api: requests.Session, platform: str, name: str, config: dict[str, Any]) -> int:
    return call(api, "POST", "/api/bots", {"platform": platform, "name": name, "config": config})["bot_id"]


def mapping(api: requests.Session, channel: str, bot_id: int, name: str = "公告") -> int:
    return call(api, "POST", "/api/mappings", {"kook_server_id": "600", "kook_channel_id": channel,
                                               "kook_channel_name": name, "target_bot_id": bot_id})["mapping_id"]


def channel_event(channel: str, msg_id: str, *, sn: int, content: str, message_type: int = 1,
                  extra: dict[str, Any] | None = None, author: str = "30000") -> dict[str, Any]:
    return {"s": 0, "sn": sn, "d": {
        "channel_type": "GROUP", "type": message_type, "target_id": channel, "author_id": author, "content": content,
        "msg_id": msg_id, "msg_timestamp": 1795262400000 + sn, "nonce": "", "verify_token": VERIFY_TOKEN,
        "extra": {"type": message_type, "guild_id": "600", "channel_name": "公告", "mention": [], "mention_all": False,
                  "mention_roles": [], "mention_here": False,
                  "author": {"id": author, "username": "sender", "nickname": "发送者", "avatar": ""}, **(extra or {})}}}


def post_event(stack: DevStackProcess, account_id: int, body: bytes, *, query: str = "") -> requests.Response:
    return requests.post(f"{stack.url('kook')}/kook/webhook/{account_id}{query}", data=body,
                         headers={"Content-Type": "application/json"}, timeout=30)


def ws_url(stack: DevStackProcess, path: str, token: str) -> str:
    return stack.url("kook").replace("http://", "ws://") + f"{path}?token={token}"


def queues_settled(stack: DevStackProcess) -> bool:
    depths = requests.get(stack.control + "/queues", timeout=30).json()
    return all(d["visible"] == 0 and d["in_flight"] == 0 for name, d in depths.items() if "DeadLetter" not in name)


def dead_letters(stack: DevStackProcess, queue: str) -> int:
    depth = requests.get(stack.control + "/queues", timeout=30).json()
    return next(d["visible"] + d["in_flight"] for name, d in depth.items() if queue in name and "DeadLetter" in name)


# ------------------------------------------------------------------------------------------------ webhook → all three


def test_encrypted_webhook_event_reaches_all_three_targets_with_the_image_and_live_logs(stack, api, fakes):
    account_id = account(api, "webhook@example.com", verify_token=VERIFY_TOKEN, encrypt_key=ENCRYPT_KEY)
    discord_bot = bot(api, "discord", "dc", {"webhook_url": f"{fakes['discord'].provider.url}/api/webhooks/"
                                                             f"111111111111111111/{'d' * 40}"})
    telegram_bot = bot(api, "telegram", "tg", {"bot_token": TG_TOKEN, "chat_id": "-1001"})
    feishu_bot = bot(api, "feishu", "fs", {"app_id": "cli_pipeline", "app_secret": "secret-123456", "chat_id": "oc_1"})
    for bot_id in (discord_bot, telegram_bot, feishu_bot):
        mapping(api, "1001", bot_id)

    challenge = {"s": 0, "d": {"type": 255, "channel_type": "WEBHOOK_CHALLENGE", "challenge": "bkes654x09XY",
                               "verify_token": VERIFY_TOKEN}}
    answer = post_event(stack, account_id, envelope(challenge, encrypt_key=ENCRYPT_KEY))
    assert (answer.status_code, answer.json()) == (200, {"challenge": "bkes654x09XY"})
    forged = dict(challenge, d={**challenge["d"], "verify_token": "guess"})
    assert post_event(stack, account_id, envelope(forged, encrypt_key=ENCRYPT_KEY)).status_code == 403

    token = api.headers["X-API-Token"]
    with pytest.raises(HandshakeRefused) as refused:
        WebSocketClient(ws_url(stack, "/ws", "not-a-token"))
    assert refused.value.status == 401
    live = WebSocketClient(ws_url(stack, "/ws", token), timeout=60)  # the pipeline may be slow on a busy machine
    live.send_text("ping")
    assert json.loads(live.receive_text()) == {"type": "pong"}

    image = f"{fakes['kook'].provider.url}/assets/2025-10/cat.png"
    card = [{"type": "card", "modules": [
        {"type": "header", "text": {"type": "plain-text", "content": "活动 <公告> & 通知"}},
        {"type": "section", "text": {"type": "kmarkdown", "content": "**今晚** 8 点 (met)30001(met) 集合 *1<2*"}},
        {"type": "image-group", "elements": [{"type": "image", "src": image}]}]}]
    event = channel_event("1001", "msg-card-1", sn=1, content=json.dumps(card, ensure_ascii=False), message_type=10,
                          extra={"kmarkdown": {"mention_part": [{"id": "30001", "username": "阿强"}]}})
    answer = post_event(stack, account_id, envelope(event, encrypt_key=ENCRYPT_KEY))
    assert answer.json()["result"] == "queued"
    assert post_event(stack, account_id, envelope(event, encrypt_key=ENCRYPT_KEY)).json()["result"] == "duplicate"

    logs = [json.loads(live.receive_text()) for _ in range(3)]
    assert {(e["type"], e["data"]["platform"], e["data"]["status"]) for e in logs} == {
        ("log", "discord", "success"), ("log", "telegram", "success"), ("log", "feishu", "success")}
    assert all(e["data"]["message_id"] == "msg-card-1" and e["data"]["latency_ms"] >= 0 for e in logs)
    live.close()

    # Discord: one multipart call, escaped markdown, the KOOK sender as the webhook's name, the image as bytes.
    (sent,) = fakes["discord"].delivered
    payload = FakeDiscord.payload(sent)
    assert payload["username"] == "发送者"
    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["content"] == "**活动 \\<公告> & 通知**\n**今晚** 8 点 @阿强 集合 *1\\<2*"
    assert form(sent)["files[0]"] == ("cat.png", PNG)

    # Telegram: HTML with & < > escaped, then the photo uploaded as multipart.
    text_call, photo_call = [r for method, r in fakes["telegram"].delivered if FakeTelegram.chat_of(r) == "-1001"]
    assert text_call.json["parse_mode"] == "HTML"
    assert text_call.json["text"] == ("<b>发送者</b>:\n<b>活动 &lt;公告&gt; &amp; 通知</b>\n"
                                      "<b>今晚</b> 8 点 @阿强 集合 <i>1&lt;2</i>")
    assert photo_call.path.endswith("/sendPhoto")
    assert form(photo_call)["photo"] == ("cat.png", PNG)

    # Feishu: the image uploaded for an image_key, shown inline in one post message.
    upload = next(r for r in fakes["feishu"].provider.requests if r.path == "/open-apis/im/v1/images")
    assert form(upload)["image"][1] == PNG
    (post,) = fakes["feishu"].posts("oc_1")
    lines = post["zh_cn"]["content"]
    assert post["zh_cn"]["title"] == "发送者 · #公告"
    assert lines[0] == [{"tag": "text", "text": "活动 <公告> & 通知", "style": ["bold"]}]
    assert lines[-1] == [{"tag": "img", "image_key": "img_v3_fake_key"}]
    kook_origin = fakes["kook"].provider.url.encode()
    assert not any(kook_origin in r.body for name in ("discord", "telegram", "feishu")
                   for r in fakes[name].provider.requests)  # the targets got bytes, never a link to KOOK or to us

    rows = call(api, "GET", "/api/logs?channel_id=1001")["data"]
    assert sorted((r["target_platform"], r["status"], r["message_type"]) for r in rows) == [
        ("discord", "success", "card"), ("feishu", "success", "card"), ("telegram", "success", "card")]
    assert stack.logs().count("Traceback") == 0


# ------------------------------------------------------------------------------------------------ ordering


def test_two_hundred_messages_arrive_in_order_through_429s(stack, api, fakes, polling_account):
    telegram_bot = bot(api, "telegram", "tg-order", {"bot_token": TG_TOKEN, "chat_id": "-1002"})
    mapping(api, "2001", telegram_bot)
    poll = stack.control + "/functions/kook.PollFunction/invoke"
    assert requests.post(poll, json={}, timeout=60).json()["error"] is None  # the channel's cursor starts now
    fakes["telegram"].every["-1002"] = 10  # every 10th call to this chat: 429 with parameters.retry_after
    expected = [f"第 {index:03d} 条" for index in range(200)]
    for text in expected:
        fakes["kook"].add("2001", text)
    queued = requests.post(poll, json={}, timeout=60).json()["result"]  # four pages of 50, in KOOK order
    assert queued["queued"] == 200

    wait_until(lambda: len(fakes["telegram"].texts("-1002")) >= 200, timeout=90, message="200 Telegram messages")
    wait_until(lambda: queues_settled(stack), timeout=30, message="the queues to drain")
    received = [text.split("\n", 1)[1] for text in fakes["telegram"].texts("-1002")]
    assert received == expected  # in KOOK order, each exactly once
    assert fakes["telegram"].throttled >= 19
    assert call(api, "GET", "/api/logs/stats?period=today")["by_platform"]["telegram"] >= 200


# ------------------------------------------------------------------------------------------------ faults, DLQ, replay


def test_faulty_target_delivers_each_message_once_or_dead_letters_it_and_replay_finishes(stack, api, fakes):
    account_id = account(api, "faults@example.com", verify_token=VERIFY_TOKEN)
    discord_bot = bot(api, "discord", "dc-faulty", {"webhook_url": f"{fakes['discord'].provider.url}/api/webhooks/"
                                                                   f"333333333333333333/{'f' * 40}"})
    mapping(api, "3001", discord_bot)
    fake = fakes["discord"]
    fake.failing["333333333333333333"], fake.broken = 0.3, True
    messages = [f"fault {index:02d}" + (" stubborn" if index in (7, 19) else "") for index in range(30)]
    for index, text in enumerate(messages):
        event = channel_event("3001", f"fault-{index:02d}", sn=5000 + index, content=text)
        assert post_event(stack, account_id, envelope(event, compress=False), query="?compress=0").status_code == 200

    def delivered() -> Counter:
        return Counter(FakeDiscord.content(r) for r in fake.delivered if "/333333333333333333/" in r.path)

    wait_until(lambda: queues_settled(stack) and sum(delivered().values()) + dead_letters(stack, "Discord") == 30,
               timeout=90, message="every message delivered or dead-lettered")
    first = delivered()
    assert set(first.values()) == {1}  # nothing twice
    assert not any("stubborn" in text for text in first)
    parked = dead_letters(stack, "Discord")
    assert parked >= 2
    assert len(first) + parked == 30

    fake.broken = False  # the target recovers; replay the dead letters
    replayed = requests.post(stack.control + "/functions/kook.ReplayFunction/invoke",
                             json={"queue": "discord"}, timeout=60).json()
    assert replayed["result"]["replayed"] == {"discord": parked}
    wait_until(lambda: len(delivered()) == 30 and queues_settled(stack), timeout=60, message="the replayed messages")
    final = delivered()
    assert set(final) == set(messages)
    assert set(final.values()) == {1}
    assert dead_letters(stack, "Discord") == 0
    rows = call(api, "GET", "/api/logs?channel_id=3001&limit=100")["data"]
    assert len(rows) == 30
    assert {r["status"] for r in rows} == {"success"}


# ------------------------------------------------------------------------------------------------ polling


def test_two_overlapping_poller_runs_forward_each_message_once(stack, api, fakes, polling_account):
    feishu_bot = bot(api, "feishu", "fs-poll", {"app_id": "cli_poller", "app_secret": "secret-654321",
                                                "chat_id": "oc_poll"})
    mapping(api, "4001", feishu_bot, name="轮询")
    poll = stack.control + "/functions/kook.PollFunction/invoke"

    def overlapping_runs() -> list[dict[str, Any]]:
        barrier = threading.Barrier(2)

        def run(_index: int) -> dict[str, Any]:
            barrier.wait()
            return requests.post(poll, json={}, timeout=60).json()

        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(run, range(2)))

    warm = overlapping_runs()  # no messages yet: the cursors start now (and two workers are warm)
    assert all(r["error"] is None and r["result"]["polled"] >= 1 for r in warm)
    kook = fakes["kook"]
    for index in range(12):
        kook.add("4001", f"轮询消息 {index:02d}")
    kook.slow_channels["4001"] = 1.0  # KOOK answers slowly: both runs read the cursor before either moves it
    results = overlapping_runs()
    kook.slow_channels.clear()
    assert all(r["error"] is None for r in results)
    asked = [r.query.get("msg_id", [None])[0] for r in kook.provider.requests
             if r.path == "/api/v3/message/list" and r.query.get("target_id") == ["4001"]][-2:]
    assert asked[0] == asked[1]  # the two runs overlapped: same cursor, same question to KOOK

    def texts() -> list[str]:
        return [post["zh_cn"]["content"][0][0]["text"] for post in fakes["feishu"].posts("oc_poll")]

    wait_until(lambda: len(texts()) >= 12 and queues_settled(stack), timeout=60, message="12 Feishu posts")
    assert texts() == [f"轮询消息 {index:02d}" for index in range(12)]  # each forwarded once, in KOOK order
    assert sum(r["result"]["queued"] for r in results) == 24  # (both runs queued all twelve: deduplicated)
    assert sum(r["result"]["cursor_conflicts"] for r in results) == 1  # only one run moved the cursor
    again = requests.post(poll, json={}, timeout=60).json()["result"]
    assert again["queued"] == 0
