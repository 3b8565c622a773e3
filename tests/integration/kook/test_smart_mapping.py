"""Smart mapping: KOOK servers/channels of an account, zh↔en matching with a confidence, saving matches."""

from kook.store import mappings as mapping_store
from tests.integration.kook.conftest import scripted_kook

GUILDS = [{"id": "1001", "name": "游戏公会", "icon": ""}]
CHANNELS = {"1001": [{"id": "2001", "name": "📢 公告", "type": 1}, {"id": "2002", "name": "闲聊频道", "type": 1},
                     {"id": "2003", "name": "游戏攻略", "type": 1}, {"id": "2004", "name": "抽奖", "type": 1},
                     {"id": "2005", "name": "语音大厅", "type": 2}]}


def setup_account_and_bot(api, fake):
    scripted_kook(fake, GUILDS, CHANNELS)
    account = api.post("/api/accounts", {"email": "u@example.com", "cookie": "auth=1"}).body["account_id"]
    bot = api.post("/api/bots", {"platform": "discord", "name": "Discord", "config": {
        "webhook_url": f"{fake.url}/api/webhooks/123456789012345678/{'a' * 40}"}}).body["bot_id"]
    return account, bot


def test_kook_servers_and_channels(api, fake):
    account, _bot = setup_account_and_bot(api, fake)
    assert api.get("/api/smart-mapping/kook-servers", query=f"account_id={account}").body["servers"] == GUILDS
    channels = api.get("/api/smart-mapping/kook-channels", query=f"account_id={account}&server_id=1001").body
    assert [c["id"] for c in channels["channels"]] == ["2001", "2002", "2003", "2004", "2005"]
    missing = api.get("/api/smart-mapping/kook-servers")  # account_id is required: the original's 400
    assert (missing.status, missing.body["error_code"]) == (400, "MISSING_PARAM")


def test_auto_match_with_zh_en_rules_and_confidence(api, fake):
    account, bot = setup_account_and_bot(api, fake)
    answer = api.post("/api/smart-mapping/auto-match", {
        "account_id": account, "platform": "discord",
        "target_channels": [{"id": "d1", "name": "announcements"}, {"id": "d2", "name": "general-chat"},
                            {"id": "d3", "name": "game-guides"}, {"id": "d4", "name": "giveaways"},
                            {"id": "d5", "name": "memes"}]}).body
    matched = {m["kook_channel"]: (m["target"], m["confidence"]) for m in answer["mappings"]}
    assert matched["📢 公告"] == ("d1", 0.95)
    assert matched["闲聊频道"][0] == "d2"
    assert matched["闲聊频道"][1] == 0.85
    assert matched["游戏攻略"][0] == "d3"
    assert matched["抽奖"] == ("d4", 0.95)
    assert "语音大厅" not in matched  # voice channels are not forwarded
    first = answer["mappings"][0]
    assert {"kook_channel_id", "kook_channel", "kook_server", "target", "target_name", "bot_id", "bot_name",
            "confidence", "match_reason"} <= set(first)
    assert first["bot_id"] == bot
    assert "公告 ↔ announcements" in next(m["match_reason"] for m in answer["mappings"] if m["target"] == "d1")
    assert answer["stats"] == {"total_kook_channels": 4, "total_target_channels": 5, "matched_count": 4,
                               "match_rate": 100.0}


def test_auto_match_against_bots_and_saving(api, fake):
    account, bot = setup_account_and_bot(api, fake)
    telegram = api.post("/api/bots", {"platform": "telegram", "name": "公告推送", "config": {
        "bot_token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "chat_id": "-100555"}}).body["bot_id"]
    answer = api.post("/api/smart-mapping/auto-match", {"account_id": account, "platform": "telegram"}).body
    assert [(m["kook_channel"], m["bot_id"], m["target"]) for m in answer["mappings"]] == [
        ("📢 公告", telegram, "-100555")]
    saved = api.post("/api/smart-mapping/batch-save", {"mappings": answer["mappings"]}).body
    assert saved["success_count"] == 1
    stored = mapping_store.for_channel("2001")
    assert [(m["target_bot_id"], m["target_channel_id"], m["kook_channel_name"]) for m in stored] == [
        (telegram, "-100555", "📢 公告")]
    again = api.post("/api/smart-mapping/apply", {"mappings": answer["mappings"]}).body
    assert again["success_count"] == 0
    assert again["errors"][0]["error"] == "与已有映射重复"
    assert api.post("/api/smart-mapping/auto-match", {"account_id": account, "platform": "feishu"}).status == 400
    assert bot  # the Discord bot exists but was not a candidate for platform=telegram


def test_suggest_and_preview(api, fake):
    account, bot = setup_account_and_bot(api, fake)
    suggestions = api.post("/api/smart-mapping/suggest", {
        "account_id": account, "target_bots": [bot], "min_confidence": 0.6,
        "target_channels": [{"id": "d1", "name": "Announcements", "bot_id": bot}]}).body["suggestions"]
    assert suggestions == [{"kook_server_id": "1001", "kook_channel_id": "2001", "kook_channel_name": "📢 公告",
                            "target_platform": "discord", "target_bot_id": bot, "target_channel_id": "d1",
                            "confidence": 0.95, "reason": suggestions[0]["reason"],
                            "kook_server_name": "游戏公会", "target_channel_name": "Announcements"}]
    preview = api.get(f"/api/smart-mapping/preview/{account}").body
    assert preview["servers"][0]["channel_count"] == 4
    assert preview["total_channels"] == 4


def test_suggest_takes_the_servers_and_bots_the_original_front_end_sends(api, fake):
    """Issue 13: `kook_servers` as server objects carrying the channels the dialog read (KOOK is not asked again),
    `target_bots` as bot rows; ids keep working, and a server without its channels is read from KOOK."""
    account, bot = setup_account_and_bot(api, fake)
    fake.reset()
    servers = [{"id": "1001", "name": "游戏公会", "channels": [
        {"id": "2001", "name": "📢 公告", "type": "text", "server_id": "1001"},
        {"id": "2009", "name": "语音", "type": 2}]}]
    rows = [{"id": bot, "platform": "discord", "name": "游戏公告Bot", "config": {}, "status": "active"}]
    answer = api.post("/api/smart-mapping/suggest", {
        "account_id": account, "kook_servers": servers, "target_bots": rows, "min_confidence": 0.6,
        "target_channels": [{"id": "d1", "name": "Announcements", "bot_id": bot}]})
    assert answer.status == 200, answer.body
    assert [(s["kook_channel_id"], s["kook_server_name"]) for s in answer.body["suggestions"]] == [("2001", "游戏公会")]
    assert fake.requests == []  # the channels came with the request
    scripted_kook(fake, GUILDS, CHANNELS)
    by_id = api.post("/api/smart-mapping/suggest", {
        "account_id": account, "kook_servers": [1001], "target_bots": [bot], "min_confidence": 0.6,
        "target_channels": [{"id": "d1", "name": "Announcements", "bot_id": bot}]})
    assert [s["kook_channel_id"] for s in by_id.body["suggestions"]] == ["2001"]
    assert api.post("/api/smart-mapping/suggest", {"account_id": 999, "kook_servers": servers}).status == 404
    malformed = api.post("/api/smart-mapping/suggest", {"account_id": account, "kook_servers": [{"name": "x"}]})
    assert malformed.status == 422


def test_apply_takes_the_suggestion_rows_as_a_json_array(api, fake):
    account, bot = setup_account_and_bot(api, fake)
    suggestions = api.post("/api/smart-mapping/suggest", {
        "account_id": account, "target_bots": [bot], "min_confidence": 0.6,
        "target_channels": [{"id": "d1", "name": "Announcements", "bot_id": bot}]}).body["suggestions"]
    applied = api.post("/api/smart-mapping/apply", suggestions)  # the array itself, extra keys ignored
    assert (applied.status, applied.body["success_count"]) == (200, 1)
    again = api.post("/api/smart-mapping/batch-save", {"mappings": suggestions})
    assert (again.status, again.body["failed_count"]) == (200, 1)  # already mapped: reported per row
    assert api.post("/api/smart-mapping/apply", [1, 2]).status == 422
    assert api.post("/api/smart-mapping/apply", "rows").status == 422
    assert api.post("/api/smart-mapping/apply", []).status == 400
