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

import networkx as nx

from ..gcpause import paused_gc
from ..graph.classes import among, keep_most_specific, most_specific, subclasses, superclasses
from ..labels import LabelChooser
from ..model import DateValue, InstitutionRef, SourceRef
from ..namespaces import LIN, NON_LINEAGE_EVENTS, shorten
from ..graph.sources import chunks as _chunks, citations, values as _values
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

    def __post_init__(self):
        object.__setattr__(self, "pending", self.status in PENDING)


@dataclass
class LineageNetwork:
    """Institutions and their lineage hops (keyed by event) and, apart, their unit memberships."""

    lineage: nx.MultiDiGraph
    units: nx.MultiDiGraph
    terminal_events: dict[str, list[EventRef]]  # institution -> events with no result (dissolutions)
    spans: dict = field(default_factory=dict)  # institution -> Lifespan, once asked for

    def with_lifespans(self, store: Store, whole: bool = False) -> "LineageNetwork":
        """Attach the lifespan of every institution projected (see lineage.graph.existence);
        `whole` reads them in one query over the graph."""
        from ..graph.existence import lifespans
        from ..model import Lifespan

        nodes = set(self.lineage.nodes) | set(self.units.nodes)
        found = lifespans(store, None if whole else nodes)
        self.spans = {n: found.get(n) or Lifespan(n) for n in nodes}
        return self

    def ref(self, iri: str) -> InstitutionRef:
        data = self.lineage.nodes[iri] if iri in self.lineage else self.units.nodes.get(iri, {})
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
        frontier = (set(step.lineage.nodes) | set(step.units.nodes)) - seen
        seen |= frontier
    return seen


def all_institutions(store: Store) -> set[str]:
    types = among(store, "t", LIN.Institution)
    return {str(i) for (i,) in store.select_plain(_ALL_INSTITUTIONS.format(institution_types=types))}


def project(store: Store, institutions: Iterable[str], direction: str | None = None,
            with_units: bool = False, whole: bool = False) -> LineageNetwork:
    """Project the hops touching these institutions (from them downwards, upwards, or both).

    `whole` says the institutions are all there are: each kind of fact is then read in one
    query over the graph, instead of in VALUES chunks, and filtered here."""
    with paused_gc():
        return _project(store, sorted(set(institutions)), direction, with_units, whole)


def _project(store: Store, iris: list[str], direction: str | None, with_units: bool,
             whole: bool) -> LineageNetwork:
    lineage, units = nx.MultiDiGraph(), nx.MultiDiGraph()
    lineage.add_nodes_from(iris)
    hops = _all_hops(store, set(iris)) if whole else _hops(store, iris, direction)
    events = {h["e"] for h in hops}
    cites = citations(store, events, whole)
    terminal: dict[str, list[EventRef]] = defaultdict(list)
    for h in hops:
        event = EventRef(h["e"], h["type"], h.get("date"), h.get("status"),
                         tuple(cites.get(h["e"], ())), h.get("confidence"))
        if h.get("r") is None:
            if event not in terminal[h["o"]]:
                terminal[h["o"]].append(event)
            continue
        lineage.add_edge(h["o"], h["r"], key=h["e"], event=event)
    if with_units:
        _add_units(store, iris, units, whole)
    _add_node_data(store, lineage, units, whole=whole)
    return LineageNetwork(lineage, units, dict(terminal))


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


def _all_hops(store: Store, institutions: set[str]) -> list[dict]:
    """Every hop touching the institutions, read in one query (every hop has an original)."""
    rows = _hop_rows(store, "", _HOP_PATTERNS["o"])
    return _unique_hops([r for r in rows if r["o"] in institutions or r.get("r") in institutions])


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


def _add_units(store: Store, iris: list[str], units: nx.MultiDiGraph, whole: bool) -> None:
    if whole:
        wanted = set(iris)
        rows = [r for r in store.select_plain(ALL_MEMBERSHIPS).bindings()
                if r["member"] in wanted or r["unit"] in wanted]
    else:
        rows = [r for chunk in _chunks(iris) for r in
                store.select_plain(_UNITS.format(values=_values(chunk))).bindings()]
    more = citations(store, {str(r["m"]) for r in rows}, whole)
    for r in rows:
        units.add_edge(str(r["member"]), str(r["unit"]), key=str(r["m"]),
                       role=shorten(str(r["role"])), start=DateValue.from_literal(r.get("from")),
                       end=DateValue.from_literal(r.get("until")),
                       sources=tuple(more.get(str(r["m"]), ())))


def _add_node_data(store: Store, *graphs: nx.MultiDiGraph, whole: bool = False) -> None:
    nodes = {n for g in graphs for n in g.nodes}
    facts = {kind: _node_facts(store, kind, nodes, whole) for kind in _NODE_FACTS}
    supers = superclasses(store) if facts["type"] else {}
    established = {}
    for i, value in facts["established"]:
        established.setdefault(i, DateValue.from_literal(value))
    chosen = LabelChooser()
    for i, label in facts["label"]:
        chosen.add(i, label)
    types: dict[str, set[str]] = defaultdict(set)
    for i, value in facts["type"]:
        types[i].add(value)
    for g in graphs:
        for n in g.nodes:
            mine = types.get(n, set())
            specific = most_specific(mine, supers)
            labels = {slot: text for slot, text in (("label_en", chosen.english(n)),
                                                    ("label_zh", chosen.chinese(n))) if text}
            g.nodes[n].update(types=tuple(sorted(specific)), established=established.get(n),
                              **labels)


def _node_facts(store: Store, kind: str, nodes: set[str], whole: bool) -> list[tuple]:
    """(node, value) pairs of one kind of fact, for these nodes only."""
    pattern = _NODE_FACTS[kind].replace("{institution_types}",
                                        among(store, "value", LIN.Institution))
    if whole:  # one read of the whole graph; a node with no row has no such fact
        rows = store.select_plain(_NODE_FACT.format(restrict="", pattern=pattern)).rows
        return [r for r in rows if r[0] in nodes]
    return [r for chunk in _chunks(sorted(nodes)) for r in store.select_plain(_NODE_FACT.format(
        restrict=f"VALUES ?i {{ {_values(chunk)} }}", pattern=pattern)).rows]
