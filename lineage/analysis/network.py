"""Project lineage events and memberships from the store into networkx graphs.

Lineage hops are conversions, mergers, splits, renamings and dissolutions; establishment and
acceptance events (whose originals are founders) are facts about an institution, not hops.

Only the part of the graph an answer needs is projected: `reach` finds the institutions
connected to a start through events (SPARQL property paths, evaluated by the engine without
recursion), then `project` loads just their hops. Costs grow with the lineage, not the graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from ..gcpause import paused_gc
from ..graph.classes import among, keep_most_specific, most_specific, subclasses, superclasses
from ..labels import LabelChooser
from ..model import DateValue, InstitutionRef, SourceRef
from ..namespaces import LIN, NON_LINEAGE_EVENTS, shorten
from ..graph.sources import chunks as _chunks, citations, values as _values
from ..graph.whole import EventFacts, WholeGraph
from ..store.local import Store
from .. import vocabulary
from ..vocabulary import Direction

DOWN, UP = Direction.DOWN.value, Direction.UP.value

_STEP = {
    DOWN: "^org:originalOrganization/org:resultingOrganization",
    UP: "^org:resultingOrganization/org:originalOrganization",
}

#: One step of lineage from a level of institutions (a fixed-length path: portable, where a
#: transitive path from VALUES is refused by some engines, and the cost follows the answer).
_STEP_FROM = "SELECT DISTINCT ?x WHERE {{ VALUES ?start {{ {starts} }} ?start {step} ?x }}"

#: Every type of each event; the most specific one is kept, and founding events dropped, in
#: Python (see lineage.graph.classes: engines disagree on the FILTER NOT EXISTS form of this).
_HOPS = """
SELECT ?e ?type ?o ?r ?status ?date ?confidence WHERE {{
  {restrict}
  {pattern}
  ?e a ?type . {event_types}
  OPTIONAL {{ ?e lin:status ?status }} OPTIONAL {{ ?e dcterms:date ?date }}
  OPTIONAL {{ ?e lin:confidence ?confidence }}
}}"""

#: Hops from originals (results optional: a dissolution has none), or into results.
_HOP_PATTERNS = {
    "o": "?e org:originalOrganization ?o . OPTIONAL { ?e org:resultingOrganization ?r }",
    "r": "?e org:resultingOrganization ?r ; org:originalOrganization ?o .",
}

#: Memberships of some institutions, either side. The member-or-organization UNION sits in a
#: sub-select: next to VALUES at the top level, pyoxigraph 0.5 plans it 15x slower.
_UNITS = """
SELECT ?m ?member ?unit ?role ?from ?until WHERE {{
  {{ SELECT DISTINCT ?m WHERE {{
      VALUES ?x {{ {values} }}
      {{ ?m org:member ?x }} UNION {{ ?m org:organization ?x }}
  }} }}
  ?m a org:Membership ; org:member ?member ; org:organization ?unit ; org:role ?role .
  OPTIONAL {{ ?m lin:from ?from }} OPTIONAL {{ ?m lin:until ?until }}
}}"""

ALL_MEMBERSHIPS = """
SELECT ?m ?member ?unit ?role ?from ?until WHERE {
  ?m a org:Membership ; org:member ?member ; org:organization ?unit ; org:role ?role .
  OPTIONAL { ?m lin:from ?from } OPTIONAL { ?m lin:until ?until }
}"""

#: What a node shows, one query per property (together, OPTIONALs multiply the rows).
_NODE_FACTS = {
    "type": "?i a ?value . {institution_types}",
    "label": "?i rdfs:label ?value .",
    "established": "?i lin:established ?value .",
}
_NODE_FACT = "SELECT ?i ?value WHERE {{ {restrict} {pattern} }}"
_ALL_LABELS = "SELECT ?i ?value WHERE { ?i rdfs:label ?value }"

_ALL_INSTITUTIONS = "SELECT DISTINCT ?i WHERE {{ ?i a ?t . {institution_types} }}"

#: Statuses that are not settled: shown, but marked as pending.
PENDING = {status.value for status in vocabulary.PENDING}


@dataclass(frozen=True)
class EventRef:
    """One lineage event as a hop label: what happened, when, how settled, who says so."""

    iri: str
    event_type: str
    date: DateValue | None
    status: str | None
    sources: tuple[SourceRef, ...] = ()
    confidence: str | None = None
    pending: bool = field(init=False)  # Planned, Applied or InProgress: not a settled succession

    def __init__(self, iri: str, event_type: str, date: DateValue | None, status: str | None,
                 sources: tuple[SourceRef, ...] = (), confidence: str | None = None):
        # the generated frozen __init__ sets each field with a call of its own; a whole graph
        # has ten thousand events, so all at once (see lineage.model.DatedBy)
        object.__setattr__(self, "__dict__", {
            "iri": iri, "event_type": event_type, "date": date, "status": status,
            "sources": sources, "confidence": confidence, "pending": status in PENDING})


@dataclass(frozen=True)
class Membership:
    """One membership as projected: member -> unit (organisation), its role, dates, sources."""

    member: str
    unit: str
    iri: str
    role: str  # prefixed, e.g. lin:SupportingUnit
    start: DateValue | None
    end: DateValue | None
    sources: tuple[SourceRef, ...] = ()

    def __init__(self, member: str, unit: str, iri: str, role: str, start: DateValue | None,
                 end: DateValue | None, sources: tuple[SourceRef, ...] = ()):
        # all fields at once (see EventRef)
        object.__setattr__(self, "__dict__", {
            "member": member, "unit": unit, "iri": iri, "role": role, "start": start,
            "end": end, "sources": sources})


@dataclass
class LineageNetwork:
    """Institutions and their lineage hops (keyed by event) and, apart, their unit memberships.

    The projection is kept as plain lists and dicts (what views and figures read in bulk);
    `lineage` and `units` are the same as networkx graphs, built when first asked for
    (traversal, paths, exports), so an answer that only lists things never pays for them."""

    info: dict[str, dict]  # node -> {"types", "established", "label_en"?, "label_zh"?}
    lineage_nodes: list[str]  # the lineage graph's nodes, in the order it adds them
    hops: list[tuple[str, str, EventRef]]  # (original, result, event), each once
    memberships: list[Membership]  # each (member, unit, membership) once
    terminal_events: dict[str, list[EventRef]]  # institution -> events with no result (dissolutions)
    spans: dict = field(default_factory=dict)  # institution -> Lifespan, once asked for
    whole: WholeGraph | None = None  # the facts read, when the whole graph was projected

    @cached_property
    def lineage(self) -> nx.MultiDiGraph:
        """Institutions and their hops, each hop an edge keyed by its event (data "event")."""
        graph = nx.MultiDiGraph()
        graph.add_nodes_from((n, self.info[n]) for n in self.lineage_nodes)
        for original, result, event in self.hops:
            graph.add_edge(original, result, key=event.iri, event=event)
        return graph

    @cached_property
    def units(self) -> nx.MultiDiGraph:
        """Memberships, member -> unit, keyed by membership (data role, start, end, sources)."""
        graph = nx.MultiDiGraph()
        for m in self.memberships:
            for node in (m.member, m.unit):
                if node not in graph:
                    graph.add_node(node, **self.info[node])
            graph.add_edge(m.member, m.unit, key=m.iri, role=m.role, start=m.start, end=m.end,
                           sources=m.sources)
        return graph

    def with_lifespans(self, store: Store) -> "LineageNetwork":
        """Attach the lifespan of every institution projected (see lineage.graph.existence),
        from the facts project_whole read when it made this network, else by query."""
        from ..graph.existence import lifespans, whole_graph_lifespans
        from ..model import Lifespan

        if self.whole is not None:
            found = whole_graph_lifespans(store, self.whole)
        else:
            found = lifespans(store, self.info)
        self.spans = {n: found.get(n) or Lifespan(n) for n in self.info}
        return self

    def ref(self, iri: str) -> InstitutionRef:
        data = self.info.get(iri, {})
        return InstitutionRef(iri, data.get("label_en"), data.get("label_zh"),
                              tuple(data.get("types", ())))


def reach(store: Store, starts: Iterable[str], direction: str) -> set[str]:
    """Every institution reachable from the starts through lineage events in one direction,
    level by level (one query per level, each from the institutions found last)."""
    level = sorted(set(starts))
    found: set[str] = set(level)
    while level:
        reached = {str(x) for chunk in _chunks(level) for (x,) in store.select_plain(
            _STEP_FROM.format(starts=_values(chunk), step=_STEP[direction])).rows}
        level = sorted(reached - found)
        found.update(level)
    return found


def within(store: Store, root: str, depth: int) -> set[str]:
    """Institutions within `depth` hops of root through lineage events and memberships."""
    seen, frontier = {root}, {root}
    for _ in range(depth):
        if not frontier:
            break
        step = project(store, frontier, None, with_units=True)
        frontier = set(step.info) - seen
        seen |= frontier
    return seen


def all_institutions(store: Store) -> set[str]:
    types = among(store, "t", LIN.Institution)
    return {str(i) for (i,) in store.select_plain(_ALL_INSTITUTIONS.format(institution_types=types))}


def project(store: Store, institutions: Iterable[str], direction: str | None = None,
            with_units: bool = False) -> LineageNetwork:
    """Project the hops touching these institutions (from them downwards, upwards, or both),
    reading their facts in VALUES chunks (project_whole reads a whole graph's at once)."""
    with paused_gc():
        return _project(store, sorted(set(institutions)), direction, with_units)


def project_whole(store: Store, with_units: bool = False) -> LineageNetwork:
    """Project every institution, its hops and (`with_units`) memberships, each kind of fact
    read once over the whole graph (lineage.graph.whole), and kept for the lifespans."""
    with paused_gc():
        whole = WholeGraph.read(store)
        institutions = whole.institution_types
        hops: list[tuple[str, str, EventRef]] = []
        terminal: dict[str, list[EventRef]] = defaultdict(list)
        for event, hop_type in _lineage_events(store, whole.events):
            ref = EventRef(event.iri, hop_type, event.date, event.status,
                           tuple(whole.cited.get(event.iri, ())), event.confidence)
            for original in event.originals:  # sorted, each once
                if not event.results and original in institutions:
                    terminal[original].append(ref)
                for result in event.results:
                    if original in institutions or result in institutions:
                        hops.append((original, result, ref))
        memberships = []
        if with_units:
            memberships = _memberships([r for r in store.select_plain(ALL_MEMBERSHIPS).rows
                                        if r[1] in institutions or r[2] in institutions],
                                       whole.cited)
        lineage_nodes = _lineage_nodes(sorted(institutions), hops)
        info = _node_info(store, lineage_nodes, memberships, whole=whole)
        return LineageNetwork(info, lineage_nodes, hops, memberships, dict(terminal), whole=whole)


def _lineage_nodes(institutions: list[str], hops: list[tuple[str, str, EventRef]]) -> list[str]:
    """The lineage graph's nodes: the institutions asked for, then the hops' other ends."""
    nodes = dict.fromkeys(institutions)
    for original, result, _ in hops:
        nodes.setdefault(original)
        nodes.setdefault(result)
    return list(nodes)


def _lineage_events(store: Store, events: dict[str, EventFacts]):
    """(event, its most specific type, prefixed) for each event that is a lineage hop."""
    founding, specific = founding_types(store), _most_specific_memo(superclasses(store))
    for iri in sorted(events):
        event = events[iri]
        kinds = [t for t in specific(event.types) if t not in founding]  # sorted
        if kinds:
            yield event, shorten(kinds[0])


def _project(store: Store, iris: list[str], direction: str | None,
             with_units: bool) -> LineageNetwork:
    hops = _hops(store, iris, direction)
    cites = citations(store, {h["e"] for h in hops})
    terminal: dict[str, list[EventRef]] = defaultdict(list)
    edges: dict[tuple[str, str, str], tuple[str, str, EventRef]] = {}
    for h in hops:
        event = EventRef(h["e"], h["type"], h.get("date"), h.get("status"),
                         tuple(cites.get(h["e"], ())), h.get("confidence"))
        if h.get("r") is None:
            if event not in terminal[h["o"]]:
                terminal[h["o"]].append(event)
            continue
        edges[h["o"], h["r"], h["e"]] = (h["o"], h["r"], event)  # a later row wins, as in a graph
    memberships = _units(store, iris) if with_units else []
    lineage_hops = list(edges.values())
    lineage_nodes = _lineage_nodes(iris, lineage_hops)
    info = _node_info(store, lineage_nodes, memberships)
    return LineageNetwork(info, lineage_nodes, lineage_hops, memberships, dict(terminal))


def founding_types(store: Store) -> set[str]:
    """The event classes that are not lineage hops (NON_LINEAGE_EVENTS and their subclasses)."""
    return subclasses(store, NON_LINEAGE_EVENTS)


def _hop_rows(store: Store, restrict: str, pattern: str) -> list[dict]:
    """Hop rows with each event's most specific type, founding events left out."""
    rows = store.select_plain(_HOPS.format(restrict=restrict, pattern=pattern,
                                           event_types=among(store, "type", LIN.ChangeEvent)
                                           )).bindings()
    founding = founding_types(store)
    return [row for row in keep_most_specific(rows, "e", "type", superclasses(store))
            if str(row["type"]) not in founding]


def _hops(store: Store, iris: list[str], direction: str | None) -> list[dict]:
    anchors = {DOWN: ["o"], UP: ["r"], None: ["o", "r"]}[direction]
    rows = [row for anchor in anchors for chunk in _chunks(iris)
            for row in _hop_rows(store, f"VALUES ?{anchor} {{ {_values(chunk)} }}",
                                 _HOP_PATTERNS[anchor])]
    return _unique_hops(rows)


def _unique_hops(rows: list[dict]) -> list[dict]:
    seen, hops = set(), []
    for row in rows:
        hop = {
            "e": str(row["e"]), "type": shorten(str(row["type"])), "o": str(row["o"]),
            "r": str(row["r"]) if "r" in row else None,
            "status": shorten(str(row["status"])) if "status" in row else None,
            "date": DateValue.from_literal(row.get("date")),
            "confidence": shorten(str(row["confidence"])) if "confidence" in row else None,
        }
        key = (hop["e"], hop["o"], hop["r"], str(hop["date"]), hop["status"])
        if key not in seen:
            seen.add(key)
            hops.append(hop)
    return hops


def _units(store: Store, iris: list[str]) -> list[Membership]:
    rows = [r for chunk in _chunks(iris)
            for r in store.select_plain(_UNITS.format(values=_values(chunk))).rows]
    return _memberships(rows, citations(store, {str(r[0]) for r in rows}))


def _memberships(rows: list[tuple], cited: dict) -> list[Membership]:
    """Memberships from rows of ALL_MEMBERSHIPS or _UNITS (cells in the order they select
    them, as every whole-graph read takes them), each (member, unit, membership) once (of
    two rows for one, the later wins)."""
    found: dict[tuple[str, str, str], Membership] = {}
    for m, member, unit, role, start, end in rows:
        iri, member, unit = str(m), str(member), str(unit)
        found[member, unit, iri] = Membership(
            member, unit, iri, shorten(str(role)), DateValue.from_literal(start),
            DateValue.from_literal(end), tuple(cited.get(iri, ())))
    return list(found.values())


def _node_info(store: Store, lineage_nodes: list[str], memberships: list[Membership],
               whole: WholeGraph | None = None) -> dict[str, dict]:
    """Each node's most specific institution types, chosen English and Chinese labels and
    (earliest) date of establishment."""
    nodes = dict.fromkeys(lineage_nodes)
    for m in memberships:
        nodes.setdefault(m.member)
        nodes.setdefault(m.unit)
    if whole is not None:
        types = whole.institution_types
        established_pairs = whole.established
        labels = store.select_plain(_ALL_LABELS).rows
    else:
        facts = {kind: _node_facts(store, kind, nodes) for kind in _NODE_FACTS}
        types = defaultdict(set)
        for i, value in facts["type"]:
            types[i].add(value)
        established_pairs = [(i, DateValue.from_literal(v)) for i, v in facts["established"]]
        labels = facts["label"]
    supers = superclasses(store) if types else {}
    established: dict[str, DateValue] = {}
    for i, date in established_pairs:
        if date is not None and (i not in established or date.lexical < established[i].lexical):
            established[i] = date
    chosen = LabelChooser()
    chosen.add_all(labels, nodes)
    specific = _most_specific_memo(supers)
    english, chinese = chosen.english_names(), chosen.chinese_names()
    info = {}
    for n in nodes:
        data = info[n] = {"types": specific(types.get(n, ())), "established": established.get(n)}
        if n in english:
            data["label_en"] = english[n]
        if n in chinese:
            data["label_zh"] = chinese[n]
    return info


def _most_specific_memo(supers: dict[str, frozenset[str]]):
    """most_specific as a sorted tuple, computed once per distinct set of types (a whole
    graph has a few dozen such sets among tens of thousands of nodes)."""
    done: dict[frozenset, tuple[str, ...]] = {}

    def specific(types) -> tuple[str, ...]:
        key = frozenset(types)
        if key not in done:
            done[key] = tuple(sorted(most_specific(key, supers)))
        return done[key]

    return specific


def _node_facts(store: Store, kind: str, nodes: set[str]) -> list[tuple]:
    """(node, value) pairs of one kind of fact, for these nodes only."""
    pattern = _NODE_FACTS[kind].replace("{institution_types}",
                                        among(store, "value", LIN.Institution))
    return [r for chunk in _chunks(sorted(nodes)) for r in store.select_plain(_NODE_FACT.format(
        restrict=f"VALUES ?i {{ {_values(chunk)} }}", pattern=pattern)).rows]
