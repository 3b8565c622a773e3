"""Channel-name matching across Chinese and English, with its confidence steps."""

import pytest

from kook.logic import smart_match


@pytest.mark.parametrize(("kook", "target", "confidence"), [
    ("公告", "announcements", 0.95),
    ("📢公告频道", "Announcements", 0.95),
    ("闲聊", "chat", 0.95),
    ("规则", "rules", 0.95),
    ("游戏攻略", "game-guides", 0.85),
    ("general", "General", 1.0),
    ("dev-log", "devlog", 1.0),
    ("公告", "公告栏", 0.95),
])
def test_confidence(kook, target, confidence):
    assert smart_match.score(kook, target).confidence == confidence


def test_reason_names_the_pair():
    match = smart_match.score("公告", "announcements")
    assert match.reason == "中英文对照：公告 ↔ announcements"


def test_containment_and_similarity():
    assert smart_match.score("minecraft-server", "minecraft").confidence == 0.7
    similar = smart_match.score("colour", "color")
    assert similar.confidence == 0.68
    assert similar.reason.startswith("名称相似")
    assert smart_match.score("公告", "memes").confidence == 0.0
    assert smart_match.score("", "anything").confidence == 0.0


@pytest.mark.parametrize(("name", "absent"), [("party", "art"), ("catalog", "logs"), ("aqua", "faq"),
                                              ("robotics", "bots"), ("delivery", "streams")])
def test_english_terms_match_words_not_substrings(name, absent):
    assert absent not in smart_match.concepts(name)


def test_english_terms_match_plurals_and_compounds():
    assert "guides" in smart_match.concepts("game-guides")
    assert "chat" in smart_match.concepts("generalchat")
    assert "general" in smart_match.concepts("generalchat")


def test_normalize_drops_decorations_and_symbols():
    assert smart_match.normalize("📢 公告 频道") == "公告"
    assert smart_match.normalize("General-Channel") == "general"
    assert smart_match.normalize("ＡＢＣ") == "abc"  # full width


def test_best_matches_picks_the_best_target_above_the_threshold():
    sources = [{"name": "公告"}, {"name": "随便"}]
    targets = [{"name": "news"}, {"name": "announcements"}, {"name": "rules"}]
    found = smart_match.best_matches(sources, targets, min_confidence=0.5)
    assert [(s["name"], t["name"], m.confidence) for s, t, m in found] == [("公告", "announcements", 0.95)]


def test_the_rule_table_has_sixty_concepts_with_both_languages():
    assert len(smart_match.CONCEPTS) >= 60
    assert all(zh and en for zh, en in smart_match.CONCEPTS.values())
