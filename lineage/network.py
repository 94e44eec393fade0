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
  VALUES ?{anchor} {{ {values} }}
  {pattern}
  ?e a ?type . ?type rdfs:subClassOf* lin:ChangeEvent .
  FILTER NOT EXISTS {{ ?e a ?sub . ?sub rdfs:subClassOf+ ?type . FILTER(?sub != ?type) }}
  FILTER(?type NOT IN ({founding}))
  OPTIONAL {{ ?e lin:status ?status }} OPTIONAL {{ ?e dcterms:date ?date }}
  OPTIONAL {{ ?e lin:confidence ?confidence }}
}}"""

#: Hops from originals (results optional: a dissolution has none), or into results.
_HOP_PATTERNS = {
    "o": "?e org:originalOrganization ?o . OPTIONAL {{ ?e org:resultingOrganization ?r }}",
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

_NODES = """
SELECT ?i ?type ?label ?established WHERE {{
  VALUES ?i {{ {values} }}
  OPTIONAL {{ ?i a ?type . ?type rdfs:subClassOf* lin:Institution .
             FILTER NOT EXISTS {{ ?i a ?sub . ?sub rdfs:subClassOf+ ?type . FILTER(?sub != ?type) }} }}
  OPTIONAL {{ ?i rdfs:label ?label }}
  OPTIONAL {{ ?i lin:established ?established }}
}}"""

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

    def ref(self, iri: str) -> InstitutionRef:
        data = self.lineage.nodes[iri] if iri in self.lineage else self.units.nodes.get(iri, {})
        return InstitutionRef(iri, data.get("label_en"), data.get("label_zh"),
                              tuple(data.get("types", ())))


def reach(store: Store, starts: Iterable[str], direction: str) -> set[str]:
    """Every institution reachable from the starts through lineage events in one direction."""
    starts = sorted(set(starts))
    found: set[str] = set(starts)
    for chunk in _chunks(starts):
        rows = store.select(_REACH.format(starts=_values(chunk), step=_STEP[direction]))
        found.update(str(x) for (x,) in rows)
    return found


def all_institutions(store: Store) -> set[str]:
    return {str(i) for (i,) in store.select(_ALL_INSTITUTIONS)}


def project(store: Store, institutions: Iterable[str], direction: str | None = None,
            with_units: bool = False) -> LineageNetwork:
    """Project the hops touching these institutions (from them downwards, upwards, or both)."""
    iris = sorted(set(institutions))
    lineage, units = nx.MultiDiGraph(), nx.MultiDiGraph()
    lineage.add_nodes_from(iris)
    hops = _hops(store, iris, direction)
    events = {h["e"] for h in hops}
    cites = citations(store, events)
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
        _add_units(store, iris, units, cites)
    _add_node_data(store, lineage, units)
    return LineageNetwork(lineage, units, dict(terminal))


def founding_types(store: Store) -> str:
    """The event classes that are not lineage hops (NON_LINEAGE_EVENTS and their subclasses),
    as a SPARQL list, so queries can filter on a bound type instead of a path per event."""
    rows = store.select(f"SELECT DISTINCT ?c WHERE {{ VALUES ?f {{ {_values(NON_LINEAGE_EVENTS)} }} "
                        "?c rdfs:subClassOf* ?f }")
    return ", ".join(f"<{c}>" for c in sorted({str(c) for (c,) in rows} |
                                               {str(c) for c in NON_LINEAGE_EVENTS}))


def _hops(store: Store, iris: list[str], direction: str | None) -> list[dict]:
    anchors = {DOWN: ["o"], UP: ["r"], None: ["o", "r"]}[direction]
    founding = founding_types(store)
    seen, hops = set(), []
    for anchor in anchors:
        for chunk in _chunks(iris):
            for row in store.select(_HOPS.format(anchor=anchor, values=_values(chunk),
                                                    pattern=_HOP_PATTERNS[anchor].format(),
                                                    founding=founding)).bindings():
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


def _add_units(store: Store, iris: list[str], units: nx.MultiDiGraph, cites: dict) -> None:
    rows = [r for chunk in _chunks(iris) for r in
            store.select(_UNITS.format(values=_values(chunk))).bindings()]
    more = citations(store, {str(r["m"]) for r in rows})
    for r in rows:
        units.add_edge(str(r["member"]), str(r["unit"]), key=str(r["m"]),
                       role=shorten(str(r["role"])), start=DateValue.from_literal(r.get("from")),
                       end=DateValue.from_literal(r.get("until")),
                       sources=tuple(more.get(str(r["m"]), ())))


def _add_node_data(store: Store, *graphs: nx.MultiDiGraph) -> None:
    nodes = sorted({n for g in graphs for n in g.nodes})
    data: dict[str, dict] = defaultdict(lambda: {"types": set(), "established": None})
    for chunk in _chunks(nodes):
        for row in store.select(_NODES.format(values=_values(chunk))).bindings():
            d = data[str(row["i"])]
            if "type" in row:
                d["types"].add(str(row["type"]))
            label = row.get("label")
            if label is not None:
                lang = (label.language or "").lower()
                slot = "label_zh" if lang.startswith("zh") else "label_en"
                if slot not in d or lang in ("en", "zh"):
                    d[slot] = str(label)
            if "established" in row and d["established"] is None:
                d["established"] = DateValue.from_literal(row["established"])
    for g in graphs:
        for n in g.nodes:
            attrs = dict(data[n])
            attrs["types"] = tuple(sorted(attrs["types"]))
            g.nodes[n].update(attrs)
