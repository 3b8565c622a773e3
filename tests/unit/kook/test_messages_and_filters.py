"""KOOK messages in one shape (webhook events and message/list items), what they say and which pass the filters."""

import json

import pytest

from kook.logic import filters, messages
from kook.logic.formatting import render

AUTHOR = {"id": "2418200000", "username": "tz-un", "nickname": "小明", "avatar": "https://img.kookapp.cn/a.jpg",
          "bot": False}


def event(**overrides):
    d = {"channel_type": "GROUP", "type": 9, "target_id": "4881", "author_id": AUTHOR["id"],
         "content": "**hi** (met)30001(met)", "msg_id": "m-1", "msg_timestamp": 1613996877757,
         "extra": {"type": 9, "guild_id": "6016", "channel_name": "公告", "mention_all": False, "author": AUTHOR,
                   "kmarkdown": {"mention_part": [{"id": "30001", "username": "阿强"}],
                                 "mention_role_part": [{"role_id": 7, "name": "管理员"}]}}}
    d.update(overrides)
    return d


def test_webhook_events_and_list_items_become_the_same_shape():
    from_event = messages.from_event(event(), account_id=3)
    item = {"id": "m-1", "type": 9, "content": "**hi** (met)30001(met)", "create_at": 1613996877757,
            "author": AUTHOR, "mention_all": False, "attachments": None, "quote": None,
            "mention_info": {"mention_part": [{"id": "30001", "username": "阿强"}],
                             "mention_role_part": [{"role_id": 7, "name": "管理员"}]}}
    from_list = messages.from_list_item(item, channel_id="4881", guild_id="6016", channel_name="公告", account_id=3)
    assert {k: v for k, v in from_event.items() if k != "source"} == {
        k: v for k, v in from_list.items() if k != "source"}
    assert from_event["mentions"] == {"30001": "阿强"}
    assert from_event["roles"] == {"7": "管理员"}
    assert (from_event["source"], from_list["source"]) == ("webhook", "poll")


def test_kinds_for_filters_and_logs():
    assert messages.kind(messages.from_event(event(), account_id=1)) == "text"
    assert messages.kind(messages.from_event(event(content="see https://x.cn"), account_id=1)) == "link"
    assert messages.kind(messages.from_event(event(type=2, content="https://img.kookapp.cn/a.png"),
                                             account_id=1)) == "image"
    assert messages.kind(messages.from_event(event(type=10, content="[]"), account_id=1)) == "card"


def test_media_from_attachments_media_messages_and_cards_without_duplicates():
    image = messages.from_event(event(type=2, content="https://img.kookapp.cn/a.png", extra={
        "attachments": {"type": "image", "url": "https://img.kookapp.cn/a.png", "name": "a.png", "size": 10}}),
        account_id=1)
    assert messages.media(image) == [{"url": "https://img.kookapp.cn/a.png", "kind": "image", "name": "a.png",
                                      "size": 10, "file_type": ""}]
    bare_video = messages.from_event(event(type=3, content="https://img.kookapp.cn/v.mp4", extra={}), account_id=1)
    assert [m["kind"] for m in messages.media(bare_video)] == ["video"]
    card = [{"type": "card", "modules": [
        {"type": "image-group", "elements": [{"type": "image", "src": "https://img.kookapp.cn/1.png"},
                                             {"type": "image", "src": "https://img.kookapp.cn/1.png"}]},
        {"type": "file", "src": "https://img.kookapp.cn/f.pdf", "title": "规则.pdf"}]}]
    card_message = messages.from_event(event(type=10, content=json.dumps(card)), account_id=1)
    assert [(m["kind"], m["name"]) for m in messages.media(card_message)] == [("image", "1.png"),
                                                                            ("file", "规则.pdf")]


def test_cards_fall_back_to_text():
    card = [{"type": "card", "modules": [
        {"type": "header", "text": {"type": "plain-text", "content": "标题"}},
        {"type": "section", "text": {"type": "kmarkdown", "content": "**粗** (met)30001(met)"},
         "accessory": {"type": "button", "click": "link", "value": "https://kookapp.cn", "text": {"content": "打开"}}},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "plain-text", "content": "上下文"},
                                         {"type": "kmarkdown", "content": "*二*"}]},
        {"type": "action-group", "elements": [{"type": "button", "click": "return-val", "value": "x",
                                               "text": {"type": "plain-text", "content": "投票"}}]},
        {"type": "file", "src": "https://img.kookapp.cn/f.pdf", "title": "规则.pdf"}]}]
    message = messages.from_event(event(type=10, content=json.dumps(card)), account_id=1)
    assert render.telegram(messages.document(message)) == (
        "<b>标题</b>\n<b>粗</b> @阿强\n<a href=\"https://kookapp.cn\">[打开]</a>\n──────────\n上下文 二\n[投票]\n"
        "[文件] 规则.pdf")
    assert messages.document(messages.from_event(event(type=10, content="not json"), account_id=1)).is_empty()


def test_a_quoted_message_comes_first_as_a_short_quote():
    quote = {"id": "q-1", "type": 9, "content": "**原文** " + "很长" * 200,
             "author": {"username": "u", "nickname": "老王"}}
    message = messages.from_event(event(extra={**event()["extra"], "quote": quote}), account_id=1)
    text = render.telegram(messages.document(message))
    assert text.startswith("<blockquote><b>老王: </b>原文 很长")
    assert "…</blockquote>\n<b>hi</b> @阿强" in text
    image_quote = messages.from_event(event(extra={**event()["extra"], "quote": {
        "id": "q-2", "type": 2, "content": "https://img.kookapp.cn/x.png", "author": {"username": "u"}}}),
        account_id=1)
    assert "[图片]" in messages.document(image_quote).plain()


# ------------------------------------------------------------------------------------------------ filters

def reason(rules, *, kind="text", text="hello", author=None, mention_all=False):
    return filters.reason(rules, kind=kind, text=text, author=author or AUTHOR, mention_all=mention_all)


@pytest.mark.parametrize(("listed", "kind", "passes"), [
    (["text", "image", "file", "link"], "card", True),  # coarse list: a card counts as text
    (["text", "image", "file", "link"], "video", True),  # ... and a video as a file
    (["image"], "card", False),
    (["text", "card"], "video", False),  # the list names a newer kind: exact kinds from now on
    (["text", "card"], "card", True),
    ([], "audio", True),
])
def test_message_types(listed, kind, passes):
    assert (reason({"message_types": listed}, kind=kind) is None) is passes


def test_keywords_users_and_mention_all():
    assert reason({"keyword_filter_enabled": True, "keyword_blacklist": ["广告"]}, text="这是广告") is not None
    assert reason({"keyword_filter_enabled": False, "keyword_blacklist": ["广告"]}, text="这是广告") is None
    assert reason({"keyword_filter_enabled": True, "keyword_whitelist": ["公告"]}, text="闲聊") is not None
    assert reason({"keyword_filter_enabled": True, "keyword_whitelist": ["Notice"]}, text="a NOTICE") is None
    assert reason({"user_filter_enabled": True, "user_blacklist": [{"id": AUTHOR["id"], "name": ""}]}) is not None
    assert reason({"user_filter_enabled": True, "user_blacklist": [{"name": "小明"}]}) is not None
    assert reason({"user_filter_enabled": True, "user_whitelist": [{"id": "1"}]}) is not None
    assert reason({"only_mention_all": True}) is not None
    assert reason({"only_mention_all": True}, mention_all=True) is None
    assert reason({"ignore_bot_messages": True}, author={**AUTHOR, "bot": True}) == "a bot wrote it"
    assert reason({"ignore_bot_messages": True}) is None
