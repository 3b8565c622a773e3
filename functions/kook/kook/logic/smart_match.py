"""Matching KOOK channel names to target channel names across Chinese and English (pure logic, no I/O).

A name is normalised (case, width, emoji, punctuation and decorations such as 频道/channel dropped), then
compared in steps, the first that applies wins:

| evidence                                              | confidence |
|-------------------------------------------------------|------------|
| the same normalised name                              | 1.00       |
| both names are one concept of the zh↔en table         | 0.95       |
| both names contain the same concept                   | 0.85       |
| one name contains the other                           | 0.70       |
| similar spelling (difflib ratio r ≥ 0.6)              | 0.75 × r   |
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

# Each concept: Chinese terms, English terms. Longer terms first within a language, so 公告栏 beats 公告.
CONCEPTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "announcements": (("公告栏", "公告", "通告", "官方公告"), ("announcements", "announcement", "announce", "notice")),
    "news": (("新闻", "资讯", "快讯"), ("news", "press")),
    "updates": (("更新日志", "更新", "版本更新"), ("updates", "update", "changelog", "patchnotes", "patch")),
    "general": (("综合", "大厅", "主频道", "总频道"), ("general", "main", "lobby")),
    "chat": (("闲聊", "聊天", "吹水", "灌水", "水区"), ("chat", "chatting", "offtopic", "talk", "random")),
    "welcome": (("欢迎", "新人报到", "新人"), ("welcome", "newcomers", "introductions", "intro")),
    "rules": (("规则", "群规", "规章", "守则"), ("rules", "rule", "guidelines")),
    "help": (("帮助", "求助", "支持", "客服"), ("help", "support", "helpdesk")),
    "faq": (("常见问题", "问答", "答疑"), ("faq", "qa", "questions", "question")),
    "feedback": (("反馈", "意见"), ("feedback",)),
    "suggestions": (("建议", "提议"), ("suggestions", "suggestion", "ideas")),
    "bugs": (("漏洞", "错误报告", "bug反馈"), ("bugs", "bugreports", "bug", "issues")),
    "events": (("活动", "赛事活动"), ("events", "event", "activities")),
    "giveaways": (("福利", "抽奖", "送礼"), ("giveaways", "giveaway", "rewards", "lottery")),
    "tournaments": (("比赛", "赛事", "锦标赛"), ("tournaments", "tournament", "competition", "matches")),
    "games": (("游戏", "玩家"), ("games", "game", "gaming")),
    "lfg": (("组队", "开黑", "找队友", "车队"), ("lfg", "lookingforgroup", "party", "squad")),
    "guides": (("攻略", "教程", "指南"), ("guides", "guide", "tutorials", "tutorial", "howto")),
    "strategy": (("战术", "策略"), ("strategy", "tactics")),
    "trading": (("交易", "买卖", "市场"), ("trading", "trade", "market", "marketplace")),
    "music": (("音乐", "歌曲", "点歌"), ("music", "songs")),
    "voice": (("语音", "语音频道"), ("voice", "vc")),
    "media": (("媒体", "多媒体"), ("media",)),
    "images": (("图片", "截图", "晒图"), ("images", "image", "pics", "pictures", "screenshots")),
    "videos": (("视频", "影片"), ("videos", "video", "clips")),
    "streams": (("直播", "开播"), ("streams", "stream", "live", "streaming")),
    "art": (("美术", "艺术", "绘画", "同人"), ("art", "artwork", "fanart", "drawing")),
    "memes": (("表情包", "梗图", "沙雕"), ("memes", "meme", "funny")),
    "share": (("分享", "推荐"), ("share", "sharing", "showcase", "recommendations")),
    "resources": (("资源", "下载"), ("resources", "downloads", "download", "files")),
    "links": (("链接", "网址"), ("links", "link")),
    "dev": (("开发", "开发者", "研发"), ("dev", "development", "developers", "devs")),
    "tech": (("技术", "科技"), ("tech", "technology", "technical")),
    "programming": (("编程", "代码", "程序"), ("programming", "coding", "code")),
    "admin": (("管理", "管理员", "版主"), ("admin", "admins", "moderators", "mods", "staff")),
    "logs": (("日志", "记录"), ("logs", "log", "audit")),
    "bots": (("机器人",), ("bots", "bot")),
    "test": (("测试",), ("test", "testing", "sandbox")),
    "notifications": (("通知", "提醒", "推送"), ("notifications", "notification", "alerts", "alert")),
    "polls": (("投票",), ("polls", "poll", "votes", "vote")),
    "checkin": (("签到", "打卡"), ("checkin", "attendance", "daily")),
    "recruitment": (("招募", "招聘", "招人"), ("recruitment", "recruiting", "recruit", "hiring", "jobs")),
    "partners": (("合作", "友链", "联盟"), ("partners", "partnership", "affiliates")),
    "roles": (("身份组", "角色", "领取身份"), ("roles", "role", "selfroles")),
    "verification": (("验证", "认证"), ("verification", "verify")),
    "off_topic": (("杂谈", "无主题"), ("offtopic", "misc", "other")),
    "anime": (("动漫", "二次元", "番剧"), ("anime", "manga", "otaku")),
    "movies": (("电影", "影视"), ("movies", "movie", "films", "cinema")),
    "books": (("读书", "书籍", "小说"), ("books", "reading", "novels")),
    "sports": (("体育", "运动"), ("sports", "sport", "fitness")),
    "food": (("美食", "吃货"), ("food", "cooking")),
    "travel": (("旅行", "旅游"), ("travel", "trips")),
    "pets": (("宠物", "萌宠"), ("pets", "pet", "animals")),
    "study": (("学习", "自习"), ("study", "studying", "learning")),
    "english": (("英语", "英文"), ("english",)),
    "chinese": (("中文", "汉语"), ("chinese", "mandarin")),
    "international": (("国际", "海外"), ("international", "global", "overseas")),
    "vip": (("会员", "贵宾", "赞助"), ("vip", "members", "supporters", "patrons")),
    "mods": (("模组", "插件"), ("mods", "modding", "plugins", "addons")),
    "servers": (("服务器", "开服"), ("servers", "server")),
    "status": (("状态", "运行状态"), ("status", "uptime")),
    "meeting": (("会议", "开会"), ("meeting", "meetings", "standup")),
    "offtopic_night": (("深夜", "夜聊"), ("latenight", "nightchat")),
}
_DECORATIONS_ZH = ("频道", "聊天室", "专区", "讨论区", "区")
_DECORATIONS_EN = ("channel", "chat-room", "room")
_KEEP = re.compile(r"[a-z0-9\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Match:
    confidence: float
    reason: str


def _lowered(name: str) -> str:
    return unicodedata.normalize("NFKC", name or "").lower()


def normalize(name: str) -> str:
    """Letters, digits and CJK only, without decorations such as 频道 or -channel."""
    text = "".join(_KEEP.findall(_lowered(name)))
    for decoration in _DECORATIONS_EN:
        plain = decoration.replace("-", "")
        if text.endswith(plain) and len(text) > len(plain):
            text = text[: -len(plain)]
    for decoration in _DECORATIONS_ZH:
        if text.endswith(decoration) and len(text) > len(decoration):
            text = text[: -len(decoration)]
            break
    return text


def _english_term_in(term: str, tokens: list[str]) -> bool:
    # Words, not substrings: "art" must not fire inside "party", nor "log" inside "catalog". A token may extend
    # the term ("guide" → "guides"), end with it ("generalchat") or, for long terms, contain it.
    for token in tokens:
        if token == term or (len(term) >= 4 and (token.startswith(term) or token.endswith(term))) or (
                len(term) >= 5 and term in token):
            return True
    return False


def concepts(name: str) -> dict[str, str]:
    """Concepts named in a channel name → the term that named it."""
    lowered = _lowered(name)
    words = re.findall(r"[a-z0-9]+", lowered)
    chinese = "".join(re.findall(r"[\u4e00-\u9fff]+", lowered))
    found = {}
    for concept, (zh_terms, en_terms) in CONCEPTS.items():
        term = next((t for t in zh_terms if t in chinese), None) or next(
            (t for t in en_terms if _english_term_in(t, words)), None)
        if term:
            found[concept] = term
    return found


def score(kook_name: str, target_name: str) -> Match:
    left, right = normalize(kook_name), normalize(target_name)
    if not left or not right:
        return Match(0.0, "")
    if left == right:
        return Match(1.0, "名称完全相同")
    by_meaning = _same_concept(kook_name, target_name, left, right)
    if by_meaning:
        return by_meaning
    if min(len(left), len(right)) >= 2 and (left in right or right in left):
        return Match(0.7, "名称包含关系")
    ratio = difflib.SequenceMatcher(None, left, right).ratio()
    if ratio >= 0.6:
        return Match(round(0.75 * ratio, 2), f"名称相似（{ratio:.0%}）")
    return Match(0.0, "")


def _same_concept(kook_name: str, target_name: str, left: str, right: str) -> Match | None:
    left_concepts, right_concepts = concepts(kook_name), concepts(target_name)
    shared = sorted(set(left_concepts) & set(right_concepts))
    if not shared:
        return None
    concept = shared[0]
    pair = f"{left_concepts[concept]} ↔ {right_concepts[concept]}"
    if _is_only(left, left_concepts[concept]) and _is_only(right, right_concepts[concept]):
        return Match(0.95, f"中英文对照：{pair}")
    return Match(0.85, f"包含相同含义：{pair}")


def _is_only(normalized: str, term: str) -> bool:
    """The name is just the term (an English plural or singular of it counts)."""
    return normalized == term or normalized.rstrip("s") == term.rstrip("s")


def best_matches(sources: list[dict[str, Any]], targets: list[dict[str, Any]], *, min_confidence: float
                 ) -> list[tuple[dict[str, Any], dict[str, Any], Match]]:
    """For each source (a KOOK channel with `name`), its best target (with `name`) at or above min_confidence."""
    found = []
    for source in sources:
        best: tuple[dict[str, Any], Match] | None = None
        for target in targets:
            match = score(source.get("name", ""), target.get("name", ""))
            if match.confidence and (best is None or match.confidence > best[1].confidence):
                best = (target, match)
        if best and best[1].confidence >= min_confidence:
            found.append((source, best[0], best[1]))
    return found
