"""Check the graph: SHACL shapes (pySHACL) plus graph checks SHACL cannot express well."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from .. import paths
from ..namespaces import DERIVED_GRAPH, DERIVED_PROPERTIES, ONTOLOGY_GRAPH, SHAPES
from ..store.local import Store

_SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Violation:
    """One failed constraint: where (focus node, path, value), why (message) and which shape."""

    focus: Node
    path: Node | None
    value: Node | None
    message: str
    shape: URIRef | None
    severity: str = "Violation"
    constraint: URIRef | None = None
    sources: tuple[str, ...] = ()  # files the focus node is described in, when known


@dataclass
class ValidationReport:
    """The outcome of a validation; conforms is False when any Violation (not Warning) was found."""

    violations: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity != "Violation"]


def load_shapes() -> Graph:
    """A fresh shapes graph (pySHACL mutates the one it is given)."""
    shapes = Graph()
    shapes.parse(paths.shapes_file(), format="turtle")
    return shapes


def validate_graph(data: Graph) -> ValidationReport:
    """Validate an rdflib graph that already holds the ontology and the derived edges."""
    import pyshacl  # deferred: importing pySHACL costs about half a second

    _, results, _ = pyshacl.validate(
        data, shacl_graph=load_shapes(), inference="none", advanced=True,
        allow_warnings=True, abort_on_first=False,
    )
    return ValidationReport(sorted(_read_results(results), key=_sort_key))


def _read_results(results: Graph) -> list[Violation]:
    found = []
    # Only the report's own results: nested sh:detail results (from sh:node) are also typed
    # sh:ValidationResult and would be counted twice.
    for result in results.objects(None, SH.result):
        messages = [str(m) for m in results.objects(result, SH.resultMessage)]
        found.append(Violation(
            focus=results.value(result, SH.focusNode),
            path=results.value(result, SH.resultPath),
            value=results.value(result, SH.value),
            message="; ".join(sorted(messages)) or "constraint not met",
            shape=results.value(result, SH.sourceShape),
            severity=_SEVERITY_NAMES.get(results.value(result, SH.resultSeverity), "Violation"),
            constraint=results.value(result, SH.sourceConstraintComponent),
        ))
    return found


def _sort_key(v: Violation) -> tuple:
    return (v.severity != "Violation", str(v.focus), str(v.path or ""), v.message, str(v.value or ""))


def hand_written_derived_edges(store: Store) -> list[Violation]:
    """Derived shortcut properties found outside the derived graph (they are only ever computed)."""
    found = []
    for graph in store.graphs():
        if graph in (str(DERIVED_GRAPH), str(ONTOLOGY_GRAPH)):
            continue
        for s, p, o in store.graph_triples(graph):
            if p in DERIVED_PROPERTIES:
                found.append(Violation(
                    focus=s, path=p, value=o, shape=SHAPES.NoHandWrittenDerivedEdge,
                    message=f"{p} is derived from events and memberships on load; "
                            "state the event or membership instead of writing the edge",
                ))
    return found


def stated_with_shortcuts(store: Store) -> Graph:
    """What the shapes judge: every stated triple and the shortcut edges, without the RDFS
    closure the derived graph also carries (SHACL reads the data as stated; an inferred
    dcterms:source or type would hide a missing one, or report one problem twice)."""
    data = store.to_rdflib(exclude=[str(DERIVED_GRAPH)])
    for triple in store.graph_triples(str(DERIVED_GRAPH)):
        if triple[1] in DERIVED_PROPERTIES:
            data.add(triple)
    return data


def validate_store(store: Store, graph_names: dict[str, str] | None = None) -> ValidationReport:
    """SHACL plus graph checks over everything in a store; violations name their source files."""
    report = validate_graph(stated_with_shortcuts(store))
    report.violations.extend(hand_written_derived_edges(store))
    if graph_names:
        report.violations = [_with_sources(v, store, graph_names) for v in report.violations]
    report.violations.sort(key=_sort_key)
    return report


def _with_sources(v: Violation, store: Store, graph_names: dict[str, str]) -> Violation:
    if not isinstance(v.focus, URIRef):
        return v
    rows = store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{v.focus}> ?p ?o }} }}")
    files = tuple(sorted(graph_names[str(g)] for (g,) in rows if str(g) in graph_names))
    return Violation(**{**v.__dict__, "sources": files})
