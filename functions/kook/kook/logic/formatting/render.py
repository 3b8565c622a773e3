"""A document as each target platform wants it, escaped, and split to the platform's limit.

- Discord: markdown `content`, at most 2000 characters. Markdown characters and line-start markers are
  backslash-escaped; `@everyone`/`@here` typed as text are broken with a zero-width space.
- Telegram: HTML (`parse_mode=HTML`), at most 4096 characters; `& < >` escaped (and `"` in attributes).
- Feishu: a `post` (rich text elements), at most 28 KB of JSON; no escaping needed, as every element is JSON
  text that Feishu never parses as markup.

KOOK's `@全体成员`/`@在线成员` become Discord's `@everyone`/`@here` (whether they ping is the webhook call's
`allowed_mentions`) and Feishu's `<at user_id="all">` only when the target allows it; user, role and channel
mentions are names, because KOOK ids mean nothing on the other side.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from itertools import groupby
from typing import Any, ClassVar

from kook.logic.formatting.document import (
    ALL,
    BOLD,
    CODE,
    CODE_BLOCK,
    DIVIDER,
    HERE,
    ITALIC,
    QUOTE,
    SPOILER,
    STRIKE,
    STYLE_ORDER,
    UNDERLINE,
    Block,
    Document,
    Run,
)
from kook.logic.formatting.split import split

DISCORD_LIMIT = 2000
TELEGRAM_LIMIT = 4096
FEISHU_LIMIT_BYTES = 28_000
ZERO_WIDTH_SPACE = "\u200b"


# ------------------------------------------------------------------------------------------------ shared walk

class _Markup:
    """How one platform writes inline text: subclasses give open/close markers, escaping, links and mentions."""

    opening: ClassVar[dict[str, str]] = {}
    closing: ClassVar[dict[str, str]] = {}

    def text(self, text: str, *, code: bool) -> str:
        raise NotImplementedError

    def link(self, body: str, url: str) -> str:
        raise NotImplementedError

    def mention(self, run: Run) -> str:
        return self.text(run.text, code=False)

    def inline(self, runs: list[Run]) -> str:
        """Runs with their styles as properly nested markers; link spans wrap their styled text."""
        out = []
        for url, segment in groupby(runs, key=lambda run: run.link):
            body = self._styled(list(segment))
            out.append(self.link(body, url) if url else body)
        return "".join(out)

    def _styled(self, runs: list[Run]) -> str:
        out: list[str] = []
        opened: list[str] = []
        for run in runs:
            wanted = {style for style in run.styles if style in self.opening}
            # Styles stay open while the runs keep them (markers nest like `*a **b** c*`); a style that ends
            # closes everything opened after it, which is reopened if still wanted.
            keep = 0
            while keep < len(opened) and opened[keep] in wanted:
                keep += 1
            out.extend(self.closing[style] for style in reversed(opened[keep:]))
            opened = opened[:keep]
            fresh = [style for style in STYLE_ORDER if style in wanted and style not in opened]
            out.extend(self.opening[style] for style in fresh)
            opened += fresh
            out.append(self.mention(run) if run.mention else self.text(run.text, code=CODE in run.styles))
        out.extend(self.closing[style] for style in reversed(opened))
        return "".join(out)


# ------------------------------------------------------------------------------------------------ Discord

_MARKDOWN_SPECIAL = re.compile(r"([\\*_~`|\[\]<])")
_LINE_START_MARKERS = re.compile(r"(^|\n)([#>-])", re.MULTILINE)
_LOUD_MENTIONS = re.compile(r"@(everyone|here)", re.IGNORECASE)


class _DiscordMarkup(_Markup):
    opening: ClassVar[dict[str, str]] = {BOLD: "**", ITALIC: "*", UNDERLINE: "__", STRIKE: "~~", SPOILER: "||",
                                         CODE: "`"}
    closing: ClassVar[dict[str, str]] = opening

    def text(self, text: str, *, code: bool) -> str:
        if code:
            return text.replace("`", "ˋ")  # a backtick would end the code span
        escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
        escaped = _LINE_START_MARKERS.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)
        return _LOUD_MENTIONS.sub(lambda m: f"@{ZERO_WIDTH_SPACE}{m.group(1)}", escaped)

    def link(self, body: str, url: str) -> str:
        return f"[{body}](<{url.replace('>', '%3E').replace(')', '%29')}>)"

    def mention(self, run: Run) -> str:
        if run.mention == ALL:
            return "@everyone"
        if run.mention == HERE:
            return "@here"
        return self.text(run.text, code=False)


def discord_text(text: str) -> str:
    """Plain text escaped for Discord markdown (notes the sender adds)."""
    return _DiscordMarkup().text(text, code=False)


def discord(document: Document) -> str:
    markup = _DiscordMarkup()
    parts = []
    for block, runs in document.grouped():
        parts.append(_block_markdown(block, runs, markup))
    return "\n".join(parts)


def _block_markdown(block: Block, runs: list[Run], markup: _DiscordMarkup) -> str:
    if block.kind == CODE_BLOCK:
        code = "".join(run.text for run in runs).replace("```", "``ˋ")
        return f"```{block.lang}\n{code}\n```"
    if block.kind == DIVIDER:
        return "".join(run.text for run in runs)
    body = markup.inline(runs)
    if block.kind == QUOTE:
        return "\n".join(f"> {line}" for line in body.split("\n"))
    return body


# ------------------------------------------------------------------------------------------------ Telegram

class _TelegramMarkup(_Markup):
    opening: ClassVar[dict[str, str]] = {BOLD: "<b>", ITALIC: "<i>", UNDERLINE: "<u>", STRIKE: "<s>",
                                         SPOILER: "<tg-spoiler>", CODE: "<code>"}
    closing: ClassVar[dict[str, str]] = {style: tag.replace("<", "</", 1) for style, tag in opening.items()}

    def text(self, text: str, *, code: bool) -> str:
        return html.escape(text, quote=False)

    def link(self, body: str, url: str) -> str:
        return f'<a href="{html.escape(url, quote=True)}">{body}</a>'


def telegram_text(text: str) -> str:
    """Plain text escaped for Telegram HTML (notes the sender adds)."""
    return html.escape(text, quote=False)


def telegram(document: Document) -> str:
    markup = _TelegramMarkup()
    parts = []
    for block, runs in document.grouped():
        if block.kind == CODE_BLOCK:
            code = html.escape("".join(run.text for run in runs), quote=False)
            language = f' class="language-{block.lang}"' if block.lang else ""
            parts.append(f"<pre><code{language}>{code}</code></pre>")
        elif block.kind == DIVIDER:
            parts.append("".join(run.text for run in runs))
        elif block.kind == QUOTE:
            parts.append(f"<blockquote>{markup.inline(runs)}</blockquote>")
        else:
            parts.append(markup.inline(runs))
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------ Feishu

_FEISHU_STYLES = {BOLD: "bold", ITALIC: "italic", UNDERLINE: "underline", STRIKE: "lineThrough"}


def feishu_post(document: Document, *, title: str, allow_everyone: bool) -> dict[str, Any]:
    """The `content` of a Feishu `post` message: {"zh_cn": {"title", "content": [[element, ...], ...]}}."""
    lines: list[list[dict[str, Any]]] = []
    for block, runs in document.grouped():
        if block.kind == CODE_BLOCK:
            lines.append([{"tag": "code_block", "language": (block.lang or "PLAIN_TEXT").upper(),
                           "text": "".join(run.text for run in runs)}])
            continue
        if block.kind == DIVIDER:
            lines.append([{"tag": "hr"}])
            continue
        prefix = [{"tag": "text", "text": "┃ "}] if block.kind == QUOTE else []
        line: list[dict[str, Any]] = list(prefix)
        for run in runs:
            if run.mention == ALL and allow_everyone:
                line.append({"tag": "at", "user_id": "all"})
                continue
            pieces = run.text.split("\n")
            for index, piece in enumerate(pieces):
                if index:
                    lines.append(line)
                    line = list(prefix)
                if piece:
                    line.append(_feishu_element(run, piece))
        lines.append(line)
    return {"zh_cn": {"title": title[:100], "content": [line for line in lines if line] or [[]]}}


def _feishu_element(run: Run, text: str) -> dict[str, Any]:
    if CODE in run.styles:
        text = f"`{text}`"
    if run.link:
        return {"tag": "a", "text": text, "href": run.link}
    styles = [name for style, name in _FEISHU_STYLES.items() if style in run.styles]
    element: dict[str, Any] = {"tag": "text", "text": text}
    if styles:
        element["style"] = styles
    return element


def feishu_size(content: dict[str, Any]) -> int:
    return len(json.dumps(content, ensure_ascii=False).encode("utf-8"))


# ------------------------------------------------------------------------------------------------ splitting

def discord_parts(document: Document) -> list[str]:
    return [discord(piece) for piece in split(document, lambda d: len(discord(d)), DISCORD_LIMIT)]


def telegram_parts(document: Document) -> list[str]:
    return [telegram(piece) for piece in split(document, lambda d: len(telegram(d)), TELEGRAM_LIMIT)]


def feishu_parts(document: Document, *, title: str, allow_everyone: bool) -> list[dict[str, Any]]:
    def render(piece: Document) -> dict[str, Any]:
        return feishu_post(piece, title=title, allow_everyone=allow_everyone)

    measure: Callable[[Document], int] = lambda piece: feishu_size(render(piece))  # noqa: E731
    return [render(piece) for piece in split(document, measure, FEISHU_LIMIT_BYTES)]
