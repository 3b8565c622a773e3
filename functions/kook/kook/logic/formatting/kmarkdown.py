"""KMarkdown (https://developer.kookapp.cn/doc/kmarkdown) into a `Document`.

Blocks: ```` ```lang ```` code fences, `---` dividers, and `> ` quotes, which in KMarkdown run until a blank line
(the blank line itself is not shown). Inline: `**bold**`, `*italic*`, `***both***`, `~~strike~~`,
`(ins)underline(ins)`, `(spl)spoiler(spl)`, `` `code` ``, `[text](http(s) url)`, `\\` escapes, and KOOK's tags
`(met)user id|all|here(met)`, `(rol)role id(rol)`, `(chn)channel id(chn)`, `(emj)name(emj)[id]`. Mentions are
resolved to names from the message's `mention_part`/`mention_role_part` (`Names`). Anything that does not close
is kept as literal text, as KOOK's own client shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kook.logic.formatting.document import (
    ALL,
    BOLD,
    CHANNEL,
    CODE,
    CODE_BLOCK,
    DIVIDER,
    DIVIDER_TEXT,
    HERE,
    ITALIC,
    QUOTE,
    ROLE,
    SPOILER,
    STRIKE,
    TEXT,
    UNDERLINE,
    USER,
    Document,
    Run,
    merge_runs,
)

ALL_TEXT, HERE_TEXT = "@全体成员", "@在线成员"

_TAG = re.compile(r"\((met|rol|chn)\)([^()\n]{1,64}?)\(\1\)")
_SERVER_EMOJI = re.compile(r"\(emj\)([^()\n]{1,64}?)\(emj\)\[[^\]\n]{0,128}\]")
_LINK = re.compile(r"\[([^\]\n]{0,500})\]\((https?://[^)\s]{1,2000})\)")
_BACKTICKS = re.compile(r"`+")
_WRAPPERS = {"(ins)": UNDERLINE, "(spl)": SPOILER}
_EMPHASIS = (("***", frozenset({BOLD, ITALIC})), ("**", frozenset({BOLD})), ("~~", frozenset({STRIKE})),
             ("*", frozenset({ITALIC})))
_MAX_DEPTH = 8  # nesting beyond this is shown literally (and keeps hostile input from recursing deeply)


@dataclass
class Names:
    """Display names for mentions, from the message itself (KOOK sends them along)."""

    users: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)


def parse(content: str, *, names: Names | None = None, plain: bool = False) -> Document:
    """A KMarkdown text as a document. `plain` (KOOK type 1 text): only KOOK's tags are read, no markdown."""
    names = names or Names()
    document = Document()
    if plain:
        document.add_block(TEXT, _inline(content, names, plain=True))
        return document
    lines = content.replace("\r\n", "\n").split("\n")
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            document.add_block(TEXT, _inline("\n".join(paragraph), names))
            paragraph.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith("```") and not _closes_on_same_line(stripped):
            flush()
            lang = re.sub(r"[^A-Za-z0-9_+#.-]", "", stripped[3:])[:20]
            body: list[str] = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith("```"):
                body.append(lines[index])
                index += 1
            index += 1  # the closing fence (or the end of the text)
            document.add_block(CODE_BLOCK, [Run("\n".join(body))], lang=lang)
            continue
        if stripped in ("---", "***", "___"):
            flush()
            document.add_block(DIVIDER, [Run(DIVIDER_TEXT)])
            index += 1
            continue
        if line.startswith(">"):
            flush()
            quoted = [line[1:].removeprefix(" ")]
            index += 1
            while index < len(lines) and lines[index].strip():
                following = lines[index]
                quoted.append(following[1:].removeprefix(" ") if following.startswith(">") else following)
                index += 1
            index += 1  # the blank line that ends a quote is not shown
            document.add_block(QUOTE, _inline("\n".join(quoted), names))
            continue
        paragraph.append(line)
        index += 1
    flush()
    return document


def _closes_on_same_line(line: str) -> bool:
    """```code``` on one line is inline code, not a fence."""
    return len(line) > 6 and line.endswith("```")


def mention_run(kind: str, identifier: str, names: Names, styles: frozenset[str] = frozenset(),
                link: str | None = None) -> Run:
    if kind == ALL:
        return Run(ALL_TEXT, styles, link, ALL)
    if kind == HERE:
        return Run(HERE_TEXT, styles, link, HERE)
    if kind == ROLE:
        return Run(f"@{names.roles.get(identifier) or identifier}", styles, link, ROLE)
    if kind == CHANNEL:
        return Run(f"#{names.channels.get(identifier) or identifier}", styles, link, CHANNEL)
    return Run(f"@{names.users.get(identifier) or identifier}", styles, link, USER)


_TAG_KINDS = {"rol": ROLE, "chn": CHANNEL}
_MET_KINDS = {"all": ALL, "here": HERE}


def _tag_run(match: re.Match[str], names: Names, span: _Span) -> Run:
    tag, value = match.group(1), match.group(2).strip()
    kind = _MET_KINDS.get(value, USER) if tag == "met" else _TAG_KINDS[tag]
    return mention_run(kind, value, names, span.styles, span.link)


def _inline(text: str, names: Names, *, plain: bool = False) -> list[Run]:
    parser = _Inline(names, plain)
    parser.parse(text, _Span(frozenset(), None, 0))
    return merge_runs(parser.out)


@dataclass(frozen=True)
class _Span:
    """The styles and link in force at a point of the text, and how deep the nesting is."""

    styles: frozenset[str]
    link: str | None
    depth: int

    def inner(self, styles: frozenset[str] = frozenset(), link: str | None = None) -> _Span:
        return _Span(self.styles | styles, link or self.link, self.depth + 1)


class _Inline:
    """One pass over a paragraph's text. Each construct has a handler that returns how many characters it used
    (0: nothing starts here, the character is literal); styles nest by parsing the enclosed text again."""

    def __init__(self, names: Names, plain: bool) -> None:
        self.names = names
        self.out: list[Run] = []
        self.handlers = {"(": self._tag}
        if not plain:  # type 1 text: only KOOK's tags, no markdown
            self.handlers.update({"\\": self._escape, "`": self._code, "[": self._link, "*": self._emphasis,
                                  "~": self._emphasis})
        self.plain = plain

    def parse(self, text: str, span: _Span) -> None:
        index = 0
        while index < len(text):
            handler = self.handlers.get(text[index])
            consumed = handler(text, index, span) if handler else 0
            if consumed:
                index += consumed
            else:
                self.out.append(Run(text[index], span.styles, span.link))  # neighbours are merged later
                index += 1

    def _tag(self, text: str, index: int, span: _Span) -> int:
        match = _TAG.match(text, index)
        if match:
            self.out.append(_tag_run(match, self.names, span))
            return match.end() - index
        match = _SERVER_EMOJI.match(text, index)
        if match:
            self.out.append(Run(f":{match.group(1).strip()}:", span.styles, span.link))
            return match.end() - index
        if self.plain or span.depth >= _MAX_DEPTH:
            return 0
        for opener, style in _WRAPPERS.items():
            end = text.find(opener, index + len(opener)) if text.startswith(opener, index) else -1
            if end > index + len(opener):
                self.parse(text[index + len(opener):end], span.inner(frozenset({style})))
                return end + len(opener) - index
        return 0

    def _escape(self, text: str, index: int, span: _Span) -> int:
        if index + 1 >= len(text):
            return 0
        self.out.append(Run(text[index + 1], span.styles, span.link))
        return 2

    def _code(self, text: str, index: int, span: _Span) -> int:
        """`code`, or ``code with ` inside`` / ```code``` on one line: the same number of backticks closes."""
        fence = _BACKTICKS.match(text, index).group(0)
        end = text.find(fence, index + len(fence))
        if end <= index + len(fence):
            return 0
        self.out.append(Run(text[index + len(fence):end], span.styles | {CODE}, span.link))
        return end + len(fence) - index

    def _link(self, text: str, index: int, span: _Span) -> int:
        match = _LINK.match(text, index)
        if not match or span.link is not None or span.depth >= _MAX_DEPTH:
            return 0
        self.parse(match.group(1) or match.group(2), span.inner(link=match.group(2)))
        return match.end() - index

    def _emphasis(self, text: str, index: int, span: _Span) -> int:
        if span.depth >= _MAX_DEPTH:
            return 0
        for delimiter, added in _EMPHASIS:
            if text.startswith(delimiter, index):
                end = _closing(text, index + len(delimiter), delimiter)
                if end == -1:
                    return 0
                self.parse(text[index + len(delimiter):end], span.inner(added))
                return end + len(delimiter) - index
        return 0


def _closing(text: str, start: int, delimiter: str) -> int:
    """Where `delimiter` closes emphasis opened just before `start`, or -1. Like markdown, the opener must not be
    followed by whitespace nor the closer preceded by it; a single `*` never matches part of `**`."""
    if start >= len(text) or text[start].isspace():
        return -1
    position = start + 1
    while True:
        position = text.find(delimiter, position)
        if position == -1:
            return -1
        single_star = delimiter == "*"
        part_of_longer = single_star and (text[position - 1] == "*" or text[position + 1:position + 2] == "*")
        if not part_of_longer and not text[position - 1].isspace():
            return position
        position += 1
