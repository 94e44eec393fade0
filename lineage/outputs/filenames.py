"""Default file names for views and figures that say what they show."""

from __future__ import annotations

import re

from ..model import InstitutionRef


def slug(text: str, fallback: str) -> str:
    """An IRI's last segment (or a date) as a safe file-name part: ASCII letters, digits and
    hyphens; `fallback` when nothing of it is left."""
    last = re.split(r"[/#:]", text.rstrip("/#"))[-1]
    found = re.sub(r"[^a-z0-9]+", "-", last.lower()).strip("-")[:80].strip("-")
    return found or fallback


def shown_stem(lineage: InstitutionRef | None, focus: InstitutionRef | None, whole: str,
               prefix: str = "", as_of: str | None = None, diff_from: str | None = None,
               fallback: str = "view") -> str:
    """<prefix>lineage-<slug>, <prefix>neighbourhood-<slug>, or `whole` for everything,
    then -diff-<from>-<to> or -as-of-<date>."""
    if lineage is not None:
        stem = f"{prefix}lineage-{slug(lineage.iri, fallback)}"
    elif focus is not None:
        stem = f"{prefix}neighbourhood-{slug(focus.iri, fallback)}"
    else:
        stem = whole
    if diff_from and as_of:
        stem += f"-diff-{slug(diff_from, fallback)}-{slug(as_of, fallback)}"
    elif as_of:
        stem += f"-as-of-{slug(as_of, fallback)}"
    return stem
