"""Pure pieces of ccjk: webhook rules and masking, request models, notification status, ids, sync entries."""

import pytest
from pydantic import ValidationError

from ccjk import clock, config, ids
from ccjk.logic import channels, cloud_sync, delivery
from ccjk.models.cloud_sync import PushRequest
from ccjk.models.entities import Delivery, Notification
from ccjk.models.notify import NotifyRequest
from suite.errors import BadRequest

FEISHU = "https://open.feishu.cn"


@pytest.fixture(autouse=True)
def real_provider_bases(monkeypatch):
    for name in ("FEISHU", "DINGTALK", "WECOM"):
        monkeypatch.delenv(f"{name}_BASE_URL", raising=False)


@pytest.mark.parametrize(("provider", "url"), [
    ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/2f5c0a54-0a3b"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=9f0a8b"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"),
])
def test_the_providers_own_webhooks_are_accepted(provider, url):
    assert channels.check_webhook(provider, url).url == url


@pytest.mark.parametrize(("provider", "url"), [
    ("feishu", "http://open.feishu.cn/open-apis/bot/v2/hook/x"),  # plain http
    ("feishu", "https://open.feishu.cn.evil.com/open-apis/bot/v2/hook/x"),
    ("feishu", "https://open.feishu.cn:8443/open-apis/bot/v2/hook/x"),
    ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x/../../admin"),
    ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/a/b"),
    ("feishu", "https://169.254.169.254/open-apis/bot/v2/hook/x"),
    ("feishu", "https://user@open.feishu.cn/open-apis/bot/v2/hook/x"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/sendx?access_token=a"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?other=1"),
    ("wecom", "https://open.feishu.cn/cgi-bin/webhook/send?key=a"),
])
def test_anything_else_is_refused(provider, url):
    with pytest.raises(BadRequest) as refused:
        channels.check_webhook(provider, url)
    assert refused.value.code == "INVALID_WEBHOOK"


def test_the_base_url_setting_moves_the_allowed_origin(monkeypatch):
    monkeypatch.setenv("FEISHU_BASE_URL", "http://127.0.0.1:8123")
    config.get.reset()
    assert channels.check_webhook("feishu", "http://127.0.0.1:8123/open-apis/bot/v2/hook/t").port == 8123
    with pytest.raises(BadRequest):
        channels.check_webhook("feishu", f"{FEISHU}/open-apis/bot/v2/hook/t")
    with pytest.raises(BadRequest):
        channels.check_webhook("feishu", "http://127.0.0.1:8124/open-apis/bot/v2/hook/t")


def test_masking_hides_the_robot_credential():
    for provider, url, shown in [
        ("feishu", f"{FEISHU}/open-apis/bot/v2/hook/2f5c0a54-0a3b-4c1d",
         f"{FEISHU}/open-apis/bot/v2/hook/2f5c****4c1d"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef",
         "https://oapi.dingtalk.com/robot/send?access_token=0123****cdef"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=short",
         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****"),
    ]:
        assert channels.masked(provider, channels.check_webhook(provider, url)) == shown


def test_notify_request_aliases_and_limits():
    request = NotifyRequest(body="from body", channels=["wechat", "feishu"], channel="dingtalk")
    assert request.text == "from body"
    assert sorted(request.requested_channels()) == ["dingtalk", "feishu", "wechat"]
    assert NotifyRequest(content="c", channel="all").requested_channels() is None
    assert NotifyRequest(content="c", body="b").text == "c"  # content wins when both are sent
    assert NotifyRequest(content="c", title="  ").title is None
    for bad in ({}, {"content": " "}, {"content": "x", "data": {"blob": "x" * 9000}}):
        with pytest.raises(ValidationError):
            NotifyRequest(**bad)


def test_identical_requests_have_identical_fingerprints():
    first = NotifyRequest(content="x", channels=["feishu", "wecom"])
    second = NotifyRequest(body="x", channels=["wecom", "feishu"], unknownField={"ignored": True})
    assert first.fingerprint() == second.fingerprint()
    assert first.fingerprint() != NotifyRequest(content="y", channels=["feishu", "wecom"]).fingerprint()
    # What is stored and shown counts (issue 18): the same text with other metadata or actions is another request.
    assert first.fingerprint() != NotifyRequest(content="x", channels=["feishu", "wecom"],
                                                metadata={"branch": "main"}).fingerprint()
    assert first.fingerprint() != NotifyRequest(content="x", channels=["feishu", "wecom"],
                                                actions=[{"id": "y", "label": "Yes"}]).fingerprint()


@pytest.mark.parametrize(("states", "status"), [
    ([], "pending"), (["pending", "sent"], "pending"), (["sent", "sent"], "sent"), (["sent", "failed"], "failed"),
    (["failed"], "failed")])
def test_notification_status_follows_its_channels(states, status):
    notification = Notification("n", "d", "custom", None, "b", "normal", "t", 0,
                                deliveries={str(i): Delivery(status=s) for i, s in enumerate(states)})
    assert notification.status == status


def test_time_ordered_ids_sort_by_creation(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: 1_700_000_000.0)
    earlier = ids.notification_id()
    monkeypatch.setattr(clock, "now", lambda: 1_700_000_000.001)
    later = ids.notification_id()
    assert earlier < later
    assert len(earlier) == len(later) == len("notif_") + 26
    code = ids.bind_code()
    assert len(code) == 6
    assert not set(code) & set("01OI")


def test_sync_entries_take_ids_from_id_name_or_content():
    request = PushRequest(data={"skills": [{"id": "a", "x": 1}, {"name": "b"}, "c", {"x": 2}],
                                "mcpServers": {"fs": {"command": "npx"}}})
    keys = [entry.key for entry in cloud_sync.entries(request)]
    assert keys[:3] == ["skills/a", "skills/b", "skills/c"]
    assert keys[3].startswith("skills/sha256-")
    assert keys[4] == "mcpServers/fs"
    assert cloud_sync.content_hash({"b": 1, "a": 2}) == cloud_sync.content_hash({"a": 2, "b": 1})


def test_deep_merge_keeps_both_sides_and_local_wins_clashes():
    remote = {"a": 1, "nested": {"x": 1, "y": 2}, "list": [1]}
    local = {"b": 2, "nested": {"y": 3}, "list": [2]}
    assert cloud_sync.deep_merge(remote, local) == {"a": 1, "b": 2, "nested": {"x": 1, "y": 3}, "list": [2]}


def test_backoff_grows_and_is_capped():
    assert 5 <= delivery.backoff_seconds(1) <= 10
    assert 20 <= delivery.backoff_seconds(3) <= 40
    assert delivery.backoff_seconds(30) <= delivery.BACKOFF_CAP_SECONDS
