"""KMarkdown parsed once, rendered per platform with its escaping, and split to each platform's limit."""

import html.parser
import re

import pytest

from kook.logic.formatting import kmarkdown, render
from kook.logic.formatting.document import ALL, BOLD, CODE, ITALIC, SPOILER, STRIKE, UNDERLINE, USER
from kook.logic.formatting.kmarkdown import Names
from kook.logic.formatting.split import split

NAMES = Names(users={"42": "张三"}, roles={"7": "管理员"}, channels={"9": "公告"})


def runs_of(text, **kwargs):
    return [(run.text, set(run.styles), run.link, run.mention) for run in kmarkdown.parse(text, **kwargs).runs]


# ------------------------------------------------------------------------------------------------ parsing

def test_inline_styles_nest_and_unclosed_markers_stay_literal():
    assert runs_of("**b** *i* ***bi*** ~~s~~ (ins)u(ins) (spl)x(spl) `c`") == [
        ("b", {BOLD}, None, None), (" ", set(), None, None), ("i", {ITALIC}, None, None), (" ", set(), None, None),
        ("bi", {BOLD, ITALIC}, None, None), (" ", set(), None, None), ("s", {STRIKE}, None, None),
        (" ", set(), None, None), ("u", {UNDERLINE}, None, None), (" ", set(), None, None),
        ("x", {SPOILER}, None, None), (" ", set(), None, None), ("c", {CODE}, None, None)]
    assert runs_of("*a **b** c*") == [("a ", {ITALIC}, None, None), ("b", {BOLD, ITALIC}, None, None),
                                      (" c", {ITALIC}, None, None)]
    assert runs_of("2 * 3 * 4 and **open") == [("2 * 3 * 4 and **open", set(), None, None)]
    assert runs_of(r"\*not italic\* \(met)42(met)") == [("*not italic* (met)42(met)", set(), None, None)]


def test_kook_tags_become_named_mentions():
    found = runs_of("(met)42(met)(met)all(met)(met)here(met)(rol)7(rol)(chn)9(chn)(met)99(met)(emj)笑(emj)[1/abc]",
                    names=NAMES)
    assert [(text, mention) for text, _s, _l, mention in found] == [
        ("@张三", USER), ("@全体成员", ALL), ("@在线成员", "here"), ("@管理员", "role"), ("#公告", "channel"),
        ("@99", USER), (":笑:", None)]


def test_links_only_http_and_their_text_keeps_styles():
    assert runs_of("[**KOOK**](https://kookapp.cn) [x](javascript:alert(1))") == [
        ("KOOK", {BOLD}, "https://kookapp.cn", None), (" [x](javascript:alert(1))", set(), None, None)]


def test_blocks_quote_until_blank_line_code_fence_and_divider():
    doc = kmarkdown.parse("a\n> q1\nq2\n\nb\n---\n```py\nx = '**'\n```\n```inline```")
    kinds = [(block.kind, "".join(r.text for r in doc.runs if r.block == index))
             for index, block in enumerate(doc.blocks)]
    assert kinds == [("text", "a"), ("quote", "q1\nq2"), ("text", "b"), ("divider", "──────────"),
                     ("code", "x = '**'"), ("text", "inline")]
    assert doc.blocks[4].lang == "py"


def test_plain_text_reads_only_kook_tags():
    assert runs_of("*x* (met)42(met)", names=NAMES, plain=True) == [("*x* ", set(), None, None),
                                                                      ("@张三", set(), None, USER)]


def test_hostile_nesting_does_not_recurse_without_bound():
    doc = kmarkdown.parse("**" * 2000 + "x" + "**" * 2000)
    assert "x" in doc.plain()


# ------------------------------------------------------------------------------------------------ rendering

def test_discord_escapes_markdown_and_neutralises_typed_everyone():
    doc = kmarkdown.parse(r"\*x\* _y_ |z| [a] <@1> @everyone", plain=False)
    assert render.discord(doc) == r"\*x\* \_y\_ \|z\| \[a\] \<@1> @" + "\u200b" + "everyone"
    assert render.discord(kmarkdown.parse("# title\n- item\n> not a quote", plain=True)) == (
        "\\# title\n\\- item\n\\> not a quote")


def test_discord_mentions_and_styles():
    doc = kmarkdown.parse("(met)all(met) (met)here(met) (met)42(met) **b *bi* b** [t](https://e.com/a>b)",
                          names=NAMES)
    assert render.discord(doc) == "@everyone @here @张三 **b *bi* b** [t](<https://e.com/a%3Eb>)"


class _Balanced(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag


def assert_balanced(markup):
    parser = _Balanced()
    parser.feed(markup)
    parser.close()
    assert parser.stack == []


def test_telegram_html_escapes_and_nests_tags_properly():
    doc = kmarkdown.parse('*a **b <&> c** d* [x"y](https://e.com/?a=1&b="2") `1<2`\n> q & a\n\n```\n<tag>\n```')
    markup = render.telegram(doc)
    assert markup == ('<i>a <b>b &lt;&amp;&gt; c</b> d</i> <a href="https://e.com/?a=1&amp;b=&quot;2&quot;">x"y</a> '
                      "<code>1&lt;2</code>\n<blockquote>q &amp; a</blockquote>\n<pre><code>&lt;tag&gt;</code></pre>")
    assert_balanced(markup)


def test_feishu_post_elements_and_at_all_only_when_allowed():
    doc = kmarkdown.parse("**b** [l](https://e.com) (met)all(met)\nline2 ~~s~~")
    allowed = render.feishu_post(doc, title="张三 · #公告", allow_everyone=True)
    assert allowed == {"zh_cn": {"title": "张三 · #公告", "content": [
        [{"tag": "text", "text": "b", "style": ["bold"]}, {"tag": "text", "text": " "},
         {"tag": "a", "text": "l", "href": "https://e.com"}, {"tag": "text", "text": " "},
         {"tag": "at", "user_id": "all"}],
        [{"tag": "text", "text": "line2 "}, {"tag": "text", "text": "s", "style": ["lineThrough"]}]]}}
    quiet = render.feishu_post(doc, title="", allow_everyone=False)
    assert {"tag": "text", "text": "@全体成员"} in quiet["zh_cn"]["content"][0]


# ------------------------------------------------------------------------------------------------ splitting

LONG = ("第一段。" * 200 + "\n\n" + "Second paragraph. " * 150 + "\n\n" + "<b>&</b> " * 600)


@pytest.mark.parametrize(("parts", "limit", "measure"), [
    (render.discord_parts, render.DISCORD_LIMIT, len),
    (render.telegram_parts, render.TELEGRAM_LIMIT, len),
])
def test_long_text_splits_under_the_limit_and_loses_nothing(parts, limit, measure):
    doc = kmarkdown.parse(LONG)
    pieces = parts(doc)
    assert len(pieces) > 1
    assert all(measure(piece) <= limit for piece in pieces)
    visible = re.sub(r"\s+", "", "".join(pieces))
    for fragment in ("第一段。", "Secondparagraph.", "&lt;b&gt;" if parts is render.telegram_parts else "\\<b>"):
        assert fragment in visible
    if parts is render.telegram_parts:
        for piece in pieces:
            assert_balanced(piece)
    assert visible.count("第一段") == 200


def test_feishu_parts_fit_the_request_size():
    pieces = render.feishu_parts(kmarkdown.parse("汉字" * 20000), title="t", allow_everyone=False)
    assert len(pieces) > 1
    assert all(render.feishu_size(piece) <= render.FEISHU_LIMIT_BYTES for piece in pieces)


def test_split_prefers_paragraphs_then_sentences_then_words():
    doc = kmarkdown.parse("aaaa bbbb.\n\ncccc dddd. eeee")
    pieces = split(doc, lambda d: len(d.text), 12)
    assert [p.text for p in pieces] == ["aaaa bbbb.", "cccc dddd.", "eeee"]
    words = split(kmarkdown.parse("one two three four"), lambda d: len(d.text), 9)
    assert [p.text for p in words] == ["one two", "three", "four"]
    hard = split(kmarkdown.parse("x" * 25), lambda d: len(d.text), 10)
    assert [p.text for p in hard] == ["x" * 10, "x" * 10, "x" * 5]


def test_split_keeps_styles_on_both_sides_and_never_cuts_a_mention():
    doc = kmarkdown.parse("**" + "粗" * 30 + "**" + " (met)42(met)", names=NAMES)
    pieces = split(doc, lambda d: len(render.telegram(d)), 30)
    assert len(pieces) == 2  # 30 bold characters and their tags do not fit in one 30-character piece
    assert all(render.telegram(p).startswith("<b>") for p in pieces[:-1])
    assert any("@张三" in render.telegram(p) for p in pieces)
    assert all(len(render.telegram(p)) <= 30 for p in pieces)


def test_a_short_message_is_one_piece():
    assert render.discord_parts(kmarkdown.parse("hi")) == ["hi"]
    assert render.telegram_parts(kmarkdown.parse("hi")) == ["hi"]
    assert render.feishu_parts(kmarkdown.parse("hi"), title="", allow_everyone=False) == [
        {"zh_cn": {"title": "", "content": [[{"tag": "text", "text": "hi"}]]}}]
