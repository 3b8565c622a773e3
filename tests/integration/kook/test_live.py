"""The live view's WebSocket function ($connect auth, ping/pong, status, captcha, $disconnect), the status schedule
(pushes, revoked logins closed) and the daily trim, on moto (its @connections API records what was pushed)."""

import datetime as dt
import json

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from kook import clock
from kook.logic import live
from kook.store import accounts as account_store
from kook.store import connections, ingest
from kook.store import logs as log_store
from tests.integration.kook.pipeline_support import TG_TOKEN, add_account, add_bot, add_mapping, handler
from tests.support.lambda_events import FakeLambdaContext, load_event


def pushed(connection_id):
    data = apigatewaymanagementapi_backends["123456789012"]["us-east-1"].connections[connection_id].data.decode()
    return [json.loads(line) for line in data.replace("}{", "}\n{").splitlines()]


def socket(event_file, *, token=None, stage="ws", connection_id="conn-1", body=None):
    event = load_event(f"kook/{event_file}")
    event["requestContext"].update(stage=stage, connectionId=connection_id)
    if token is not None:
        event["queryStringParameters"] = {"token": token}
    if body is not None:
        event["body"] = body
    return handler("kook.handlers.live_socket.handler")(event, FakeLambdaContext())


def test_connect_needs_the_login_token_and_each_stage_has_its_channels(api, pipeline):
    assert socket("live-socket-connect.json", token="kk_wrong") == {"statusCode": 401}
    assert socket("live-socket-connect.json", token="") == {"statusCode": 401}
    assert socket("live-socket-connect.json", token=api.token) == {"statusCode": 200}
    header_only = load_event("kook/live-socket-connect.json")
    header_only.pop("queryStringParameters")
    header_only["headers"]["x-api-token"] = api.token
    header_only["requestContext"].update(stage="system", connectionId="conn-2")
    assert handler("kook.handlers.live_socket.handler")(header_only, FakeLambdaContext()) == {"statusCode": 200}
    stored = {c["sk"]: c for c in connections.list_all()}
    assert stored["conn-1"]["channels"] == ["log", "status"]
    assert stored["conn-2"]["channels"] == ["status"]
    assert stored["conn-1"]["expires_at"] <= clock.epoch() + live.MAX_CONNECTION_SECONDS
    assert socket("live-socket-disconnect.json", connection_id="conn-1") == {"statusCode": 200}
    assert [c["sk"] for c in connections.list_all()] == ["conn-2"]


@pytest.mark.parametrize(("body", "answer_type"), [("ping", "pong"), ('{"type": "ping"}', "pong"),
                                                    ('{"action": "status"}', "status"), ("hello", "error")])
def test_messages_are_answered_on_the_same_connection(api, pipeline, body, answer_type):
    answer = socket("live-socket-ping.json", body=body)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["type"] == answer_type
    if answer_type == "status":
        data = json.loads(answer["body"])["data"]
        assert {"service_running", "queue_size", "redis_connected", "today"} <= set(data)


def test_captcha_channel_checks_and_takes_answers(api, pipeline):
    account_id = add_account(api, "c@example.com", cookie="auth=abc")
    quiet = json.loads(socket("live-socket-ping.json", stage="captcha",
                              body=json.dumps({"type": "check_captcha", "account_id": account_id}))["body"])
    assert quiet == {"type": "captcha_required", "account_id": account_id, "required": False, "image_url": None,
                     "timestamp": None}
    account_store.put_captcha(account_id, {"required": True, "image_url": "https://example.com/c.png"})
    waiting = json.loads(socket("live-socket-ping.json", stage="captcha",
                                body=json.dumps({"type": "check_captcha", "account_id": account_id}))["body"])
    assert (waiting["required"], waiting["image_url"]) == (True, "https://example.com/c.png")
    solved = json.loads(socket("live-socket-ping.json", stage="captcha", body=json.dumps(
        {"type": "captcha_input", "account_id": account_id, "code": "ab12"}))["body"])
    assert solved == {"type": "captcha_result", "account_id": account_id, "success": True}
    assert account_store.captcha(account_id)["code"] == "ab12"
    missing = json.loads(socket("live-socket-ping.json", stage="captcha",
                                body=json.dumps({"type": "check_captcha", "account_id": 999}))["body"])
    assert missing["type"] == "error"


def test_status_schedule_pushes_status_and_closes_revoked_logins(api, pipeline):
    api.setenv("STATUS_PUSHES_PER_RUN", "1")  # deployed: 4 rounds, 15 s apart
    old_token = api.token
    assert live.connect("conn-old", "ws", old_token) == 200
    assert api.post("/auth/logout").status == 200  # that login is gone
    api.login()
    assert live.connect("conn-logs", "logs", api.token) == 200
    assert live.connect("conn-system", "system", api.token) == 200
    account_id = add_account(api, "c@example.com", cookie="auth=abc")
    account_store.put_captcha(account_id, {"required": True, "image_url": "https://example.com/c.png"})
    assert live.connect("conn-captcha", "captcha", api.token) == 200
    result = handler("kook.handlers.live_status.handler")(load_event("kook/live-status.json"), FakeLambdaContext())
    assert result["rounds"] == [{"connections": 3, "status": 1, "captcha": 1, "closed": 1}]
    assert sorted(c["sk"] for c in connections.list_all()) == ["conn-captcha", "conn-logs", "conn-system"]
    (status,) = pushed("conn-system")
    assert status["type"] == "status"
    assert status["data"]["service_running"] is True
    assert pushed("conn-captcha") == [{"type": "captcha_required", "account_id": account_id, "required": True,
                                       "image_url": "https://example.com/c.png",
                                       "timestamp": account_store.captcha(account_id)["updated_at"]}]
    assert "conn-logs" not in apigatewaymanagementapi_backends["123456789012"]["us-east-1"].connections
    for connection in connections.list_all():
        connections.remove(connection["sk"])
    nobody = handler("kook.handlers.live_status.handler")(load_event("kook/live-status.json"), FakeLambdaContext())
    assert nobody == {"rounds": [{"connections": 0, "status": 0, "captcha": 0, "closed": 0}]}


def test_trim_deletes_what_ttl_cannot(api, pipeline):
    bot = add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1"})
    add_mapping(api, "7001", bot)
    ingest.advance_cursor("7001", msg_id="a", timestamp=1, expected_version=None)
    ingest.advance_cursor("7999", msg_id="b", timestamp=1, expected_version=None)  # no longer mapped
    connections.add("conn-expired", stage="ws", channels=["log"], expires_at=clock.epoch() - 10, token_digest=None)
    now = clock.now()
    for index, age in enumerate((1, 3, 10)):
        log_store.record_delivery(log_store.Delivery(kook_message_id=f"m-{index}", target="1", status="success",
                                                     target_platform="telegram", kook_channel_id="7001"),
                                  at=now - dt.timedelta(days=age), retention=30)
    api.post("/api/system/system-config", {"log_retention_days": 2})  # lowered after the rows were written
    result = handler("kook.handlers.trim.handler")(load_event("kook/trim.json"), FakeLambdaContext())
    assert result == {"retention_days": 2, "log_rows_deleted": 2, "logs_complete": True, "cursors_deleted": 1,
                      "connections_deleted": 1}
    assert [r["kook_message_id"] for r in api.get("/api/logs").body["data"]] == ["m-0"]
    assert [c["sk"] for c in ingest.cursors()] == ["7001"]
    again = handler("kook.handlers.trim.handler")(load_event("kook/trim.json"), FakeLambdaContext())
    assert again["log_rows_deleted"] == 0  # safe to run twice
