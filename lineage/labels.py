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


@lru_cache(maxsize=256)
def _slots(language: str | None) -> tuple[tuple[str, int], ...]:
    """(name slot, rank) of each slot a label with this language tag (any case, or None)
    may fill (often one)."""
    tag = (language or "").lower()
    return tuple((wanted, rank) for wanted in (ENGLISH, CHINESE)
                 if (rank := _rank(tag, wanted)) is not None)


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
        self._best: dict[str, dict[str, tuple[int, str]]] = {ENGLISH: {}, CHINESE: {}}

    def add(self, node: str, label) -> None:
        text = getattr(label, "lexical", None)  # a store's PlainLiteral, read directly
        if text is None:
            text = str(label)
        for wanted, rank in _slots(getattr(label, "language", None)):
            table = self._best[wanted]
            current = table.get(node)
            if current is None or (rank, text) < current:
                table[node] = (rank, text)

    def add_all(self, pairs: Iterable[tuple[str, object]], nodes=None) -> None:
        """Add (node, label) pairs, only those of `nodes` when given (a whole graph's labels
        come in one query, most of them for the nodes wanted)."""
        for node, label in pairs:
            if nodes is None or node in nodes:
                self.add(node, label)

    def english(self, node: str) -> str | None:
        best = self._best[ENGLISH].get(node)
        return best[1] if best else None

    def chinese(self, node: str) -> str | None:
        best = self._best[CHINESE].get(node)
        return best[1] if best else None

    def english_names(self) -> dict[str, str]:
        """Every node's English name."""
        return {node: text for node, (_, text) in self._best[ENGLISH].items()}

    def chinese_names(self) -> dict[str, str]:
        """Every node's Chinese name."""
        return {node: text for node, (_, text) in self._best[CHINESE].items()}


def english_and_chinese(labels: Iterable) -> tuple[str | None, str | None]:
    """The English and the Chinese label among one node's labels (either may be None)."""
    chooser = LabelChooser()
    for label in labels:
        chooser.add("", label)
    return chooser.english(""), chooser.chinese("")
