"""Between a store and rdflib: the loaded graphs as an rdflib Dataset, and an rdflib Graph or
Dataset as named graphs to put in a store (for notebooks that already hold rdflib data)."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from .namespaces import GRAPH, PREFIXES

#: The named graph that a plain Graph, or a Dataset's default graph, is put in.
RDFLIB_GRAPH = str(GRAPH["rdflib"])


def to_dataset(store, graphs: Iterable[str]) -> Dataset:
    """These named graphs of a store as an rdflib Dataset (project prefixes bound)."""
    dataset = Dataset()
    for prefix, iri in PREFIXES.items():
        dataset.bind(prefix, iri)
    for name in graphs:
        graph = dataset.graph(URIRef(name))
        for triple in store.graph_triples(name):
            graph.add(triple)
    return dataset


def named_graphs(data: Graph | Dataset) -> dict[str, list]:
    """{named-graph IRI: triples} for a Graph (all in RDFLIB_GRAPH) or a Dataset (its named
    graphs kept, its default graph in RDFLIB_GRAPH); empty graphs are left out."""
    if not isinstance(data, Graph):
        raise TypeError(f"expected an rdflib Graph or Dataset, not {type(data).__name__}")
    if not isinstance(data, Dataset):
        return {RDFLIB_GRAPH: list(data)} if len(data) else {}
    found: dict[str, list] = {}
    for graph in data.graphs():
        triples = list(graph)
        if not triples:
            continue
        name = RDFLIB_GRAPH if graph.identifier == DATASET_DEFAULT_GRAPH_ID else str(graph.identifier)
        found.setdefault(name, []).extend(triples)
    return found
