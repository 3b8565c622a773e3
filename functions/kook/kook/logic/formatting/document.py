"""The platform-neutral message model every renderer reads.

A document is a list of blocks (text, quote, code, divider) and a flat list of runs. A run is a piece of text
with its inline styles, an optional link target, an optional mention kind, and the index of the block it belongs
to. Flat runs make splitting simple: a document is cut at a character offset, and each piece keeps the styles
and blocks of its runs, so every piece renders as valid markup on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

BOLD, ITALIC, STRIKE, UNDERLINE, SPOILER, CODE = "bold", "italic", "strike", "underline", "spoiler", "code"
STYLE_ORDER = (BOLD, ITALIC, UNDERLINE, STRIKE, SPOILER, CODE)  # the nesting order renderers open styles in

TEXT, QUOTE, CODE_BLOCK, DIVIDER = "text", "quote", "code", "divider"
DIVIDER_TEXT = "──────────"

# Mention kinds. `all` and `here` reach many people: renderers decide whether they may ping.
USER, ROLE, CHANNEL, ALL, HERE = "user", "role", "channel", "all", "here"


@dataclass(frozen=True)
class Block:
    kind: str = TEXT
    lang: str = ""  # code blocks only


@dataclass(frozen=True)
class Run:
    text: str
    styles: frozenset[str] = frozenset()
    link: str | None = None
    mention: str | None = None  # a mention is atomic: never split, rendered by the platform
    block: int = 0

    @property
    def atomic(self) -> bool:
        return self.mention is not None


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)

    # --- building --------------------------------------------------------------------------------------------
    def add_block(self, kind: str, runs: Iterable[Run], *, lang: str = "") -> None:
        """Append a block with its runs (their `block` index is set here). Empty blocks are dropped."""
        kept = [run for run in runs if run.text]
        if not kept:
            return
        index = len(self.blocks)
        self.blocks.append(Block(kind, lang))
        self.runs.extend(replace(run, block=index) for run in kept)

    def extend(self, other: Document, *, kind: str | None = None) -> None:
        """Append another document's blocks (optionally all re-typed, e.g. as a quote)."""
        for index, block in enumerate(other.blocks):
            runs = [run for run in other.runs if run.block == index]
            self.add_block(kind or block.kind, runs, lang=block.lang)

    # --- reading ---------------------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The visible text, blocks separated by a line break (what splitting offsets count in)."""
        return "".join(self._pieces())

    def _pieces(self) -> list[str]:
        pieces: list[str] = []
        previous = None
        for run in self.runs:
            if previous is not None and run.block != previous:
                pieces.append("\n")
            pieces.append(run.text)
            previous = run.block
        return pieces

    def plain(self) -> str:
        """Readable plain text (logs, keyword filters, previews)."""
        lines = []
        for index, block in enumerate(self.blocks):
            body = "".join(run.text for run in self.runs if run.block == index)
            if block.kind == QUOTE:
                body = "\n".join(f"> {line}" for line in body.split("\n"))
            lines.append(body)
        return "\n".join(lines).strip()

    def is_empty(self) -> bool:
        return not any(run.text.strip() for run in self.runs)

    def grouped(self) -> list[tuple[Block, list[Run]]]:
        """Consecutive runs of the same block, with that block, in order."""
        groups: list[tuple[Block, list[Run]]] = []
        for run in self.runs:
            if groups and groups[-1][1][-1].block == run.block:
                groups[-1][1].append(run)
            else:
                groups.append((self.blocks[run.block], [run]))
        return groups

    def mentions(self, kind: str) -> bool:
        return any(run.mention == kind for run in self.runs)


def merge_runs(runs: list[Run]) -> list[Run]:
    """Join neighbours that look the same (same styles, link and block; no mentions), so markup stays small."""
    merged: list[Run] = []
    for run in runs:
        last = merged[-1] if merged else None
        if (last is not None and not last.atomic and not run.atomic and last.styles == run.styles
                and last.link == run.link and last.block == run.block):
            merged[-1] = replace(last, text=last.text + run.text)
        else:
            merged.append(run)
    return merged
