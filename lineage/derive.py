"""Materialise the shortcut edges of DESIGN 4.6 from events and memberships.

The edges live in their own named graph, rebuilt on every load, so they are never hand-written
and never stale. Traversal in the library reads the events themselves (to show status).
"""

from __future__ import annotations

from .namespaces import DERIVED_GRAPH, LIN, PENDING_STATUSES, SETTLED_STATUSES
from .store import Store


def _values(terms) -> str:
    return " ".join(f"<{t}>" for t in terms)


_EVENT_EDGES = """
SELECT DISTINCT ?o ?r ?type WHERE {{
  ?e a ?type . ?type rdfs:subClassOf* lin:ChangeEvent .
  ?e org:originalOrganization ?o ; org:resultingOrganization ?r ; lin:status ?status .
  VALUES ?status {{ {statuses} }}
}}"""

_CURRENT_UNITS = """
SELECT DISTINCT ?member ?unit ?role WHERE {{
  ?m a org:Membership ; org:member ?member ; org:organization ?unit ; org:role ?role .
  VALUES ?role {{ {roles} }}
  FILTER NOT EXISTS {{ ?m lin:until ?until }}
}}"""


def derived_triples(store: Store) -> set[tuple]:
    """Every shortcut triple the current events and memberships imply."""
    triples: set[tuple] = set()
    settled = store.select(_EVENT_EDGES.format(statuses=_values(SETTLED_STATUSES)))
    for original, result, event_type in settled:
        triples.add((original, LIN.succeededBy, result))
        triples.add((result, LIN.precededBy, original))
        if event_type == LIN.Conversion:
            triples.add((original, LIN.convertedInto, result))
        elif event_type == LIN.Merger:
            triples.add((original, LIN.mergedInto, result))
    pending = store.select(_EVENT_EDGES.format(statuses=_values(PENDING_STATUSES)))
    for original, result, _ in pending:
        triples.add((original, LIN.pendingSuccessor, result))
    role_to_edge = {LIN.SupportingUnit: LIN.supportingUnit, LIN.ManagingUnit: LIN.managingUnit}
    units = store.select(_CURRENT_UNITS.format(roles=_values(role_to_edge)))
    for member, unit, role in units:
        triples.add((member, role_to_edge[role], unit))
    return triples


def derive(store: Store) -> int:
    """Rebuild the derived graph; returns the number of shortcut triples."""
    triples = derived_triples(store)
    store.replace_graph(str(DERIVED_GRAPH), sorted(triples))
    return len(triples)
