"""What a view draws: pick the institutions and hops, apply as-of, and build the node/edge lists.

Node and edge lists are built directly as plain dicts in vis-network's format. pyvis's
Network.add_node/add_edge cost grows faster than linearly (12.6 s for 20,000 nodes against
0.1 s for direct lists), so the lists are handed to a pyvis Network in bulk (see page.py).
Every string here ends up in the page as data (JSON), never as markup.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import networkx as nx

from ...dates import not_after
from ...graph.existence import ended_by, membership_began_by, started_by
from ...model import DateValue, InstitutionRef, SourceRef
from ...namespaces import shorten
from ...analysis.network import (DOWN, UP, EventRef, LineageNetwork, Membership, project,
                                  project_whole, reach, within)
from ...graph.sources import chunks, citations, values
from ...store.local import Store
from . import layout as layouts
from . import styles

#: Above this many nodes edges are drawn straight, unlabelled, and hidden while dragging.
LARGE_VIEW = 2000
#: Up to this many nodes the browser settles the layout with physics before the first frame
#: (about a second); above it the positions computed in Python are drawn at once (a
#: 1,000-node view took 9 s to settle in headless Chromium).
PHYSICS_VIEW = 300

FORCE, TIMELINE = "force", "timeline"
LAYOUTS = (FORCE, TIMELINE)

#: Alternative labels and comments of some nodes (a UNION: 12x faster than a second VALUES).
_EXTRAS = """
SELECT ?n ?kind ?o WHERE {{
  {restrict}
  {{ ?n skos:altLabel ?o BIND("alt" AS ?kind) }}
  UNION {{ ?n rdfs:comment ?o BIND("comment" AS ?kind) }}
}}"""


class Hop(NamedTuple):
    """A drawn lineage edge: one original -> one result of an event (a named tuple: the
    projection's hops are these three, and a whole graph has tens of thousands)."""

    source: str
    target: str
    event: EventRef


#: A drawn membership edge: member -> unit (organisation), with its role and dates.
Link = Membership


@dataclass
class Selection:
    """The institutions and relations a view shows, and the projection they came from."""

    net: LineageNetwork
    nodes: set[str]
    hops: list[Hop]
    links: list[Link]
    root: str | None = None
    title: str = "the whole graph"
    projected: set[str] = field(default_factory=set)  # institutions whose units were fetched
    notes: list[str] = field(default_factory=list)  # said under the page's title
    whole: bool = False  # every institution: facts are read in whole-graph queries


@dataclass
class View:
    """Everything the page needs, JSON-ready: nodes, edges and the tables they refer to."""

    meta: dict
    nodes: list[dict]
    edges: list[dict]
    events: list[dict] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    legend: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)

    def data(self) -> dict:
        return {"meta": self.meta, "legend": self.legend, "groups": self.groups,
                "nodes": self.nodes, "edges": self.edges, "events": self.events,
                "units": self.units, "sources": self.sources}


# -- choosing what to draw -------------------------------------------------------------------

def _hops(net: LineageNetwork) -> list[Hop]:
    return list(map(Hop._make, net.hops))


def _links(net: LineageNetwork) -> list[Link]:
    return list(net.memberships)


def whole(store: Store) -> Selection:
    """Every institution, every lineage hop and every membership."""
    net = project_whole(store, with_units=True)
    nodes = set(net.info)
    return Selection(net, nodes, _hops(net), _links(net),
                     projected=set(net.whole.institution_types), whole=True)


def neighbourhood(store: Store, root: InstitutionRef, depth: int) -> Selection:
    """Institutions within `depth` hops of root through lineage events and memberships."""
    seen = within(store, root.iri, depth)
    net = project(store, seen, None, with_units=True)
    hops = [h for h in _hops(net) if h.source in seen and h.target in seen]
    links = [k for k in _links(net) if k.member in seen and k.unit in seen]
    title = f"neighbourhood of {root.both_labels()} ({depth} hop{'s' if depth != 1 else ''})"
    return Selection(net, seen, hops, links, root.iri, title, projected=seen)


def one_lineage(store: Store, root: InstitutionRef) -> Selection:
    """The root's predecessors and successors through events (memberships only in details),
    with the other parties of their events as candidates (see prune_lineage)."""
    members = reach(store, [root.iri], DOWN) | reach(store, [root.iri], UP)
    net = project(store, members, None, with_units=True)
    hops = [h for h in _hops(net) if h.source in members or h.target in members]
    candidates = members | {n for h in hops for n in (h.source, h.target)}
    return Selection(net, candidates, hops, [], root.iri, f"lineage of {root.both_labels()}",
                     projected=members)


def select(store: Store, lineage: InstitutionRef | None, focus: InstitutionRef | None,
           depth: int, when: str | None, everything) -> Selection:
    """What a view or a figure shows: one `lineage` (both directions), the neighbourhood of
    `focus` (`depth` hops), or with neither `everything(store)`; with lifespans, cut to the
    date `when` (see as_of), pruned, and the lineage's parties described."""
    if lineage is not None:
        selection = one_lineage(store, lineage)
    elif focus is not None:
        selection = neighbourhood(store, focus, depth)
    else:
        selection = everything(store)
    selection = with_lifespans(store, selection)
    if when is not None:
        selection = as_of(selection, when)
    if focus is not None:
        selection = prune_neighbourhood(selection, depth)
    if lineage is not None:
        selection = with_party_details(store, prune_lineage(selection))
        selection = with_lifespans(store, selection)
    return selection


def with_lifespans(store: Store, selection: Selection) -> Selection:
    """Date every institution of the selection by the existence rule (lineage.existence)."""
    if not selection.net.spans:
        selection.net.with_lifespans(store)
    return selection


def as_of(selection: Selection, date: str) -> Selection:
    """Drop institutions that the existence rule starts after `date`, and events and
    memberships after it (undated items are kept, in their own group; dates compare at their
    shared precision, as in trace). Institutions that had ended are kept, marked as ended."""
    def by(value: DateValue | None) -> bool:
        return value is None or not_after(value.lexical, date)

    spans = selection.net.spans
    nodes = {n for n in selection.nodes if started_by(spans.get(n), date)}
    if selection.root is not None and selection.root not in nodes:
        nodes.add(selection.root)  # still drawn: it is what was asked for
        selection.notes.append(f"{selection.net.ref(selection.root).both_labels()} was not yet "
                               f"established on {date}")
    selection.nodes = nodes
    selection.hops = [h for h in selection.hops if h.source in nodes and h.target in nodes
                      and by(h.event.date)]
    selection.links = [k for k in selection.links if k.member in nodes and k.unit in nodes
                       and membership_began_by(k.start, date)]
    return selection


def prune_neighbourhood(selection: Selection, depth: int) -> Selection:
    """Keep what is still within `depth` hops of the root once later items are dropped."""
    graph = nx.Graph()
    graph.add_node(selection.root)
    graph.add_edges_from((h.source, h.target) for h in selection.hops)
    graph.add_edges_from((k.member, k.unit) for k in selection.links)
    near = set(nx.single_source_shortest_path_length(graph, selection.root, cutoff=depth))
    selection.nodes &= near
    selection.hops = [h for h in selection.hops if h.source in near and h.target in near]
    selection.links = [k for k in selection.links if k.member in near and k.unit in near]
    return selection


def prune_lineage(selection: Selection) -> Selection:
    """Keep the root's ancestors and descendants through the remaining events, plus the other
    parties of those events (a merger's other originals), so a merger never looks like a
    conversion."""
    graph = nx.DiGraph()
    graph.add_node(selection.root)
    graph.add_edges_from((h.source, h.target) for h in selection.hops
                         if h.source in selection.nodes and h.target in selection.nodes)
    line = {selection.root} | nx.descendants(graph, selection.root) | nx.ancestors(graph,
                                                                                    selection.root)
    events = {h.event.iri for h in selection.hops if h.source in line and h.target in line}
    selection.hops = [h for h in selection.hops if h.event.iri in events]
    selection.nodes = line | {n for h in selection.hops for n in (h.source, h.target)}
    return selection


def with_party_details(store: Store, selection: Selection) -> Selection:
    """Re-project when other parties of events were added, so their units are known too."""
    if selection.nodes - selection.projected:
        selection.net = project(store, selection.nodes, None, with_units=True)
        selection.projected = set(selection.nodes)
    return selection


# -- node and edge lists ------------------------------------------------------------------

def _year(value: DateValue | None) -> int | None:
    return None if value is None else _year_of(value.lexical)


@lru_cache(maxsize=4096)
def _year_of(lexical: str) -> int | None:
    """The year of a date, when it starts with one (a whole graph has a few hundred dates)."""
    text = lexical[:4]
    return int(text) if len(text) == 4 and text.isdigit() else None


def _date(value: DateValue | None) -> dict | None:
    return {"v": value.lexical, "p": value.precision} if value is not None else None


def _compact(record: dict) -> dict:
    """Leave out empty values (the page reads a missing key as empty): smaller files."""
    return {k: v for k, v in record.items() if v is not None and v != [] and v is not False}


def _put(record: dict, key: str, value) -> None:
    """Set a value unless it is empty (as _compact would leave it out)."""
    if value is not None and value != [] and value is not False:
        record[key] = value


def safe_url(url: str | None) -> str | None:
    """A URL fit for a link: http(s) only, no spaces or control characters; else None."""
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    return url if url.lower().startswith(("http://", "https://")) else None


@dataclass
class _Extras:
    """Looked up node by node (sources may hold other nodes' too)."""

    alt_labels: dict[str, list[str]]
    comments: dict[str, list[str]]
    sources: dict[str, list[SourceRef]]


def _extras(store: Store, net: LineageNetwork, nodes: list[str], others: list[str],
            whole: bool) -> _Extras:
    """Alternative labels and comments (nodes, events, memberships) and the nodes' own sources."""
    alt: dict[str, list[str]] = defaultdict(list)
    comments: dict[str, list[str]] = defaultdict(list)
    wanted = set(nodes) | set(others)
    if whole:
        rows = [r for r in store.select_plain(_EXTRAS.format(restrict="")) if r[0] in wanted]
    else:
        rows = [r for chunk in chunks(sorted(wanted)) for r in store.select_plain(
            _EXTRAS.format(restrict=f"VALUES ?n {{ {values(chunk)} }}"))]
    for n, kind, o in rows:
        (alt if str(kind) == "alt" else comments)[str(n)].append(str(o))
    for table in (alt, comments):
        for items in table.values():
            items.sort()
    if net.whole is not None:
        cited = net.whole.cited  # every node's: read node by node
    else:
        cited = citations(store, nodes)
    return _Extras(dict(alt), dict(comments), cited)


class _Tables:
    """Shared tables (sources, events, memberships) that nodes and edges refer to by index.

    A party to an event or membership is its node id when it is drawn, else its name."""

    def __init__(self, net: LineageNetwork, node_ids: dict[str, int], extras: _Extras):
        self.net, self.node_ids, self.extras = net, node_ids, extras
        self.sources: list[dict] = []
        self.events: list[dict] = []
        self.units: list[dict] = []
        self._event_index: dict[str, int] = {}
        self._unit_index: dict[str, int] = {}
        self._source_index: dict[str, int] = {}

    def source_ids(self, refs) -> list[int]:
        """The table indexes of these sources, each once, in order."""
        if not refs:
            return []
        index = self._source_index
        found = [index[ref.iri] if ref.iri in index else self._add_source(ref) for ref in refs]
        return list(dict.fromkeys(found)) if len(found) > 1 else found

    def _add_source(self, ref: SourceRef) -> int:
        self._source_index[ref.iri] = len(self.sources)
        self.sources.append(_compact({
            "iri": ref.iri, "title": ref.title, "publisher": ref.publisher,
            "date": _date(ref.date), "url": safe_url(ref.url), "via": ref.cited_via,
            "descriptive": ref.title_is_descriptive,
            "confidence": styles.confidence_label(ref.confidence),
        }))
        return len(self.sources) - 1

    def party(self, iri: str) -> int | str:
        if iri in self.node_ids:
            return self.node_ids[iri]
        return self.net.ref(iri).both_labels() if iri in self.net.info else shorten(iri)

    def event_id(self, event: EventRef, originals: list[str], results: list[str]) -> int:
        found = self._event_index.get(event.iri)
        if found is None:
            found = self._event_index[event.iri] = self._add_event(event, originals, results)
        return found

    def _add_event(self, event: EventRef, originals: list[str], results: list[str]) -> int:
        style = styles.event_style(event.event_type)
        record = {"iri": event.iri}  # keys in a fixed order, empty ones left out
        _put(record, "date", _date(event.date))
        record["type"] = style.label if style.key == event.event_type else event.event_type
        record["status"] = styles.STATUS_LABELS.get(event.status or "", "not given")
        record["group"] = styles.status_style(event.status).key
        _put(record, "pending", event.pending)
        _put(record, "confidence", styles.confidence_label(event.confidence))
        _put(record, "comments", self.extras.comments.get(event.iri))
        _put(record, "originals", [self.party(i) for i in originals])
        _put(record, "results", [self.party(i) for i in results])
        _put(record, "sources", self.source_ids(event.sources))
        self.events.append(record)
        return len(self.events) - 1

    def unit_id(self, link: Link) -> int:
        found = self._unit_index.get(link.iri)
        if found is None:
            found = self._unit_index[link.iri] = self._add_unit(link)
        return found

    def _add_unit(self, link: Link) -> int:
        style = styles.role_style(link.role)
        record = {"iri": link.iri, "role": style.label if style.key == link.role else link.role,
                  "member": self.party(link.member), "unit": self.party(link.unit)}
        _put(record, "from", _date(link.start))
        _put(record, "until", _date(link.end))
        _put(record, "comments", self.extras.comments.get(link.iri))
        _put(record, "sources", self.source_ids(link.sources))
        self.units.append(record)
        return len(self.units) - 1


def build(store: Store, selection: Selection, layout: str = FORCE,
          as_of_date: str | None = None, diff_from: str | None = None) -> View:
    """The node and edge lists (plain dicts), the shared tables, the legend and the layout."""
    net = with_lifespans(store, selection).net
    order = sorted(selection.nodes)
    node_ids = {iri: i for i, iri in enumerate(order)}
    hops = sorted(selection.hops, key=_hop_order)
    links = sorted(selection.links, key=lambda k: (k.iri, k.member, k.unit))
    terminal = {n: [e for e in events if as_of_date is None or e.date is None
                    or not_after(e.date.lexical, as_of_date)]
                for n, events in net.terminal_events.items() if n in node_ids}
    extras = _extras(store, net, order, [h.event.iri for h in hops] + [k.iri for k in links]
                     + [e.iri for es in terminal.values() for e in es]
                     + [m.iri for m in net.memberships], selection.whole)
    tables = _Tables(net, node_ids, extras)
    edges = _edges(hops, links, node_ids, tables)
    nodes = _nodes(order, net, tables, selection.root, terminal, as_of_date)
    if diff_from is not None:
        _mark_changes(nodes, edges, tables, net, order, diff_from, as_of_date)
    if selection.whole:
        _mark_overview(nodes, edges)
    placement = _place(layout, nodes, edges)
    for node in nodes:
        node["x"], node["y"] = placement.positions[node["id"]]
    large = len(nodes) > LARGE_VIEW
    legend = styles.legend({n["group"] for n in nodes}, {e["rel"] for e in edges},
                           {e["status"] for e in edges})
    spans = [y for item in (*nodes, *edges) if (y := item.get("year")) is not None]
    meta = {
        "title": selection.title, "asOf": as_of_date, "layout": layout,
        "physics": layout == FORCE and len(nodes) <= PHYSICS_VIEW and not selection.whole,
        "large": large, "overview": selection.whole and layout == FORCE,
        "programmes": [{"key": key, "label": label} for key, _, label in styles.PROGRAMMES],
        "confidence": [{"label": label, "meaning": meaning}
                       for label, meaning in styles.CONFIDENCE.values()],
        "font": styles.FONT_STACK, "fontHint": styles.CJK_FONT_HINT,
        "root": node_ids.get(selection.root) if selection.root else None,
        "years": [min(spans), max(spans)] if spans else None,
        "axis": [{"year": y, "x": x} for y, x in placement.axis],
        "undatedBand": placement.undated_band,
        "undated": sum(1 for n in nodes if n.get("undated")),
        "counts": {"nodes": len(nodes), "edges": len(edges)}, "notes": selection.notes,
        "diff": [diff_from, as_of_date] if diff_from is not None else None,
        "edgeStyles": styles.edge_styles(),
    }
    return View(meta, nodes, edges, tables.events, tables.units, tables.sources, legend,
                styles.vis_groups())


def _hop_order(hop: Hop) -> tuple:
    """Hops by date (undated first), event, then ends."""
    date = hop.event.date
    return (date.lexical if date is not None else "", hop.event.iri, hop.source, hop.target)


def _mark_overview(nodes: list[dict], edges: list[dict]) -> None:
    """What the whole-graph overview opens on: `part` is "lineage" for the ends of lineage
    hops and programme centres with events, "programme" for the other centres of a programme
    (`prog`, folded into its bubble), "unit" for units and bodies (folded into their
    institutions); `w` is how many events and units a node has (its size)."""
    on_hops = {end for e in edges if "event" in e for end in (e["from"], e["to"])}
    for node in nodes:
        programme = styles.PROGRAMME_OF.get(node["group"])
        events = node.get("events", ())
        if node["id"] in on_hops or (programme and events):
            node["part"] = "lineage"
        elif programme:
            node["part"] = "programme"
        else:
            node["part"] = "unit"
        if programme:
            node["prog"] = programme
        node["w"] = len(events) + len(node.get("units", ()))


def _mark_changes(nodes: list[dict], edges: list[dict], tables: _Tables, net: LineageNetwork,
                  order: list[str], since: str, until: str) -> None:
    """Mark each node and lineage edge new, ended or unchanged between two dates, read as
    `lineage diff` reads them (undated ones are unchanged: they are in no diff)."""
    from ...analysis.diff import between

    for node in nodes:
        span = net.spans.get(order[node["id"]])
        if span and span.end and between(span.end.date, since, until):
            node["change"] = "ended"
        elif span and span.start and between(span.start.date, since, until):
            node["change"] = "new"
        else:
            node["change"] = "unchanged"
    for edge in edges:
        date = tables.events[edge["event"]].get("date") if "event" in edge else None
        fresh = date is not None and between(date["v"], since, until)
        edge["change"] = "new" if fresh else "unchanged"


def _parties(hops: list[Hop]) -> dict[str, tuple[list[str], list[str]]]:
    """Originals and results of each drawn event, in a stable order."""
    found: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for h in hops:
        originals, results = found[h.event.iri]
        if h.source not in originals:
            originals.append(h.source)
        if h.target not in results:
            results.append(h.target)
    return found


def _edges(hops: list[Hop], links: list[Link], node_ids: dict[str, int],
           tables: _Tables) -> list[dict]:
    """Edges as {id, from, to, event|unit (table index), rel, status, year}; the page styles
    them from meta.edgeStyles by rel and status."""
    parties = _parties(hops)
    edges: list[dict] = []
    for h in hops:
        year = _year(h.event.date)
        edge = {"from": node_ids[h.source], "to": node_ids[h.target],
                "event": tables.event_id(h.event, *parties[h.event.iri]),
                "rel": styles.event_style(h.event.event_type).key,
                "status": styles.status_style(h.event.status).key}
        _put(edge, "year", year)
        edges.append(edge)
    for k in links:
        edge = {"from": node_ids[k.member], "to": node_ids[k.unit], "unit": tables.unit_id(k),
                "rel": styles.role_style(k.role).key, "status": styles.MEMBERSHIP_STATUS}
        _put(edge, "year", _year(k.start))
        _put(edge, "until", _year(k.end))
        edges.append(edge)
    seen_pairs: dict[tuple[int, int], int] = {}
    for i, edge in enumerate(edges):
        edge["id"] = i
        a, b = edge["from"], edge["to"]
        pair = (a, b) if a < b else (b, a)
        seen = seen_pairs.get(pair, 0)
        if seen:  # a second line between the same two: curve it apart
            edge["curve"] = seen
        seen_pairs[pair] = seen + 1
    return edges


def _dated(dated) -> dict | None:
    """A derived date for the page: value, precision and where it comes from."""
    if dated is None:
        return None
    return {"v": dated.date.lexical, "p": dated.date.precision, "from": _origin(dated.event_type)}


@lru_cache(maxsize=256)
def _origin(event_type: str | None) -> str:
    """Where a derived date comes from, in plain words for the panel."""
    if event_type is None:
        return "its own date of establishment"
    style = styles.event_style(event_type)
    kind = style.en if style.key == event_type else event_type.split(":", 1)[-1]
    return f"the {kind} event"


def _put_time_facts(node: dict, span, as_of_date: str | None) -> None:
    """A node's start, end and known-by dates by the existence rule; `year` (its start's)
    places it on the timeline and in the years filter, `undated` puts it in its own group.
    Empty ones are left out."""
    if span is None:
        node["undated"] = True
        return
    start, end = span.start, span.end
    if start is not None:
        _put(node, "year", _year_of(start.date.lexical))
        node["start"] = _dated(start)
    else:
        node["undated"] = True
        if span.known_by is not None:
            node["knownBy"] = _dated(span.known_by)
    if end is not None:
        _put(node, "endYear", _year_of(end.date.lexical))
        node["end"] = _dated(end)
        if as_of_date is not None and ended_by(span, as_of_date):
            node["ended"] = True


#: The facts of a node the projection knows nothing about.
_NO_FACTS: dict = {}


def _nodes(order: list[str], net: LineageNetwork, tables: _Tables, root: str | None,
           terminal: dict[str, list[EventRef]],
           as_of_date: str | None = None) -> list[dict]:
    """Nodes with their labels, type group, dates by the existence rule and the indexes of
    their memberships, events and sources."""
    node_ids = tables.node_ids
    units_of: dict[str, list[int]] = defaultdict(list)
    # in IRI order: table indexes must not depend on the order the store returned rows in
    for link in sorted(net.memberships, key=lambda k: (k.iri, k.member, k.unit)):
        if link.member in node_ids or link.unit in node_ids:
            ref = tables.unit_id(link)
            units_of[link.member].append(ref)
            units_of[link.unit].append(ref)
    events_of: dict[str, list[int]] = defaultdict(list)
    for i, event in enumerate(tables.events):
        for party in (*event.get("originals", ()), *event.get("results", ())):
            if type(party) is int:  # a drawn node, not a name
                events_of[order[party]].append(i)
    for iri in sorted(terminal):  # dissolutions: events with no result
        for e in terminal[iri]:
            events_of[iri].append(tables.event_id(e, [iri], []))
    info, spans, extras = net.info, net.spans, tables.extras
    alt_labels, comments, cited = extras.alt_labels, extras.comments, extras.sources
    nodes = []
    for iri in order:
        facts = info.get(iri, _NO_FACTS)
        node = {"id": node_ids[iri], "group": styles.type_style(facts.get("types", ())).key,
                "iri": iri}
        # labels are strings and the tables hold no empty lists: None is all _put would drop
        if "label_en" in facts:
            node["en"] = facts["label_en"]
        if "label_zh" in facts:
            node["zh"] = facts["label_zh"]
        if iri in alt_labels:
            node["alt"] = alt_labels[iri]
        _put_time_facts(node, spans.get(iri), as_of_date)
        if facts.get("established") is not None:
            node["established"] = _date(facts["established"])
        if iri in units_of:
            node["units"] = sorted(set(units_of[iri]))
        if iri in events_of:
            node["events"] = list(dict.fromkeys(events_of[iri]))
        if iri in comments:
            node["comments"] = comments[iri]
        if iri in cited:
            _put(node, "sources", tables.source_ids(cited[iri]))
        if iri == root:
            node["root"] = True
        nodes.append(node)
    return nodes


def _place(layout: str, nodes: list[dict], edges: list[dict]) -> layouts.Placement:
    ids = [n["id"] for n in nodes]
    if layout == TIMELINE:
        hops = [(e["from"], e["to"]) for e in edges if "event" in e]
        return layouts.timeline_layout(ids, hops, {n["id"]: _when(n.get("start")) for n in nodes})
    return layouts.packed_layout(ids, [(e["from"], e["to"]) for e in edges])


def _when(date: dict | None) -> float | None:
    """A date as fractional years at the precision known: 2022 -> 2022.0, 2022-07 -> 2022.5."""
    if not date or not date["v"][:4].isdigit():
        return None
    parts = [int(p) for p in date["v"][:10].split("-") if p.isdigit()]
    month = parts[1] - 1 if len(parts) > 1 else 0
    day = parts[2] - 1 if len(parts) > 2 else 0
    return parts[0] + month / 12 + day / 366
