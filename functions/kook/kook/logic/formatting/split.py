"""Cut a document that renders too long into pieces that each fit a platform's limit.

Cuts are tried at the strongest boundary that still gives a reasonably full piece: between blocks or paragraphs
first, then after a sentence (。！？.!? …) or a line break, then after a space, and only then anywhere (never
inside a mention). Each piece is a document of its own, so its markup is complete: a bold run cut in two is
bold in both pieces. The limit is measured on the rendered output (escaping and markup included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from kook.logic.formatting.document import Document, Run, merge_runs

Measure = Callable[[Document], int]

_SENTENCE_ENDS = set("。！？!?；;…")
_MIN_FILL = 0.5  # a cut at a weaker boundary is preferred to a piece less than half full


@dataclass(frozen=True)
class _Atom:
    run: int  # index of the run it comes from
    text: str  # one character, or a whole mention
    block: int


def split(document: Document, measure: Measure, limit: int) -> list[Document]:
    """The document itself when it fits, else the pieces, in order. Never returns an empty list."""
    if measure(document) <= limit:
        return [document]
    return _Splitter(document, measure, limit).pieces()


class _Splitter:
    def __init__(self, document: Document, measure: Measure, limit: int) -> None:
        self.document = document
        self.measure = measure
        self.limit = limit
        self.atoms = _atoms(document)
        self.tiers = _boundaries(self.atoms)

    def pieces(self) -> list[Document]:
        pieces: list[Document] = []
        start = _skip_blank(self.atoms, 0)
        while start < len(self.atoms):
            rest = self.slice(start, len(self.atoms))
            if self.measure(rest) <= self.limit:
                pieces.append(rest)
                break
            cut = self.best_cut(start)
            pieces.append(self.slice(start, cut))
            start = _skip_blank(self.atoms, cut)
        return [piece for piece in pieces if not piece.is_empty()] or [self.document]

    def fits(self, start: int, end: int) -> bool:
        return self.measure(self.slice(start, end)) <= self.limit

    def best_cut(self, start: int) -> int:
        best = None
        for positions in self.tiers:
            # Markup only adds characters, so a piece of more than `limit` atoms can never fit.
            fit = self.largest_fitting(start, [p for p in positions if start < p <= start + self.limit])
            if fit is None:
                continue
            if self.measure(self.slice(start, fit)) >= _MIN_FILL * self.limit:
                return fit
            if best is None or fit > best:
                best = fit
        return best if best is not None else start + 1  # one atom larger than the limit: send it anyway

    def largest_fitting(self, start: int, candidates: list[int]) -> int | None:
        low, high, found = 0, len(candidates) - 1, None
        while low <= high:
            middle = (low + high) // 2
            if self.fits(start, candidates[middle]):
                found = candidates[middle]
                low = middle + 1
            else:
                high = middle - 1
        return found

    def slice(self, start: int, end: int) -> Document:
        """The atoms [start, end) as a document with the same blocks; trailing whitespace dropped."""
        atoms = self.atoms
        while end > start and atoms[end - 1].text.isspace():
            end -= 1
        runs: list[Run] = []
        current: int | None = None
        buffer: list[str] = []
        for atom in atoms[start:end]:
            if atom.run != current and buffer and current is not None:
                runs.append(replace(self.document.runs[current], text="".join(buffer)))
                buffer = []
            current = atom.run
            buffer.append(atom.text)
        if buffer and current is not None:
            runs.append(replace(self.document.runs[current], text="".join(buffer)))
        return Document(blocks=self.document.blocks, runs=merge_runs(runs))


def _atoms(document: Document) -> list[_Atom]:
    atoms = []
    for index, run in enumerate(document.runs):
        if run.atomic:
            atoms.append(_Atom(index, run.text, run.block))
        else:
            atoms.extend(_Atom(index, char, run.block) for char in run.text)
    return atoms


def _boundaries(atoms: list[_Atom]) -> list[list[int]]:
    """Cut positions (a cut at p ends a piece before atom p) by strength: paragraph, sentence, word, any."""
    tiers: list[list[int]] = [[], [], [], []]
    for position in range(1, len(atoms)):
        before, after = atoms[position - 1], atoms[position]
        blank_line = position >= 2 and before.text == "\n" and atoms[position - 2].text == "\n"
        if before.block != after.block or blank_line:
            tiers[0].append(position)
        elif before.text == "\n" or before.text in _SENTENCE_ENDS or (before.text == "." and after.text.isspace()):
            tiers[1].append(position)
        elif before.text.isspace():
            tiers[2].append(position)
        else:
            tiers[3].append(position)
    return tiers


def _skip_blank(atoms: list[_Atom], position: int) -> int:
    while position < len(atoms) and atoms[position].text in ("\n", " "):
        position += 1
    return position
