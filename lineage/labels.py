"""Which of a node's labels is its English name and which its Chinese one: one rule for
search, show, trace, diff and the views, so a node reads the same everywhere.

English is the label tagged `en`, else a regional `en-*` label, else an untagged one;
Chinese is the label tagged `zh`, else a `zh-*` one. Labels in other languages are neither.
Ties go to the alphabetically first text, so the answer never depends on query order.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

ENGLISH, CHINESE = "en", "zh"


def language_of(label) -> str:
    """The lower-cased language tag of a literal (rdflib Literal or PlainLiteral), or ''."""
    return (getattr(label, "language", None) or "").lower()


@lru_cache(maxsize=256)
def _ranks(language: str) -> tuple[tuple[str, int], ...]:
    """(name slot, rank) of each slot a label in this language may fill (often one)."""
    return tuple((wanted, rank) for wanted in (ENGLISH, CHINESE)
                 if (rank := _rank(language, wanted)) is not None)


def _rank(language: str, wanted: str) -> int | None:
    if language == wanted:
        return 0
    if language.startswith(wanted + "-"):
        return 1
    if language == "" and wanted == ENGLISH:
        return 2
    return None


class LabelChooser:
    """Collects labels node by node and keeps the best English and Chinese one of each."""

    def __init__(self) -> None:
        self._best: dict[tuple[str, str], tuple[int, str]] = {}

    def add(self, node: str, label) -> None:
        text = str(label)
        for wanted, rank in _ranks(language_of(label)):
            key = (node, wanted)
            best = self._best.get(key)
            if best is None or (rank, text) < best:
                self._best[key] = (rank, text)

    def english(self, node: str) -> str | None:
        best = self._best.get((node, ENGLISH))
        return best[1] if best else None

    def chinese(self, node: str) -> str | None:
        best = self._best.get((node, CHINESE))
        return best[1] if best else None


def english_and_chinese(labels: Iterable) -> tuple[str | None, str | None]:
    """The English and the Chinese label among one node's labels (either may be None)."""
    chooser = LabelChooser()
    for label in labels:
        chooser.add("", label)
    return chooser.english(""), chooser.chinese("")
