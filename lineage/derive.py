"""Materialise the shortcut edges of DESIGN 4.6 from events and memberships.

The edges live in their own named graph, rebuilt on load, so they are never hand-written
and never stale; after an import only the new file's events and memberships are derived.
The work is one SPARQL update run inside the engine (or by the server, for sparql: stores),
so no triple travels through Python. Establishment and acceptance events are not
successions (their originals are founders or the institution itself): they give no edge.
Traversal in the library reads the events themselves, so it can show status.
"""

from __future__ import annotations

from .namespaces import DERIVED_GRAPH, LIN, PENDING_STATUSES, SETTLED_STATUSES
from .store import Store

_SUBCLASSES = "SELECT DISTINCT ?c WHERE {{ ?c rdfs:subClassOf* <{base}> }}"

_EVENT_EDGES = """
INSERT {{ GRAPH <{derived}> {{ {template} }} }}
WHERE {{
  GRAPH {scope} {{ ?e a ?type }} VALUES ?type {{ {types} }}
  GRAPH ?g2 {{ ?e lin:status ?status }} VALUES ?status {{ {statuses} }}
  GRAPH ?g3 {{ ?e org:originalOrganization ?o }}
  GRAPH ?g4 {{ ?e org:resultingOrganization ?r }}
}}"""

_UNIT_EDGES = """
INSERT {{ GRAPH <{derived}> {{ ?member <{edge}> ?unit }} }}
WHERE {{
  GRAPH {scope} {{ ?m a org:Membership }}
  GRAPH ?g2 {{ ?m org:role <{role}> }}
  GRAPH ?g3 {{ ?m org:member ?member }}
  GRAPH ?g4 {{ ?m org:organization ?unit }}
  FILTER NOT EXISTS {{ GRAPH ?g5 {{ ?m lin:until ?until }} }}
}}"""

_COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} }}"


def _subclasses(store: Store, base) -> set[str]:
    return {str(c) for (c,) in store.select(_SUBCLASSES.format(base=base))} | {str(base)}


def _iris(items) -> str:
    return " ".join(f"<{i}>" for i in sorted(items))


def derive_update(store: Store, scope: str = "?g1") -> str:
    """The SPARQL update that adds the shortcut edges implied by events and memberships in
    `scope` (a graph variable for all graphs, or one graph IRI)."""
    lineage_types = _subclasses(store, LIN.ChangeEvent) - _subclasses(store, LIN.Establishment) \
        - _subclasses(store, LIN.Acceptance)
    conversions = _subclasses(store, LIN.Conversion)
    mergers = _subclasses(store, LIN.Merger)
    settled, pending = _iris(SETTLED_STATUSES), _iris(PENDING_STATUSES)
    parts = []
    for types, statuses, template in (
            (lineage_types, settled, f"?o <{LIN.succeededBy}> ?r . ?r <{LIN.precededBy}> ?o"),
            (conversions, settled, f"?o <{LIN.convertedInto}> ?r"),
            (mergers, settled, f"?o <{LIN.mergedInto}> ?r"),
            (lineage_types, pending, f"?o <{LIN.pendingSuccessor}> ?r")):
        parts.append(_EVENT_EDGES.format(derived=DERIVED_GRAPH, template=template, scope=scope,
                                         types=_iris(types), statuses=statuses))
    for role, edge in ((LIN.SupportingUnit, LIN.supportingUnit), (LIN.ManagingUnit, LIN.managingUnit)):
        parts.append(_UNIT_EDGES.format(derived=DERIVED_GRAPH, edge=edge, role=role, scope=scope))
    return " ;\n".join(parts)


def derive(store: Store) -> int:
    """Rebuild the derived graph from everything loaded; returns the number of triples."""
    store.update(f"DROP SILENT GRAPH <{DERIVED_GRAPH}> ;\n" + derive_update(store))
    return _count(store)


def derive_graph(store: Store, graph: str) -> int:
    """Add the shortcut edges implied by one (newly imported) named graph."""
    store.update(derive_update(store, f"<{graph}>"))
    return _count(store)


def _count(store: Store) -> int:
    (n,), = store.select(_COUNT).rows
    return int(n.toPython())
