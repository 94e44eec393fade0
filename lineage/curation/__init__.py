"""Curation tools: reconcile lists with the graph, link to registries, audit facts.

Each tool writes a file for a curator to review; only what the curator accepts enters the
store, through `lineage import` (review files) or `lineage audit --record` (audit sheets).
"""

from __future__ import annotations

import csv
import io


def _header(data: bytes) -> list[str]:
    text = data[:65536].decode("utf-8-sig", errors="replace")
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []


def reader_for(data: bytes):
    """review.review_quads or audit.audit_quads when the CSV's header is theirs, else None."""
    header = _header(data)
    from .review import is_review_header

    if is_review_header(header):
        from .review import review_quads

        return review_quads
    from .audit import is_audit_header

    if is_audit_header(header):
        from .audit import audit_quads

        return audit_quads
    return None
