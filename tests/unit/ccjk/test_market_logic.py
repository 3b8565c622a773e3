"""The marketplace's pure rules (issue 18): how text becomes search words and prefixes, the one id space's
candidate ids, slugs, ETag matching, token estimates, trending windows, rating scores, feature flag checks and the
envelopes of the v1 and v8 families."""

import datetime as dt
import json

import pytest

from ccjk.api import MARKET_ENVELOPE, V8_ENVELOPE
from ccjk.logic import catalog, context, feature_flags, rankings, search
from suite.errors import BadRequest, NotFound


def test_words_split_latin_and_cjk():
    assert search.words("Git-Commit Helper v2") == ["git", "commit", "helper", "v2"]
    assert search.words("部署专家 for K8s") == ["部", "署", "专", "家", "部署", "署专", "专家", "for", "k8s"]
    assert search.words("ＦＵＬＬ　ｗｉｄｔｈ") == ["full", "width"]  # NFKC
    assert search.words("Straße") == ["strasse"]  # case-folded


def test_prefixes_are_two_to_sixteen_characters():
    assert search.prefixes("commit") == ["co", "com", "comm", "commi", "commit"]
    assert search.prefixes("专家") == ["专家"]
    assert max(len(p) for p in search.prefixes("a" * 40)) == search.MAX_PREFIX
    assert search.prefixes("x") == []


def test_query_words_drop_single_letters_and_keep_six():
    assert search.query_words("a git b commit") == ["git", "commit"]
    assert len(search.query_words("one two three four five six seven eight")) == search.MAX_QUERY_WORDS
    assert search.query_words("专") == ["专"]


def test_search_terms_are_normalised_and_bounded():
    assert search.term_of("  React   Hooks ") == "react hooks"
    assert search.term_of("x") is None
    assert len(search.term_of("word " * 30)) <= search.TERM_MAX_LENGTH


def test_candidates_of_every_id_form():
    kinds = (catalog.SKILL, catalog.MCP)
    assert catalog.candidates("git-commit", kinds) == ["skill_git-commit", "mcp_git-commit"]
    assert catalog.candidates("tpl_git-commit", kinds) == ["tpl_git-commit", "skill_git-commit", "mcp_git-commit"]
    assert catalog.candidates("SKILL_Git-Commit", kinds)[0] == "skill_git-commit"
    assert catalog.candidates("../etc/passwd", kinds) == []
    assert catalog.candidates("unknownprefix_x", kinds) == ["skill_unknownprefix_x", "mcp_unknownprefix_x"]


def test_slugs():
    assert catalog.slugify("Git Commit — Helper!") == "git-commit-helper"
    assert catalog.slugify("回放专家") == ""
    assert catalog.valid_slug("a.b_c-1")
    assert not catalog.valid_slug("-a")
    assert catalog.new_id("claude-md", "x") == "tpl_x"


def test_etag_matching():
    tag = '"abc"'
    assert catalog.etag_matches('"abc"', tag)
    assert catalog.etag_matches('W/"abc"', tag)
    assert catalog.etag_matches('"x", "abc"', tag)
    assert catalog.etag_matches("*", tag)
    assert not catalog.etag_matches('"abd"', tag)
    assert not catalog.etag_matches(None, tag)


def test_bayesian_score_pulls_towards_three():
    assert catalog.bayesian(0, 0) == 3.0
    assert catalog.bayesian(5, 1) < catalog.bayesian(480, 100)  # one 5 < a hundred 4.8s


def test_token_estimates():
    assert context.estimate("abcd" * 10) == {"text": 10, "code": 0, "images": 0, "toolUse": 0}
    blocks = [{"type": "image", "source": {}}, {"type": "tool_use", "id": "1", "name": "x", "input": {}}]
    found = context.estimate(blocks)
    assert found["images"] == context.IMAGE_TOKENS
    assert found["toolUse"] > 0
    assert context.estimate_request("x", True)["estimatedTokens"] == 3001


def test_trending_windows_cover_the_last_seven_days(monkeypatch):
    monkeypatch.setenv("TRENDING_WINDOW_DAYS", "7")
    from suite import config  # noqa: PLC0415

    config.reset_all()
    noon = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC).timestamp()
    windows = rankings.windows(noon)
    assert sorted(windows) == [f"2026-12-0{d}" for d in range(1, 8)]
    assert rankings.current_window(noon) == "2026-12-01"
    ends = dt.datetime.fromtimestamp(windows["2026-12-07"], dt.UTC)
    assert ends == dt.datetime(2026, 12, 15, tzinfo=dt.UTC)  # the window's last day plus one, then TTL


@pytest.mark.parametrize(("name", "value"), [
    ("silentUpgrade", "yes"), ("syncInterval", 1000), ("syncInterval", True), ("minClientVersion", "latest"),
    ("bad name", 1), ("anything", {"nested": 1}), ("anything", "x" * 2000)])
def test_feature_flags_are_checked(name, value):
    with pytest.raises(BadRequest):
        feature_flags._checked(name, value)


def test_feature_flags_accept_good_values():
    assert feature_flags._checked("syncInterval", 60000) == 60000
    assert feature_flags._checked("minClientVersion", "9.4.13") == "9.4.13"
    assert feature_flags._checked("newFlag", "on") == "on"
    assert feature_flags._checked("silentUpgrade", None) is None


def test_the_v1_envelope_spreads_objects_and_errors_carry_message():
    body = json.loads(MARKET_ENVELOPE.ok({"skills": [1], "success": "x"}).body)
    assert body == {"success": True, "skills": [1], "data": {"skills": [1], "success": "x"}}
    listed = json.loads(MARKET_ENVELOPE.ok([1, 2], pagination={"page": 1}).body)
    assert listed == {"success": True, "data": [1, 2], "pagination": {"page": 1}}
    error = json.loads(MARKET_ENVELOPE.error(NotFound("Skill not found", code="SKILL_NOT_FOUND")).body)
    assert error == {"success": False, "error": "Skill not found", "message": "Skill not found",
                     "code": "SKILL_NOT_FOUND"}


def test_the_v8_envelope_has_code_200_and_success():
    body = json.loads(V8_ENVELOPE.ok([1], requestId="r").body)
    assert body == {"code": 200, "message": "success", "success": True, "data": [1], "requestId": "r"}
    error = json.loads(V8_ENVELOPE.error(NotFound("Template not found", code="TEMPLATE_NOT_FOUND")).body)
    assert error == {"code": 404, "message": "Template not found", "success": False, "error": "Template not found",
                     "errorCode": "TEMPLATE_NOT_FOUND"}
