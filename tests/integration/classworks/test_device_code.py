"""The device-code flow: NNNN-XXXX codes with a 15-minute TTL in DynamoDB, bind once, pick up once."""

import json
import os
import re
import threading

from suite import aws
from tests.integration.classworks.support import stored_items


def new_code(api):
    answer = api("POST", "/api/auth/device/code")
    assert answer.status == 200
    return answer.json


def poll(api, code):
    return api("GET", "/api/auth/device/token", query={"device_code": code}).json


def test_code_bind_and_one_shot_pickup(api):
    created = new_code(api)
    assert set(created) == {"device_code", "expires_in", "message"}
    assert re.fullmatch(r"\d{4}-[0-9A-Z]{4}", created["device_code"])
    assert created["expires_in"] == 900
    code = created["device_code"]
    pending = poll(api, code)
    assert (pending["status"], pending["message"]) == ("pending", "等待用户授权")
    assert 890 <= pending["expires_in"] <= 900
    token = api.install(api.app()["id"], api.device())
    status = api("GET", "/api/auth/device/status", query={"device_code": code}).json
    assert (status["exists"], status["has_token"]) == (True, False)
    bound = api("POST", "/api/auth/device/bind", body={"device_code": code.lower(), "token": token})
    assert bound.json == {"success": True, "message": "令牌已成功绑定到设备代码"}
    assert api("GET", "/api/auth/device/status", query={"device_code": code}).json["has_token"] is True
    assert token not in json.dumps(stored_items())  # sealed with KMS while it waits
    assert poll(api, code) == {"status": "success", "token": token}
    assert poll(api, code) == {"status": "expired", "message": "设备代码不存在或已过期"}  # handed out once
    assert api("GET", "/api/auth/device/status", query={"device_code": code}).json == {
        "device_code": code, "exists": False, "message": "设备代码不存在或已过期"}


def test_bind_rules(api):
    code = new_code(api)["device_code"]
    token = api.install(api.app()["id"], api.device())
    assert api("POST", "/api/auth/device/bind", body={"device_code": code}).json == {
        "statusCode": 400, "message": "请提供 device_code 和 token"}
    assert api("POST", "/api/auth/device/bind", body={"device_code": code, "token": "cw_forged"}).json == {
        "statusCode": 400, "message": "无效的令牌"}
    assert api("POST", "/api/auth/device/bind", body={"device_code": "0000-NONE", "token": token}).json == {
        "statusCode": 400, "message": "设备代码不存在或已过期"}
    assert api("POST", "/api/auth/device/bind", body={"device_code": code, "token": token}).status == 200
    other = api.install(api.app()["id"], api.device())
    swapped = api("POST", "/api/auth/device/bind", body={"device_code": code, "token": other})
    assert (swapped.status, swapped.json["message"]) == (409, "设备代码已绑定令牌")
    assert poll(api, code)["token"] == token
    assert api("GET", "/api/auth/device/token").json == {"statusCode": 400, "message": "请提供 device_code"}


def test_expired_codes_are_refused_before_ttl_deletes_them(api):
    code = new_code(api)["device_code"]
    token = api.install(api.app()["id"], api.device())
    aws.client("dynamodb").update_item(
        TableName=os.environ["CLASSWORKS_TABLE"], Key={"pk": {"S": f"DEVICECODE#{code}"}, "sk": {"S": "DEVICECODE"}},
        UpdateExpression="SET expires_at = :past", ExpressionAttributeValues={":past": {"N": "1000"}})
    assert poll(api, code)["status"] == "expired"
    assert api("POST", "/api/auth/device/bind", body={"device_code": code, "token": token}).json["message"] == \
        "设备代码不存在或已过期"
    item = [i for i in stored_items() if i["pk"]["S"] == f"DEVICECODE#{code}"]
    assert item  # still in the table (TTL is lazy), and still refused
    assert "expires_at" in item[0]


def test_concurrent_pollers_get_the_token_exactly_once(api):
    code = new_code(api)["device_code"]
    token = api.install(api.app()["id"], api.device())
    api("POST", "/api/auth/device/bind", body={"device_code": code, "token": token})
    results, lock = [], threading.Lock()

    def poller():
        answer = poll(api, code)
        with lock:
            results.append(answer["status"])

    threads = [threading.Thread(target=poller) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["expired"] * 5 + ["success"]
