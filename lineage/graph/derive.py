"""Materialise the shortcut edges (docs/architecture.md, derived edges) from events and memberships.

The edges live in their own named graph, rebuilt on load, so they are never hand-written
and never stale; after an import only the new file's events and memberships are derived.
The work is done inside the engine: CONSTRUCT queries whose triples are added to the
derived graph in one transaction (three times faster than the same SPARQL INSERT in
pyoxigraph), or, for sparql: stores, one SPARQL update run by the server. Establishment
and acceptance events are not successions (their originals are founders or the institution
itself): they give no edge.
Traversal in the library reads the events themselves, so it can show status.

The same graph carries the RDFS closure users expect from a SPARQL store, within lineage's
own vocabulary: every `lin:` superclass type of each typed resource (`?x a lin:Institution`
finds every centre, university...; `?e a lin:ChangeEvent` every conversion, merger...), and
every `lin:` superproperty triple of lineage's own properties. Superclasses and
superproperties from other vocabularies (org:Organization, prov:Activity, dcterms:source)
are not materialised: they would add three times as many triples to every import
(benchmarks/closure.py). The class and property trees are walked in Python
(lineage.classes), not with `rdfs:subClassOf*` paths that engines read differently; a
triple some other graph already states is not repeated, since the union default graph
would then count it twice.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from .classes import superclasses, superproperties
from .. import vocabulary
from ..namespaces import DERIVED_GRAPH, DERIVED_PROPERTIES, LIN, RDF
from ..store.local import Store

_SUBCLASSES = "SELECT DISTINCT ?c WHERE {{ ?c rdfs:subClassOf* <{base}> }}"

_EVENT_EDGES = """
WHERE {{
  GRAPH {scope} {{ ?e a ?type }} VALUES ?type {{ {types} }} {not_derived}
  GRAPH ?g2 {{ ?e lin:status ?status }} VALUES ?status {{ {statuses} }}
  GRAPH ?g3 {{ ?e org:originalOrganization ?o }}
  GRAPH ?g4 {{ ?e org:resultingOrganization ?r }}
}}"""

_UNIT_EDGES = """
WHERE {{
  GRAPH {scope} {{ ?m a org:Membership }} {not_derived}
  GRAPH ?g2 {{ ?m org:role <{role}> }}
  GRAPH ?g3 {{ ?m org:member ?member }}
  GRAPH ?g4 {{ ?m org:organization ?unit }}
  FILTER NOT EXISTS {{ GRAPH ?g5 {{ ?m lin:until ?until }} }}
}}"""

#: Superclass types not stated in any other graph; (?t ?super) pairs from lineage.classes.
_TYPE_CLOSURE = """
WHERE {{
  GRAPH {scope} {{ ?x a ?t }} {not_derived}
  VALUES (?t ?super) {{ {pairs} }}
  FILTER NOT EXISTS {{ GRAPH ?h {{ ?x a ?super }} FILTER(?h != <{derived}>) }}
}}"""

#: Superproperty triples of lineage's own properties stated in the data (the shortcut edges'
#: superproperties come with the edges themselves, see _with_superproperties).
_PROPERTY_CLOSURE = """
WHERE {{
  GRAPH {scope} {{ ?s ?p ?o }} {not_derived}
  VALUES (?p ?q) {{ {pairs} }}
  FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?q ?o }} FILTER(?h != <{derived}>) }}
}}"""


def _subclasses(store: Store, base) -> set[str]:
    return {str(c) for (c,) in store.select(_SUBCLASSES.format(base=base))} | {str(base)}


def _iris(items) -> str:
    return " ".join(f"<{i}>" for i in sorted(items))


#: Superclasses and superproperties are materialised when their IRI starts with this.
CLOSURE_NAMESPACE = str(LIN)


def _upwards(tree: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The tree with only the ancestors the closure materialises."""
    return {c: frozenset(s for s in ups if s.startswith(CLOSURE_NAMESPACE))
            for c, ups in tree.items()}


def _not_derived(scope: str) -> str:
    """A filter keeping a graph variable off the derived graph (nothing for one named graph)."""
    return f"FILTER({scope} != <{DERIVED_GRAPH}>)" if scope.startswith("?") else ""


def _pairs(pairs) -> str:
    return " ".join(f"(<{a}> <{b}>)" for a, b in sorted(pairs))


def _with_superproperties(template: str, supers: dict[str, frozenset[str]]) -> str:
    """A shortcut-edge template with a triple for each superproperty of its edges added (not
    the shortcut edges among them, which their own rules give: a conversion's
    lin:convertedInto edge comes with its lin:succeededBy)."""
    shortcuts = {str(p) for p in DERIVED_PROPERTIES}
    more = [f"{s} <{q}> {o}" for s, p, o in (t.split() for t in template.split(" . "))
            for q in sorted(supers.get(p[1:-1], ())) if q not in shortcuts]
    return " . ".join([template, *more])


def _closure_rules(store, scope: str, with_types: bool = True) -> list[tuple[str, str]]:
    """The superproperty triples (and, `with_types`, the superclass types) implied by the data
    in `scope`."""
    types = [(c, s) for c, ups in _upwards(superclasses(store)).items() for s in ups]
    types = types if with_types else []
    props = [(p, q) for p, ups in _upwards(superproperties(store)).items() if p.startswith(str(LIN))
             for q in ups]
    rules = []
    if types:
        rules.append((f"?x <{RDF.type}> ?super", _TYPE_CLOSURE.format(
            scope=scope, not_derived=_not_derived(scope), pairs=_pairs(types),
            derived=DERIVED_GRAPH)))
    if props:
        rules.append(("?s ?q ?o", _PROPERTY_CLOSURE.format(
            scope=scope, not_derived=_not_derived(scope), pairs=_pairs(props),
            derived=DERIVED_GRAPH)))
    return rules


def _rules(store, scope: str, with_types: bool = True) -> list[tuple[str, str]]:
    """(triple template, WHERE clause) of each kind of shortcut edge implied by the events and
    memberships in `scope` (a graph variable for all graphs, or one graph IRI), each edge with
    its superproperty triples, then the closure rules (the type closure only `with_types`)."""
    lineage_types = _subclasses(store, LIN.ChangeEvent) - _subclasses(store, LIN.Establishment) \
        - _subclasses(store, LIN.Acceptance)
    conversions = _subclasses(store, LIN.Conversion)
    mergers = _subclasses(store, LIN.Merger)
    settled = _iris([s.iri for s in vocabulary.SETTLED])
    pending = _iris([s.iri for s in vocabulary.PENDING])
    supers, not_derived = _upwards(superproperties(store)), _not_derived(scope)
    rules = []
    for types, statuses, template in (
            (lineage_types, settled, f"?o <{LIN.succeededBy}> ?r . ?r <{LIN.precededBy}> ?o"),
            (conversions, settled, f"?o <{LIN.convertedInto}> ?r"),
            (mergers, settled, f"?o <{LIN.mergedInto}> ?r"),
            (lineage_types, pending, f"?o <{LIN.pendingSuccessor}> ?r")):
        rules.append((_with_superproperties(template, supers), _EVENT_EDGES.format(
            scope=scope, types=_iris(types), statuses=statuses, not_derived=not_derived)))
    for role, edge in ((LIN.SupportingUnit, LIN.supportingUnit), (LIN.ManagingUnit, LIN.managingUnit)):
        rules.append((_with_superproperties(f"?member <{edge}> ?unit", supers),
                      _UNIT_EDGES.format(role=role, scope=scope, not_derived=not_derived)))
    return rules + _closure_rules(store, scope, with_types)


def derive_update(store, scope: str = "?g1") -> str:
    """The SPARQL update that adds the shortcut edges implied by events and memberships in
    `scope` (for stores whose engine runs elsewhere)."""
    return " ;\n".join(f"INSERT {{ GRAPH <{DERIVED_GRAPH}> {{ {template} }} }}\n{where}"
                        for template, where in _rules(store, scope))


def _add_edges(store, scope: str, rebuild: bool, stated_types: list | None = None) -> None:
    if store.is_remote:  # a remote engine: one update, run by the server
        drop = f"DROP SILENT GRAPH <{DERIVED_GRAPH}> ;\n" if rebuild else ""
        store.update(drop + derive_update(store, scope))
        return
    graph = ox.NamedNode(str(DERIVED_GRAPH))
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph)
             for template, where in _rules(store, scope, with_types=False)
             for t in store.construct(f"CONSTRUCT {{ {template} }}\n{where}")]
    quads.extend(_type_closure(store, scope, graph, stated_types))
    if rebuild:
        store.add_quads(quads, replace_graphs=[str(DERIVED_GRAPH)])
        return
    try:
        store.add_quads(quads, bulk=True)
    except Exception:
        # a bulk write can stop part-way: the derived graph follows from the data, so derive
        # all of it again in one transaction before the error goes on
        _add_edges(store, "?g1", rebuild=True)
        raise


def _type_closure(store: Store, scope: str, graph, stated_types: list | None = None) -> list:
    """The superclass types of every resource typed in `scope`, in Python: the same rule as
    _TYPE_CLOSURE, which the engine ran several times slower (a NOT EXISTS per candidate).
    The stated types come from `stated_types` (an import's own parse of the file) when given;
    else they are read one class at a time, so a row holds the subject alone (on a disk store
    each term of a row is a read of its own)."""
    supers = {c: ups for c, ups in _upwards(superclasses(store)).items() if ups}
    wanted = {s for ups in supers.values() for s in ups}
    if not supers:
        return []
    read = set(supers) | wanted
    stated: dict[str, set[str]] = defaultdict(set)
    if stated_types is not None and all(type(x) is ox.NamedNode for x, _ in stated_types):
        for x, cls in stated_types:  # blank nodes excepted: the store names them anew
            if cls in read:
                stated[x.value].add(cls)
    else:
        for cls in sorted(read):
            for (x,) in store.select_plain(_stated_of_class(scope, cls)):
                stated[x].add(cls)
    if not scope.startswith("?"):  # superclasses other graphs state must not be repeated
        for x, cls in store.select_plain(_stated_elsewhere(scope, wanted)):
            if x in stated:
                stated[x].add(cls)
    rdf_type, classes = ox.NamedNode(str(RDF.type)), {c: ox.NamedNode(c) for c in wanted}
    above: dict[frozenset, list] = {}  # a set of stated types -> the classes it implies
    quads = []
    for x, types in stated.items():
        key = frozenset(types)
        if key not in above:
            implied = set().union(*(supers.get(t, ()) for t in key)) - key
            above[key] = [classes[c] for c in sorted(implied)]
        if above[key]:
            node = _node(x)
            quads.extend(ox.Quad(node, rdf_type, c, graph) for c in above[key])
    return quads


def _node(term: str):
    """The engine's term for a plain subject: an IRI, or '_:id' for a blank node."""
    return ox.BlankNode(term[2:]) if term.startswith("_:") else ox.NamedNode(term)


def _stated_of_class(scope: str, cls: str) -> str:
    """A SELECT of the resources `scope` types as `cls`."""
    return f"SELECT ?x WHERE {{ GRAPH {scope} {{ ?x a <{cls}> }} {_not_derived(scope)} }}"


def _stated_elsewhere(scope: str, supers: set[str]) -> str:
    """A SELECT of the superclasses graphs other than `scope` (one graph) state, whoever
    they are about: few are stated, so this reads little."""
    kinds = ", ".join(f"<{c}>" for c in sorted(supers))
    return (f"SELECT ?x ?t WHERE {{ GRAPH ?g {{ ?x a ?t }} "
            f"FILTER(?g NOT IN (<{DERIVED_GRAPH}>, {scope})) FILTER(?t IN ({kinds})) }}")


def derive(store) -> None:
    """Rebuild the derived graph from everything loaded."""
    _add_edges(store, "?g1", rebuild=True)


def derive_graph(store, graph: str, stated_types: list | None = None) -> None:
    """Add the shortcut edges implied by one (newly imported) named graph. `stated_types`:
    the (subject, class IRI) pairs of the graph's lineage-class types, when the import has
    them already (see ingest.rdf.parse_rdf); otherwise they are read from the store."""
    _add_edges(store, f"<{graph}>", rebuild=False, stated_types=stated_types)

