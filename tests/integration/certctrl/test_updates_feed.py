"""The device updates feed as the agent polls it: cursors, ETag, 204, 409 resync, ts_ms, long poll, notify."""

from __future__ import annotations

import threading

import pytest

from certctrl import clock, config
from certctrl.logic import install_config
from certctrl.logic.callers import UserCaller
from certctrl.store import devices, users
from tests.integration.certctrl.support import new_account, register_device
from tests.support.api_client import ApiClient

UPDATES = "/apiv1/devices/self/updates"


def install(client, account, device, n=1):
    body = {"installs": [{"id": f"step-{n}", "type": "exec", "cmd": f"echo {n}"}]}
    answer = client.put(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/install-config", body,
                        headers=account.headers)
    assert answer.status == 200, answer.text
    return answer.json["data"]


@pytest.fixture
def agent(client):
    account = new_account(client)
    return account, register_device(client, account)


def poll(client, device, cursor=None, *, header=None, **query):
    headers = dict(device.headers)
    if header is not None:
        headers["If-None-Match"] = header
    if cursor is not None:
        query["cursor"] = cursor
    return client.get(UPDATES, headers=headers, query=query)


def test_idle_poll_is_204_with_the_headers_the_agent_reads(client, agent):
    _account, device = agent
    answer = poll(client, device, limit=20)
    assert answer.status == 204
    assert answer.text == ""
    assert answer.headers["etag"] == '"0-0"'
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-poll-interval"] == str(config.get().poll_interval_seconds)


def test_a_change_becomes_a_signal_and_the_cursor_resumes(client, agent):
    account, device = agent
    saved = install(client, account, device)
    answer = poll(client, device, "0-0", header='"0-0"', limit=20)
    assert answer.status == 200
    data = answer.json["data"]
    assert [s["type"] for s in data["signals"]] == ["install.updated"]
    signal = data["signals"][0]
    assert signal["ref"] == {"config_id": device.device_id, "version": 1,
                             "installs_hash_b64": saved["installs_hash"]}
    assert answer.headers["etag"] == f'"{data["cursor"]}"'
    assert answer.headers["cache-control"] == "no-store"
    assert "x-poll-interval" in answer.headers
    cursor = data["cursor"]
    assert poll(client, device, cursor, header=f'"{cursor}"').status == 204
    install(client, account, device, 2)
    install(client, account, device, 3)
    later = poll(client, device, cursor, header=f'"{cursor}"', limit=1).json["data"]
    assert [s["ref"]["version"] for s in later["signals"]] == [2]
    rest = poll(client, device, later["cursor"]).json["data"]
    assert [s["ref"]["version"] for s in rest["signals"]] == [3]


def test_the_header_wins_over_the_query_and_weak_tags_are_read(client, agent):
    account, device = agent
    install(client, account, device)
    first = poll(client, device).json["data"]["cursor"]
    install(client, account, device, 2)
    from_header = poll(client, device, "0-0", header=f'W/"{first}"').json["data"]
    assert [s["ref"]["version"] for s in from_header["signals"]] == [2]
    from_query = poll(client, device, first).json["data"]
    assert from_query == from_header


def test_ts_ms_is_unique_per_device_even_in_one_millisecond(client, agent, monkeypatch):
    account, device = agent
    frozen = clock.now()
    monkeypatch.setattr(clock, "now", lambda: frozen)
    for n in range(4):
        install(client, account, device, n)
    signals = poll(client, device).json["data"]["signals"]
    stamps = [s["ts_ms"] for s in signals]
    assert len(set(stamps)) == 4
    assert stamps == sorted(stamps)


def test_a_trimmed_cursor_gets_409_with_the_resync_params(client, agent, moto_stack, monkeypatch):
    account, device = agent
    install(client, account, device)
    cursor = poll(client, device).json["data"]["cursor"]
    small_window = ApiClient(moto_stack, "certctrl", monkeypatch, overrides={"FEED_MAX_SIGNALS": "2"},
                             source_ip=client.source_ip)
    for n in range(2, 6):
        install(small_window, account, device, n)
    answer = poll(client, device, cursor, header=f'"{cursor}"')
    assert answer.status == 409
    error = answer.json["error"]
    assert error["code"] == 40901
    assert error["params"]["action"] == "full_resync"
    assert error["params"]["reset_cursor"] is True
    assert error["params"]["signal_type"] == "state.resync_required"
    assert error["params"]["reason"] == "cursor_trimmed"
    earliest = error["params"]["earliest_retained_id"]
    assert "x-poll-interval" in answer.headers
    resynced = poll(client, device).json["data"]  # the agent clears its cursor and polls again
    assert [s["ref"]["version"] for s in resynced["signals"]] == [4, 5]
    assert resynced["signals"]
    assert earliest.endswith("-4")


def test_expired_signals_count_as_trimmed(client, agent, monkeypatch):
    account, device = agent
    install(client, account, device)
    cursor = poll(client, device).json["data"]["cursor"]
    install(client, account, device, 2)
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + 31 * 86400)
    assert poll(client, device, cursor).status == 409


def test_foreign_or_future_cursors_are_409_and_garbage_is_400(client, agent):
    account, device = agent
    install(client, account, device)
    cursor = poll(client, device).json["data"]["cursor"]
    seq = int(cursor.split("-")[1])
    assert poll(client, device, f"{cursor.split('-')[0]}-{seq + 5}").status == 409
    assert poll(client, device, f"123-{seq}").status == 409  # right sequence, wrong signal
    assert poll(client, device, "not-a-cursor").status == 400
    assert poll(client, device, limit=0).status == 400
    assert poll(client, device, limit=101).status == 400


def test_long_poll_returns_when_a_signal_arrives(client, agent, monkeypatch):
    account, device = agent
    sleeps = []

    def fake_sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            with pytest.MonkeyPatch.context():
                install(client, account, device, 7)

    monkeypatch.setattr(clock, "sleep", fake_sleep)
    answer = poll(client, device, wait=25)
    assert answer.status == 200
    assert answer.json["data"]["signals"][0]["ref"]["version"] == 1
    assert len(sleeps) == 2


def test_long_poll_is_capped_below_api_gateway(client, agent, monkeypatch):
    _account, device = agent
    elapsed = [0.0]
    monkeypatch.setattr(clock, "monotonic", lambda: elapsed[0])
    monkeypatch.setattr(clock, "sleep", lambda seconds: elapsed.__setitem__(0, elapsed[0] + seconds))
    answer = poll(client, device, wait=30)
    assert answer.status == 204
    assert elapsed[0] == config.get().max_wait_seconds
    assert config.get().max_wait_seconds < 30


def test_concurrent_changes_lose_no_signal(client, agent):
    # Four writers at once, as four Lambda execution environments would be: the logic is called from threads
    # (one Powertools app object serves one event at a time, so the HTTP handler is not the place to race)
    account, device = agent
    install(client, account, device, 1)  # through the API once: the function's environment is in place
    caller = UserCaller(user=users.get(account.user_id), via="session")
    errors = []

    def change(n):
        try:
            install_config.save(caller, devices.get(account.user_id, device.device_id), after_update_script=None,
                                installs=[{"id": f"step-{n}", "type": "exec", "cmd": f"echo {n}"}], change_note=None)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=change, args=(n,)) for n in range(2, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    signals = poll(client, device).json["data"]["signals"]
    assert not errors
    assert sorted(s["ref"]["version"] for s in signals) == [1, 2, 3, 4, 5]


def test_notify_records_the_agent_version(client, agent):
    account, device = agent
    body = {"schema": "certctrl.device.notify.v1",
            "events": [{"type": "agent_version", "agent": "cert-ctrl", "version": "9.8.7",
                        "device_public_id": device.public_id}, {"type": "something.new", "x": 1}]}
    assert client.post("/apiv1/devices/self/notify", body, headers=device.headers).status == 204
    seen = client.get(f"/apiv1/users/{account.user_id}/devices/{device.device_id}", headers=account.headers)
    assert seen.json["data"]["agent_version"] == "9.8.7"
    assert seen.json["data"]["last_seen_at"]
    other = {"events": [{"type": "agent_version", "version": "0.0.1", "device_public_id": "someone-else"}]}
    assert client.post("/apiv1/devices/self/notify", other, headers=device.headers).status == 204
    again = client.get(f"/apiv1/users/{account.user_id}/devices/{device.device_id}", headers=account.headers)
    assert again.json["data"]["agent_version"] == "9.8.7"


def test_config_files_reach_the_device(client, agent):
    account, device = agent
    base = f"/apiv1/users/{account.user_id}/devices/{device.device_id}/config-files"
    created = client.post(base, {"file": "application", "content": {"verbose": "debug"}}, headers=account.headers)
    assert created.status == 201
    assert client.post(base, {"file": "application", "content": {}}, headers=account.headers).status == 409
    replaced = client.put(f"{base}/application", {"content": {"verbose": "info"}}, headers=account.headers)
    assert replaced.json["data"]["version"] == 2
    assert client.get(f"{base}/nope", headers=account.headers).status == 404
    signals = poll(client, device).json["data"]["signals"]
    assert [s["type"] for s in signals] == ["config.updated", "config.updated"]
    assert signals[1]["ref"]["replace"] == [{"file": "application", "content": {"verbose": "info"}}]
    assert [f["file"] for f in client.get(base, headers=account.headers).json["data"]] == ["application"]
    assert client.delete(f"{base}/application", headers=account.headers).status == 204
    assert client.get(f"{base}/application", headers=account.headers).status == 404


def test_install_config_history_and_restore(client, agent):
    account, device = agent
    base = f"/apiv1/users/{account.user_id}/devices/{device.device_id}"
    empty = client.get(f"{base}/install-config", headers=account.headers).json["data"]
    assert (empty["id"], empty["version"], empty["installs"]) == (0, 0, [])
    first = install(client, account, device, 1)
    install(client, account, device, 2)
    history = client.get(f"{base}/install-config-histories", headers=account.headers).json
    assert [h["version"] for h in history["data"]] == [2, 1]
    assert history["total"] == 2
    restored = client.post(f"{base}/install-config/restore", {"version": 1, "change_note": "back"},
                           headers=account.headers).json["data"]
    assert restored["version"] == 3
    assert restored["installs"] == first["installs"]
    assert restored["installs_hash"] == first["installs_hash"]
    self_view = client.get("/apiv1/devices/self/install-config", headers=device.headers).json["data"]
    assert self_view == restored
    assert client.post(f"{base}/install-config/restore", {"version": 99}, headers=account.headers).status == 404
    bad = client.put(f"{base}/install-config", {"installs": [{"id": "x", "type": "copy", "from": ["a"], "to": []}]},
                     headers=account.headers)
    assert bad.status == 400
