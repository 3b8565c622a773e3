"""POST /notify/batch: the signed-in user's own devices only, a documented cap, total/sent/failed per device."""

import json

from ccjk.models.notify import MAX_BATCH_DEVICES
from tests.integration.ccjk.conftest import wecom_channel


def batch(api, jwt, body, headers=None):
    return api.call("POST", "/notify/batch", jwt=jwt, body=body, headers=headers)


def test_batch_fans_out_to_each_device_and_reports_per_device(api, robots, queue):
    jwt = api.register_user("batcher@example.com")
    ready_id, ready_token = api.bind_new_device(jwt, "ready")
    silent_id, _ = api.bind_new_device(jwt, "no channels")
    api.set_channels(ready_token, [wecom_channel(robots, "batch-key")])

    answer = batch(api, jwt, {"deviceIds": [ready_id, silent_id, ready_id], "title": "批量通知",
                              "content": "这是一条批量通知", "channel": "all"})
    assert answer.status == 202
    data = answer.data
    assert (data["total"], data["sent"], data["failed"]) == (2, 1, 1)  # the repeated id counts once
    results = {r["deviceId"]: r for r in data["results"]}
    assert results[ready_id]["success"] is True
    assert results[ready_id]["notificationId"].startswith("notif_")
    assert results[silent_id] == {"deviceId": silent_id, "success": False,
                                  "error": "No enabled notification channels", "code": "CHANNEL_NOT_CONFIGURED"}
    assert [json.loads(m["Body"])["deviceId"] for m in queue.receive()] == [ready_id]

    again = batch(api, jwt, {"deviceIds": [ready_id, silent_id], "title": "批量通知", "content": "这是一条批量通知",
                             "channel": "all"})
    assert again.data == data  # an identical request within the window notifies nobody again
    assert queue.receive() == []


def test_user_a_cannot_batch_notify_user_bs_devices(api, robots, queue):
    alice = api.register_user("alice-batch@example.com")
    bob = api.register_user("bob-batch@example.com")
    alices_id, alices_token = api.bind_new_device(alice, "alice's")
    bobs_id, bobs_token = api.bind_new_device(bob, "bob's")
    _loose_id, _ = api.register_device("registered but bound to nobody")
    for token in (alices_token, bobs_token):
        api.set_channels(token, [wecom_channel(robots, "k")])

    for foreign in ([alices_id, bobs_id], [bobs_id], [_loose_id], ["dev_unknown"]):
        answer = batch(api, alice, {"deviceIds": foreign, "content": "hello"})
        assert answer.status == 404
        assert answer.body["code"] == "DEVICE_NOT_FOUND"
        assert answer.body["details"] == {"deviceIds": [i for i in foreign if i != alices_id]}
    assert queue.receive() == []  # nothing was written or queued for anyone
    assert robots.wecom.requests == []


def test_batch_needs_a_user_and_respects_the_cap(api):
    assert batch(api, None, {"deviceIds": ["dev_x"], "content": "x"}).status == 401
    jwt = api.register_user("capped@example.com")
    too_many = batch(api, jwt, {"deviceIds": [f"dev_{i}" for i in range(MAX_BATCH_DEVICES + 1)], "content": "x"})
    assert too_many.status == 400
    assert too_many.body["code"] == "VALIDATION_ERROR"
    assert batch(api, jwt, {"deviceIds": [], "content": "x"}).status == 400
