"""Match keys for institution names: the same name written another way gets the same key.

Three levels, strictest first: the name as written; the name up to width, case, script
(traditional/simplified, through OpenCC) and punctuation; and the programme and field a
programme name is built from ("国家小麦工程技术研究中心" and "小麦国家工程技术研究中心" are both
NETRC + 小麦). Programme designators are kept apart, so a manufacturing innovation centre (制造业
创新中心) never gets the key of a technology innovation centre (技术创新中心): look-alikes of
different programmes cannot match on their field alone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_WORD_OR_LINE = re.compile(r"[^\w\n]+")  # and "_", removed apart: faster than one pattern
_STOP_WORDS = frozenset({"of", "for", "on", "the", "and", "in", "at", "&"})

#: (class local name, Chinese designator, English designator): more specific designators first.
PROGRAMMES = (
    ("NationalEngineeringTechnologyResearchCenter", "工程技术研究中心", "engineering technology research center"),
    ("NationalEngineeringResearchCenter", "工程研究中心", "engineering research center"),
    ("NationalEngineeringLaboratory", "工程实验室", "engineering laboratory"),
    ("NationalManufacturingInnovationCenter", "制造业创新中心", "manufacturing innovation center"),
    ("NationalIndustrialInnovationCenter", "产业创新中心", "industrial innovation center"),
    ("NationalTechnologyInnovationCenter", "技术创新中心", "technology innovation center"),
)
_WORD = re.compile(r"[^\W_]+")
#: English spellings folded to one ("and" is a stop word, so "engineering and technology" folds too).
_EN_WORDS = {"centre": "center", "centres": "center", "centers": "center", "laboratories": "laboratory",
             "lab": "laboratory", "labs": "laboratory", "technologies": "technology"}


@lru_cache(maxsize=1)
def _converter():
    """OpenCC traditional-to-simplified, or None where OpenCC cannot load."""
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # without OpenCC only width, case and punctuation are folded
        return None


def simplified(text: str) -> str:
    """Traditional characters as simplified ones (unchanged when OpenCC is missing)."""
    converter = _converter()
    return converter.convert(text) if converter and _CJK.search(text) else text


def folded(text: str) -> str:
    """NFKC (full-width to half-width), case-folded, simplified script, spaces collapsed."""
    return simplified(" ".join(unicodedata.normalize("NFKC", text).casefold().split()))


def name_key(text: str) -> str:
    """The key under which width, case, script and punctuation variants of a name coincide."""
    return _NOT_WORD.sub("", folded(text).replace("centre", "center"))


def programme_key(text: str) -> tuple[str, str] | None:
    """(programme class local name, field key) for a national programme's name, else None."""
    name = folded(text)
    if _CJK.search(name):
        return _chinese_programme(_NOT_WORD.sub("", name))
    return _english_programme(name)


def programme_of(text: str) -> str | None:
    """The programme class (local name) a name's designator names, if it names one."""
    key = programme_key(text)
    return key[0] if key else None


def _chinese_programme(name: str) -> tuple[str, str] | None:
    if "国家" not in name:
        return None
    for cls, designator, _ in PROGRAMMES:
        if name.endswith(designator):
            core = name[:-len(designator)].replace("国家", "", 1)
            return (cls, core) if core else None
    return None


def _english_programme(name: str) -> tuple[str, str] | None:
    words = [_EN_WORDS.get(w, w) for w in _WORD.findall(name) if w not in _STOP_WORDS]
    if "national" not in words:
        return None
    joined = " ".join(words)
    for cls, _, designator in PROGRAMMES:
        if designator in joined:
            rest = joined.replace(designator, " ", 1).split()
            rest.remove("national")
            return (cls, " ".join(sorted(rest))) if rest else None
    return None


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))



def _nfkc_joined(lines: list[str]) -> str:
    """The lines NFKC-normalised and joined by newlines. ASCII lines are NFKC already, and
    skipping them halves the work on a graph of English and Chinese names."""
    wide = [i for i, line in enumerate(lines) if not line.isascii()]
    done = unicodedata.normalize("NFKC", "\n".join(lines[i] for i in wide)).split("\n")
    if len(done) != len(wide):  # a character folded into a line break: the caller sees it
        return unicodedata.normalize("NFKC", "\n".join(lines))
    lines = list(lines)
    for i, line in zip(wide, done):
        lines[i] = line
    return "\n".join(lines)


def keys_of(names: list[str]) -> list[tuple[str, tuple[str, str] | None]]:
    """(name_key, programme_key) of many names at once: width, case, script and punctuation
    are folded in one pass over all of them (per name, OpenCC and NFKC cost 30 times more)."""
    text = _nfkc_joined([" ".join(n.split()) for n in names]).casefold()
    converter = _converter()
    if converter and _CJK.search(text):
        text = converter.convert(text)
    text = text.replace("centre", "center")
    lines = text.split("\n")
    plain = _NOT_WORD_OR_LINE.sub("", text).replace("_", "").split("\n")
    if len(lines) != len(names) or len(plain) != len(names):  # a character folded into a line break
        return [(name_key(n), programme_key(n)) for n in names]
    found = []
    for line, key in zip(lines, plain):
        programme = None
        if "国家" in key:
            programme = _chinese_programme(key)
        elif "national" in key and ("center" in key or "lab" in key):
            programme = _english_programme(line)
        found.append((key, programme))
    return found
