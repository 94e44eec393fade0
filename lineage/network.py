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

from .allocation import paused_gc
from .model import DateValue, InstitutionRef, SourceRef
from .namespaces import LIN, NON_LINEAGE_EVENTS, shorten
from .sources import chunks as _chunks, citations, values as _values
from .store import Store

DOWN, UP = "down", "up"

_STEP = {
    DOWN: "^org:originalOrganization/org:resultingOrganization",
    UP: "^org:resultingOrganization/org:originalOrganization",
}

_REACH = "SELECT DISTINCT ?x WHERE {{ VALUES ?start {{ {starts} }} ?start ({step})* ?x }}"

_HOPS = """
SELECT ?e ?type ?o ?r ?status ?date ?confidence WHERE {{
  {restrict}
  {pattern}
  ?e a ?type . ?type rdfs:subClassOf* lin:ChangeEvent .
  FILTER NOT EXISTS {{ ?e a ?sub . ?sub rdfs:subClassOf+ ?type . FILTER(?sub != ?type) }}
  FILTER(?type NOT IN ({founding}))
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

_ALL_UNITS = """
SELECT ?m ?member ?unit ?role ?from ?until WHERE {
  ?m a org:Membership ; org:member ?member ; org:organization ?unit ; org:role ?role .
  OPTIONAL { ?m lin:from ?from } OPTIONAL { ?m lin:until ?until }
}"""

#: What a node shows, one query per property (together, OPTIONALs multiply the rows).
_NODE_FACTS = {
    "type": "?i a ?value . ?value rdfs:subClassOf* lin:Institution .",
    "label": "?i rdfs:label ?value .",
    "established": "?i lin:established ?value .",
}
_NODE_FACT = "SELECT ?i ?value WHERE {{ {restrict} {pattern} }}"
_SUPERCLASSES = "SELECT ?sub ?super WHERE { ?sub rdfs:subClassOf+ ?super FILTER(?sub != ?super) }"

_ALL_INSTITUTIONS = "SELECT DISTINCT ?i WHERE { ?i a ?t . ?t rdfs:subClassOf* lin:Institution }"

#: Statuses that are not settled: shown, but marked as pending.
PENDING = {shorten(str(s)) for s in (LIN.Planned, LIN.Applied, LIN.InProgress)}


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
        """Attach the lifespan of every institution projected (see lineage.existence);
        `whole` reads them in one query over the graph."""
        from .existence import lifespans
        from .model import Lifespan

        nodes = set(self.lineage.nodes) | set(self.units.nodes)
        found = lifespans(store, None if whole else nodes)
        self.spans = {n: found.get(n) or Lifespan(n) for n in nodes}
        return self

    def ref(self, iri: str) -> InstitutionRef:
        data = self.lineage.nodes[iri] if iri in self.lineage else self.units.nodes.get(iri, {})
        return InstitutionRef(iri, data.get("label_en"), data.get("label_zh"),
                              tuple(data.get("types", ())))


def reach(store: Store, starts: Iterable[str], direction: str) -> set[str]:
    """Every institution reachable from the starts through lineage events in one direction."""
    starts = sorted(set(starts))
    found: set[str] = set(starts)
    for chunk in _chunks(starts):
        rows = store.select_plain(_REACH.format(starts=_values(chunk), step=_STEP[direction]))
        found.update(str(x) for (x,) in rows)
    return found


def all_institutions(store: Store) -> set[str]:
    return {str(i) for (i,) in store.select_plain(_ALL_INSTITUTIONS)}


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


def founding_types(store: Store) -> str:
    """The event classes that are not lineage hops (NON_LINEAGE_EVENTS and their subclasses),
    as a SPARQL list, so queries can filter on a bound type instead of a path per event."""
    rows = store.select_plain(f"SELECT DISTINCT ?c WHERE {{ VALUES ?f {{ {_values(NON_LINEAGE_EVENTS)} }} "
                        "?c rdfs:subClassOf* ?f }")
    return ", ".join(f"<{c}>" for c in sorted({str(c) for (c,) in rows} |
                                               {str(c) for c in NON_LINEAGE_EVENTS}))


def _hops(store: Store, iris: list[str], direction: str | None) -> list[dict]:
    anchors = {DOWN: ["o"], UP: ["r"], None: ["o", "r"]}[direction]
    founding = founding_types(store)
    rows = [row for anchor in anchors for chunk in _chunks(iris)
            for row in store.select_plain(_HOPS.format(
                restrict=f"VALUES ?{anchor} {{ {_values(chunk)} }}",
                pattern=_HOP_PATTERNS[anchor], founding=founding)).bindings()]
    return _unique_hops(rows)


def _all_hops(store: Store, institutions: set[str]) -> list[dict]:
    """Every hop touching the institutions, read in one query (every hop has an original)."""
    rows = store.select_plain(_HOPS.format(restrict="", pattern=_HOP_PATTERNS["o"],
                                           founding=founding_types(store))).bindings()
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
        rows = [r for r in store.select_plain(_ALL_UNITS).bindings()
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
    supers = _superclasses(store) if facts["type"] else {}
    established = {}
    for i, value in facts["established"]:
        established.setdefault(i, DateValue.from_literal(value))
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for i, label in facts["label"]:
        lang = (getattr(label, "language", None) or "").lower()
        slot = "label_zh" if lang.startswith("zh") else "label_en"
        if slot not in labels[i] or lang in ("en", "zh"):
            labels[i][slot] = str(label)
    types: dict[str, set[str]] = defaultdict(set)
    for i, value in facts["type"]:
        types[i].add(value)
    for g in graphs:
        for n in g.nodes:
            mine = types.get(n, set())
            specific = {t for t in mine if not any(t in supers.get(o, ()) for o in mine)}
            g.nodes[n].update(types=tuple(sorted(specific)), established=established.get(n),
                              **labels.get(n, {}))


def _node_facts(store: Store, kind: str, nodes: set[str], whole: bool) -> list[tuple]:
    """(node, value) pairs of one kind of fact, for these nodes only."""
    pattern = _NODE_FACTS[kind]
    if whole:  # one read of the whole graph; a node with no row has no such fact
        rows = store.select_plain(_NODE_FACT.format(restrict="", pattern=pattern)).rows
        return [r for r in rows if r[0] in nodes]
    return [r for chunk in _chunks(sorted(nodes)) for r in store.select_plain(_NODE_FACT.format(
        restrict=f"VALUES ?i {{ {_values(chunk)} }}", pattern=pattern)).rows]


def _superclasses(store: Store) -> dict[str, set[str]]:
    """Every class and its superclasses (transitively), to keep a node's most specific types."""
    supers: dict[str, set[str]] = defaultdict(set)
    for sub, sup in store.select_plain(_SUPERCLASSES).rows:
        supers[sub].add(sup)
    return supers
