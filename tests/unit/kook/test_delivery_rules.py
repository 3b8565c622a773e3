"""Small rules of the senders: backoff bounds, pacing, multipart bodies, Feishu idempotency keys, unit plans."""

import time
from email.parser import BytesParser
from email.policy import HTTP

import pytest

from kook.logic import delivery, forwarding, pacing
from kook.providers import multipart
from suite.outbound import ProviderError


def test_full_jitter_backoff_grows_and_is_capped():
    for receive_count, base in ((1, 5), (3, 5), (10, 5)):
        ceiling = min(forwarding.BACKOFF_CAP_SECONDS, base * 2 ** (receive_count - 1))
        samples = [forwarding.backoff_seconds(receive_count, base) for _ in range(200)]
        assert min(samples) >= 1
        assert max(samples) <= ceiling
    assert max(forwarding.backoff_seconds(20, 5) for _ in range(50)) <= forwarding.BACKOFF_CAP_SECONDS


def test_pacing_waits_briefly_and_defers_long_waits(monkeypatch):
    monkeypatch.setattr(pacing.settings, "document", lambda name: {"telegram_rate_limit_per_second": 20})
    pacing.reset()
    started = time.monotonic()
    pacing.before_call("t1", "telegram")
    pacing.before_call("t1", "telegram")  # 1/20 s later at the earliest
    assert time.monotonic() - started >= 0.045
    pacing.after_call("t1", 30.0)  # Discord-style "bucket empty for 30 s"
    with pytest.raises(ProviderError) as deferred:
        pacing.before_call("t1", "telegram")
    assert deferred.value.reason == "rate_limited"
    assert 28 < deferred.value.retry_after <= 30
    pacing.before_call("other-target", "telegram")  # targets are paced on their own
    pacing.reset()


def test_multipart_round_trips_with_unicode_file_names():
    body, content_type = multipart.encode([multipart.Field("chat_id", "-100"),
                                           multipart.Field("payload_json", '{"a": 1}', "application/json"),
                                           multipart.File("photo", "小猫 1.png", b"\x89PNG\r\n", "image/png"),
                                           multipart.File("doc", 'a"b\r\n.txt', b"x")])
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert parts["chat_id"].get_payload(decode=True) == b"-100"
    assert parts["payload_json"].get_content_type() == "application/json"
    assert parts["photo"].get_filename() == "小猫 1.png"
    assert parts["doc"].get_filename() == "a%22b%0D%0A.txt"  # as browsers write them: no header injection
    assert parts["photo"].get_payload(decode=True) == b"\x89PNG\r\n"


JOB = {"msg_id": "m-1", "mapping_id": 4, "platform": "feishu", "target_channel": "", "sender": "小明",
       "content": "hi", "parts": [{"zh_cn": {"title": "t", "content": [[{"tag": "text", "text": "a"}]]}},
                                  {"zh_cn": {"title": "t", "content": [[{"tag": "text", "text": "b"}]]}}],
       "media": [{"url": "https://img.kookapp.cn/1.png", "kind": "image", "name": "1.png"},
                 {"url": "https://img.kookapp.cn/f.pdf", "kind": "file", "name": "f.pdf"}]}


def test_units_per_platform():
    feishu = delivery.units(JOB, {"app_id": "cli_1", "app_secret": "s" * 10, "chat_id": "oc_1"})
    assert [u.name for u in feishu] == ["post 1", "final post", "file 1"]
    telegram = delivery.units({**JOB, "platform": "telegram", "parts": ["a", "b"]},
                              {"bot_token": "1:x", "chat_id": "-1"})
    assert [u.name for u in telegram] == ["text 1", "text 2", "file 1", "file 2"]
    discord = delivery.units({**JOB, "platform": "discord", "parts": ["a", "b", "c"]}, {"webhook_url": "u"})
    assert [u.name for u in discord] == ["text 1", "text 2", "final message"]
    with pytest.raises(ProviderError) as missing:
        delivery.units({**JOB, "platform": "telegram"}, {"bot_token": "1:x"})
    assert (missing.value.reason, missing.value.status) == ("rejected", 400)


def test_feishu_idempotency_keys_are_stable_per_unit():
    assert delivery._uuid(JOB, 0) == delivery._uuid(dict(JOB), 0)
    assert delivery._uuid(JOB, 0) != delivery._uuid(JOB, 1)
    assert len(delivery._uuid(JOB, 0)) <= 50
