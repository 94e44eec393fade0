"""Compact, bilingual HTML tables for notebooks (the `_repr_html_` of results), and a page
shown inline through an `<iframe srcdoc>`.

Every label and value is HTML-escaped here, once; objects are read by attribute, so this
module imports nothing above the foundation layer (docs/architecture.md).
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .vocabulary import label_of

_STYLE = ("border-collapse:collapse;font-size:0.9em;text-align:left",
          "padding:2px 8px;border-bottom:1px solid #ddd;vertical-align:top;text-align:left")
#: Rows shown before a table says how many more there are.
MAX_ROWS = 200


def esc(value) -> str:
    """Text as HTML text (quotes too): labels can hold anything, markup included."""
    return html.escape("" if value is None else str(value), quote=True)


def name_cell(ref) -> str:
    """An institution as English name over Chinese name, with its IRI as a tooltip."""
    if ref is None:
        return ""
    english, chinese = getattr(ref, "label_en", None), getattr(ref, "label_zh", None)
    first = english or chinese or getattr(ref, "iri", "")
    second = f'<br><span lang="zh">{esc(chinese)}</span>' if english and chinese else ""
    return f'<span title="{esc(getattr(ref, "iri", ""))}">{esc(first)}</span>{second}'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "",
          total: int | None = None) -> str:
    """An HTML table; `rows` hold cells that are already HTML (see esc and name_cell)."""
    rows = list(rows)
    shown = rows[:MAX_ROWS]
    head = "".join(f'<th style="{_STYLE[1]}">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="{_STYLE[1]}">{c}</td>' for c in row) + "</tr>"
                   for row in shown)
    count = len(rows) if total is None else total
    more = (f"<p><i>{count - len(shown)} more rows not shown</i></p>"
            if count > len(shown) else "")
    title = f"<caption style=\"text-align:left\"><b>{esc(caption)}</b></caption>" if caption else ""
    return (f'<table class="lineage" style="{_STYLE[0]}">{title}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{more}")


def _sources(sources) -> str:
    """Sources as short citations, one per line, linked where they have a URL."""
    parts = []
    for source in sources or ():
        text = esc(source.citation() if hasattr(source, "citation") else source)
        url = getattr(source, "url", None)
        if url and str(url).startswith(("http://", "https://")):
            text = f'<a href="{esc(url)}" target="_blank" rel="noopener">{text}</a>'
        parts.append(text)
    return "<br>".join(parts)


def _short(term) -> str:
    """A status, role or event kind by its English label, else its local name (escaped)."""
    if not term:
        return ""
    return esc(label_of(str(term)) or str(term).split(":", 1)[-1])


def trace_html(trace) -> str:
    """A trace as one row per hop: depth, from, event, date, status, to, sources."""
    refs = trace.institutions
    rows = []
    for hop in trace.hops:
        event = hop.event
        parent, child = refs.get(hop.parent), refs.get(hop.child) if hop.child else None
        if hop.direction == "up":
            parent, child = child, parent
        note = " (repeat)" if hop.repeat else (" (cycle)" if hop.cycle else "")
        rows.append([esc(hop.direction) + f" {hop.depth}", name_cell(parent),
                     _short(event.event_type) + esc(note), esc(event.date),
                     _short(event.status) + (" <i>pending</i>" if event.pending else ""),
                     name_cell(child), _sources(event.sources)])
    caption = f"Trace of {trace.root.both_labels()} ({trace.direction})"
    if not rows:
        return table(["trace"], [["no lineage hops"]], caption)
    return table(["hop", "from", "event", "date", "status", "to", "sources"], rows, caption)


def detail_html(detail) -> str:
    """One institution: names and dates, then its memberships and events, each with sources."""
    ref = detail.institution
    facts = [["name", name_cell(ref)], ["IRI", esc(ref.iri)],
             ["type", esc(", ".join(_short(t) for t in ref.types))]]
    if detail.alt_labels:
        facts.append(["also called", esc("; ".join(detail.alt_labels))])
    if detail.established:
        facts.append(["established", esc(", ".join(map(str, detail.established)))])
    parts = [table(["", ""], facts, ref.both_labels())]
    if detail.memberships:
        parts.append(table(["relation", "institution", "from", "until", "sources"], [
            [esc(_role(m)), name_cell(m.other), esc(m.start), esc(m.end), _sources(m.sources)]
            for m in detail.memberships], "Units and members"))
    if detail.events:
        parts.append(table(["event", "date", "status", "from", "to", "sources"], [
            [_short(e.event_type), esc(e.date), _short(e.status),
             "<br>".join(name_cell(o) for o in e.originals),
             "<br>".join(name_cell(r) for r in e.results), _sources(e.sources)]
            for e in detail.events], "Events"))
    return "".join(parts)


def _role(membership) -> str:
    """A role read from the institution's side: its 'supporting unit' is the other, or it
    'is supporting unit of' the other."""
    role = str(membership.role)
    words = label_of(role) or role.split(":", 1)[-1]
    return words if membership.direction == "unit" else f"is {words} of"


def hits_html(hits) -> str:
    """Search hits: name (English and Chinese), type, the label that matched."""
    rows = [[name_cell(h.institution), esc(", ".join(_short(t) for t in h.institution.types)),
             esc(h.matched)] for h in hits]
    return table(["institution", "type", "matched"], rows, f"{len(rows)} match(es)")


def result_html(result, cells: list[list[str]]) -> str:
    """A query result: its variables over rows of cells that are already HTML."""
    if result.kind == "ASK":
        return f"<p><b>{'true' if result.boolean else 'false'}</b></p>"
    note = " (truncated at the row limit)" if result.truncated else ""
    total = len(result.rows)
    return table(result.variables, cells, f"{total} row(s){note}", total=total)


def diff_html(diff) -> str:
    """A diff: institutions that appeared and ended, events, memberships and counts."""
    around = f" around {diff.focus.both_labels()}" if diff.focus else ""
    parts = [f"<p><b>{esc(f'What changed from {diff.from_date} to {diff.to_date}{around}')}</b></p>"]
    for caption, changes in (("Appeared", diff.appeared), ("Ended", diff.ended)):
        if changes:
            parts.append(table(["institution", "date", "by"], [
                [name_cell(c.institution), esc(c.date.date), esc(c.date.describe())]
                for c in changes], caption))
    for caption, events in (("Events", diff.events), ("Pending at the end", diff.pending)):
        if events:
            parts.append(table(["event", "date", "status", "from", "to", "sources"], [
                [_short(e.event_type), esc(e.date), _short(e.status),
                 "<br>".join(name_cell(o) for o in e.originals),
                 "<br>".join(name_cell(r) for r in e.results), _sources(e.sources)]
                for e in events], caption))
    for caption, changes in (("Memberships began", diff.memberships_began),
                             ("Memberships ended", diff.memberships_ended)):
        if changes:
            parts.append(table(["role", "member", "unit", "date"], [
                [_short(m.role), name_cell(m.member), name_cell(m.unit), esc(m.date)]
                for m in changes], caption))
    counts = diff.programmes
    if counts:
        parts.append(table(["programme", diff.from_date, diff.to_date, "undated"], [
            [esc(c.label), esc(c.at_from), esc(c.at_to), esc(c.undated)] for c in counts],
            "Institutions by programme"))
    if len(parts) == 1:
        parts.append("<p>No changes.</p>")
    return "".join(parts)


class HtmlPage(str):
    """A self-contained HTML page: still the page's text wherever a string is expected, and
    shown inline in a notebook (in a sandboxed iframe, so the page keeps its own CSP)."""

    height = 640

    @property
    def html(self) -> str:
        return str(self)

    def write(self, path: str | os.PathLike) -> Path:
        """Write the page atomically as UTF-8; returns the path written."""
        from .atomic import write_atomic

        target = Path(path)
        write_atomic(target, str(self).encode("utf-8"))
        return target

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{esc(str(self))}" sandbox="allow-scripts" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ddd" '
                'title="lineage view"></iframe>')
