"""Canary secrets (cookie, passwords, KOOK bot token, Telegram token, Discord webhook token, Feishu app secret)
go through every flow that touches them, with logging at DEBUG; none may appear in any response, log record,
backup object or stored item."""

import json
import logging

import pytest

from suite import aws, observability
from tests.integration.kook.conftest import scripted_kook

COOKIE = "CANARYcookieValue0a8f3e51c2d94b7e"
KOOK_PASSWORD = "CANARYkookPassword6d21"
KOOK_BOT_TOKEN = "CANARYkookBotToken9e4c1f0b7a"
VERIFY_TOKEN = "CANARYverifyToken3b8d"
ENCRYPT_KEY = "CANARYencryptKey5f6a"
TELEGRAM = "987654321:CANARYtelegramToken7c3e9a1d5b"
WEBHOOK = "CANARYdiscordWebhookToken2d8f4a6c0e"
APP_SECRET = "CANARYfeishuAppSecret8b1e3d"
CANARIES = [COOKIE, KOOK_PASSWORD, KOOK_BOT_TOKEN, VERIFY_TOKEN, ENCRYPT_KEY, TELEGRAM, WEBHOOK, APP_SECRET]


# Loggers of the test harness itself: moto intercepts outbound HTTP with `responses`, which logs every URL it
# lets through to the fake providers. Neither exists in a deployed function.
HARNESS_LOGGERS = ("responses", "moto")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        if record.name.split(".")[0] in HARNESS_LOGGERS:
            return
        self.lines.append(self.format(record))
        self.lines.append(repr(record.__dict__))


@pytest.fixture
def captured_logs():
    handler = Capture()
    service_logger = observability.logger()
    loggers = [logging.getLogger(), service_logger._logger]
    previous = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler
    for lg, level in previous:
        lg.removeHandler(handler)
        lg.setLevel(level)


def test_no_secret_leaks_anywhere(api, fake, kook_env, captured_logs):
    answers = []

    def call(method, path, body=None, **kwargs):
        answer = api.call(method, path, body, **kwargs)
        answers.append(json.dumps(answer.raw, ensure_ascii=False))
        return answer

    scripted_kook(fake, [{"id": "1", "name": "公会", "icon": ""}], {"1": [{"id": "2", "name": "公告", "type": 1}]})
    fake.respond(json={"id": "m"}, path="/api/webhooks/")
    fake.respond(json={"ok": True, "result": {"message_id": 1, "username": "b"}}, path=f"/bot{TELEGRAM}/sendMessage")
    fake.respond(status=401, json={"ok": False, "description": "Unauthorized"}, path=f"/bot{TELEGRAM}/getMe")
    fake.respond(json={"code": 0, "tenant_access_token": "t", "expire": 7200},
                 path="/open-apis/auth/v3/tenant_access_token/internal")
    fake.respond(json={"code": 230002, "msg": "bot not in chat"}, status=400, path="/open-apis/im/v1/messages")

    cookie_forms = [f"auth={COOKIE}; other=1",
                    json.dumps([{"name": "auth", "value": COOKIE, "domain": ".kookapp.cn"}]),
                    f".kookapp.cn\tTRUE\t/\tTRUE\t0\tauth\t{COOKIE}\n"]
    for index, cookie in enumerate(cookie_forms):
        call("POST", "/api/accounts", {"email": f"u{index}@example.com", "cookie": cookie,
                                       "password": KOOK_PASSWORD})
    call("POST", "/api/accounts", {"email": "bot@example.com", "bot_token": KOOK_BOT_TOKEN,
                                   "verify_token": VERIFY_TOKEN, "encrypt_key": ENCRYPT_KEY})
    broken_json = f'[{{"name":"auth","value":"{COOKIE}"'
    call("POST", "/api/accounts", {"email": "bad@example.com", "cookie": broken_json})
    call("POST", "/api/accounts", {"email": "bad@example.com", "cookie": f"auth\t{COOKIE}"})
    call("PUT", "/api/accounts/1/cookie", {"cookie": f"auth={COOKIE}"})
    for path in ("/api/accounts", "/api/accounts/1/cookie-status", "/api/accounts/1/servers",
                 "/api/accounts/4/servers", "/api/accounts/1/channels"):
        call("GET", path, query="server_id=1")
    fake.respond(status=401, json={"code": 401}, path="/api/v3/guild/list")  # an expired cookie's error path
    call("GET", "/api/accounts/2/servers", query="refresh=true")

    discord = call("POST", "/api/bots", {"platform": "discord", "name": "d", "config": {
        "webhook_url": f"{fake.url}/api/webhooks/123456789012345678/{WEBHOOK}"}}).body["bot_id"]
    telegram = call("POST", "/api/bots", {"platform": "telegram", "name": "t", "config": {
        "token": TELEGRAM, "chat_id": "-100"}}).body["bot_id"]
    feishu = call("POST", "/api/bots", {"platform": "feishu", "name": "f", "config": {
        "app_id": "cli_a1b2c3", "app_secret": APP_SECRET, "chat_id": "oc_1234"}}).body["bot_id"]
    call("POST", "/api/bots", {"platform": "telegram", "name": "x", "config": {"bot_token": TELEGRAM}})  # 400
    call("POST", "/api/bots", {"platform": "nope", "name": "x", "config": {"bot_token": TELEGRAM}})  # 422
    call("POST", "/api/bots", {"platform": "discord", "name": "x", "config": {
        "webhook_url": f"https://evil.example/api/webhooks/1/{WEBHOOK}"}})
    for bot_id in (discord, telegram, feishu):
        call("POST", f"/api/bots/{bot_id}/test")
        call("POST", f"/api/health/check-bot/{bot_id}")
    call("GET", "/api/bots")
    call("GET", "/api/bots/telegram/chat-ids", query=f"token={TELEGRAM}")
    call("POST", "/api/mappings", {"kook_channel_id": "2", "target_bot_id": telegram})
    call("GET", "/api/mappings/export")
    created = call("POST", "/api/backup/create").body
    call("POST", "/api/backup/export")
    call("GET", f"/api/backup/download/{created['backup_id']}")
    call("POST", "/api/backup/restore", {"backup_id": created["backup_id"], "mode": "merge"})
    call("GET", "/api/system/config")
    call("GET", "/api/health/check")

    assert len(answers) >= 35
    backup_object = aws.client("s3").get_object(Bucket=kook_env["BACKUP_BUCKET"],
                                                Key=f"manual/{created['backup_id']}.json")["Body"].read().decode()
    stored_items = json.dumps([aws.client("dynamodb").scan(TableName=kook_env[name])["Items"]
                               for name in ("CONFIG_TABLE", "LOGS_TABLE")])
    places = {"responses": "\n".join(answers), "logs": "\n".join(captured_logs.lines),
              "backup": backup_object, "dynamodb": stored_items}
    assert captured_logs.lines, "the handlers logged nothing: the capture is broken"
    assert "CANA" in places["responses"]  # masked forms are shown: the canaries really went through
    leaks = {(where, canary) for where, text in places.items() for canary in CANARIES if canary in text}
    assert leaks == set()
