"""What a figure shows: the institutions, hops and memberships picked by the views' selection
code, each with the dates (by the existence rule), labels and sources the drawing needs.

Nothing here draws or imports matplotlib: the plan is plain data, so it can be checked
without rendering. Dates keep their precision: a date known to the year is a whole year wide
on the time axis, and what has no date stays undated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...dates import not_after
from ...model import DateValue, DatedBy, InstitutionRef, SourceRef
from ...analysis.network import EventRef, project_whole
from ...graph.sources import chunks, citations, values
from ...store.local import Store
from ..terminal import escape_controls, short_citation
from ..views import build as views
from ..views import styles

EN, ZH, BOTH = "en", "zh", "both"
LABEL_MODES = (EN, ZH, BOTH)

_DATE = re.compile(r"^(-?\d{4,})(?:-(\d{2})(?:-(\d{2}))?)?")
_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)

_TRANSLATED = """SELECT ?i WHERE {{ VALUES ?i {{ {values} }}
  ?i lin:labelIsTranslation ?t FILTER(STR(?t) IN ("true", "1")) }}"""


def period(lexical: str | None) -> tuple[float, float] | None:
    """The stretch of time a date covers, in fractional years: '2021' -> (2021.0, 2022.0),
    '2005-12' -> (2005.917, 2006.0), a day -> that day. None when it is not a date."""
    match = _DATE.match(lexical or "")
    if not match:
        return None
    year, month, day = int(match[1]), match[2], match[3]
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 366 if leap else 365
    if month is None:
        return float(year), float(year + 1)
    m = min(max(int(month), 1), 12)
    first = _DAYS_BEFORE_MONTH[m - 1] + (1 if leap and m > 2 else 0)
    if day is None:
        last = _DAYS_BEFORE_MONTH[m] + (1 if leap and m >= 2 else 0) if m < 12 else days
        return year + first / days, year + last / days
    start = year + (first + int(day) - 1) / days
    return start, start + 1 / days


def clean(text: str | None) -> str:
    """Data text fit for a figure: control and bidi characters as visible escapes."""
    return escape_controls(text or "")


@dataclass
class FigureNode:
    """One institution: labels, programme style, start (by the existence rule) and marks."""

    iri: str
    ref: InstitutionRef
    style: styles.TypeStyle
    start: DatedBy | None
    end: DatedBy | None
    known_by: DatedBy | None
    translated: bool = False  # the English label is the project's own translation
    root: bool = False
    change: str | None = None  # "new" or "ended" in a diff figure
    terminal: list[EventRef] = field(default_factory=list)  # dissolutions (no result)

    @property
    def span(self) -> tuple[float, float] | None:
        """The stretch of time its start date covers (None when undated)."""
        return period(self.start.date.lexical) if self.start else None

    def names(self, mode: str) -> list[str]:
        """The label lines in a label mode (en, zh or both); the other language stands in
        when one is missing, and a translated English name is starred."""
        en = clean(self.ref.label_en) + ("*" if self.translated and self.ref.label_en else "")
        zh = clean(self.ref.label_zh)
        if mode == ZH:
            found = [zh or en]
        elif mode == BOTH:
            found = [en, zh]
        else:
            found = [en or zh]
        return [n for n in found if n] or [clean(self.iri)]

    def date_line(self) -> str:
        """When it existed, in words: 'est. 2005-12, ended 2021', '2023 (conversion,
        applied)', 'undated; existed by 2016'."""
        if self.start is None:
            text = "undated"
            if self.known_by is not None and (self.end is None
                                              or self.end.date != self.known_by.date):
                text += f"; existed by {self.known_by.date.lexical}"
        else:
            text = _dated(self.start)
        if self.end is not None:
            text += f", ended {self.end.date.lexical}"
        return clean(text)


def _dated(dated: DatedBy) -> str:
    if dated.basis == "established":
        return f"est. {dated.date.lexical}"
    kind = styles.event_style(dated.event_type or "").en
    status = styles.STATUS_LABELS.get(dated.status or "", "status not given")
    if dated.status in styles.STATUSES[0].statuses:
        return f"{dated.date.lexical} ({kind})"
    return f"{dated.date.lexical} ({kind}, {status})"


@dataclass(frozen=True)
class FigureHop:
    """A lineage edge: one original -> one result of an event."""

    source: str
    target: str
    event: EventRef


@dataclass(frozen=True)
class FigureLink:
    """A membership edge (member -> unit) with its role."""

    member: str
    unit: str
    role: str


@dataclass
class FigurePlan:
    """Everything a figure draws, as plain data."""

    title: str
    labels: str
    nodes: dict[str, FigureNode]
    hops: list[FigureHop]
    links: list[FigureLink]
    sources: list[SourceRef]
    as_of: str | None = None
    diff: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)

    def citations(self) -> list[str]:
        """The sources' short citations (publisher or short title, and date), each once."""
        return list(dict.fromkeys(clean(short_citation(s)) for s in self.sources))


def plan(store: Store, root: InstitutionRef | None = None, focus: InstitutionRef | None = None,
         depth: int = 1, as_of: str | None = None, diff_from: str | None = None,
         labels: str = EN) -> FigurePlan:
    """Pick what to draw (one lineage, a neighbourhood, or every institution in a lineage
    event), apply as-of (or a diff's TO date), and gather dates, labels and sources."""
    selection = views.select(store, root, focus, depth, as_of, _lineage_part)
    if root is None and focus is None:
        selection.nodes &= _parties(selection, as_of)
    title = _title(selection, labels, focus is not None, depth)
    return _gather(store, selection, title, labels, as_of, diff_from)


def _lineage_part(store: Store) -> views.Selection:
    """Every institution that takes part in a lineage hop or a dissolution."""
    net = project_whole(store)
    hops = list(map(views.Hop._make, net.hops))
    nodes = {n for h in hops for n in (h.source, h.target)} | set(net.terminal_events)
    return views.Selection(net, nodes, hops, [], title="lineage events in the graph",
                           projected=set(net.lineage_nodes), whole=True)


def _parties(selection: views.Selection, as_of: str | None) -> set[str]:
    """The institutions still in a hop or a dissolution once later ones are dropped."""
    found = {n for h in selection.hops for n in (h.source, h.target)}
    for node, events in selection.net.terminal_events.items():
        if any(_by(e.date, as_of) for e in events):
            found.add(node)
    return found


def _by(date: DateValue | None, as_of: str | None) -> bool:
    """Whether a dated thing has happened by `as_of` (undated ones are kept, as in views)."""
    return as_of is None or date is None or not_after(date.lexical, as_of)


def _gather(store: Store, selection: views.Selection, title: str, labels: str,
            as_of: str | None, diff_from: str | None) -> FigurePlan:
    net = selection.net
    order = sorted(selection.nodes)
    translated = _translated(store, order) if labels != ZH else set()
    nodes: dict[str, FigureNode] = {}
    for iri in order:
        ref = net.ref(iri)
        span = net.spans.get(iri)
        node = FigureNode(iri, ref, styles.type_style(ref.types),
                          span.start if span else None, span.end if span else None,
                          span.known_by if span else None, iri in translated,
                          iri == selection.root)
        node.terminal = [e for e in net.terminal_events.get(iri, ()) if _by(e.date, as_of)]
        if node.end is not None and as_of is not None and not _by(node.end.date, as_of):
            node.end = None  # it ends after the date the figure shows
        nodes[iri] = node
    hops = sorted((FigureHop(h.source, h.target, h.event) for h in selection.hops
                   if h.source in nodes and h.target in nodes),
                  key=lambda h: (str(h.event.date or ""), h.event.iri, h.source, h.target))
    links = sorted({FigureLink(k.member, k.unit, k.role) for k in selection.links
                    if k.member in nodes and k.unit in nodes},
                   key=lambda k: (k.member, k.unit, k.role))
    if diff_from is not None:
        _mark_changes(nodes, diff_from, as_of)
    sources = _sources(store, nodes, hops, selection)
    diff = (diff_from, as_of) if diff_from is not None else None
    return FigurePlan(title, labels, nodes, hops, links, sources,
                      None if diff else as_of, diff, [clean(n) for n in selection.notes])


def _title(selection: views.Selection, labels: str, focus: bool, depth: int) -> str:
    """What the figure shows, with the root named in the figure's label language."""
    if selection.root is None:
        return "Lineage events in the graph"
    ref = selection.net.ref(selection.root)
    name = {EN: ref.label_en or ref.label, ZH: ref.label_zh or ref.label}.get(
        labels, ref.both_labels())
    if focus:
        return clean(f"Neighbourhood of {name} ({depth} hop{'' if depth == 1 else 's'})")
    return clean(f"Lineage of {name}")


def _translated(store: Store, iris: list[str]) -> set[str]:
    """Institutions whose English label is the project's own translation."""
    return {str(i) for chunk in chunks(iris)
            for (i,) in store.select_plain(_TRANSLATED.format(values=values(chunk))).rows}


def _mark_changes(nodes: dict[str, FigureNode], since: str, until: str) -> None:
    """New or ended between the two dates, read as `lineage diff` reads them."""
    from ...analysis.diff import between

    for node in nodes.values():
        if node.end is not None and between(node.end.date, since, until):
            node.change = "ended"
        elif node.start is not None and between(node.start.date, since, until):
            node.change = "new"


def _sources(store: Store, nodes: dict[str, FigureNode], hops: list[FigureHop],
             selection: views.Selection) -> list[SourceRef]:
    """The events' sources (in date order), then the institutions' own (in IRI order; a
    whole-graph projection has read them already)."""
    found: dict[str, SourceRef] = {}
    events = [h.event for h in hops] + [e for n in nodes.values() for e in n.terminal]
    for event in events:
        for source in event.sources:
            found.setdefault(source.iri, source)
    whole = selection.net.whole
    cited = whole.cited if whole is not None else citations(store, list(nodes))
    for node in sorted(nodes):
        for source in cited.get(node, ()):
            found.setdefault(source.iri, source)
    return list(found.values())

