"""Fill a store with what a command needs: the ontology, the bundled graph, the user's --data.

In memory everything is parsed on each run (pyoxigraph parses the bundled graph in
milliseconds). An on-disk store (oxigraph:DIR) is filled once: later runs open it read-only
without re-parsing, and refresh the ontology and bundled graph only when the installed
package carries different ones (a fingerprint is kept in the store's meta graph).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import DCTERMS

from .. import paths
from ..graph.derive import derive
from ..errors import UsageError
from ..namespaces import GRAPH, ONTOLOGY_GRAPH, ONTOLOGY_IRI
from ..store.local import LocalStore, Store, StoreSpec, parse_spec

META_GRAPH = GRAPH["meta"]


def bundle_fingerprint() -> str:
    """A digest of the package version, the ontology and the bundled graph files."""
    return paths.digest([*paths.ontology_files(), *paths.graph_files()])


def bundled_graph(path: Path) -> str:
    return str(GRAPH["bundled/" + path.name])


def load_bundle(store: Store, bundled: bool = True) -> dict[str, str]:
    """Load the ontology (and the bundled graph) into a store; returns graph -> file name."""
    names = {str(ONTOLOGY_GRAPH): "ontology"}
    store.replace_graph(str(ONTOLOGY_GRAPH), [])
    for path in paths.ontology_files():
        store.load_file(path, str(ONTOLOGY_GRAPH))
    if bundled:
        for path in paths.graph_files():
            store.replace_graph(bundled_graph(path), [])
            store.load_file(path, bundled_graph(path))
            names[bundled_graph(path)] = f"graphs/{path.name}"
    return names


def load_data_files(store: Store, files: Sequence[str | Path], names: dict[str, str]) -> None:
    """Add the user's --data files, each into its own named graph (RDF, CSV or YAML)."""
    from . import import_files

    files = [Path(f) for f in files]
    if not files:
        return
    report = import_files(store, files, validate=False, graph_prefix=f"data/{len(names)}")
    for file, graph in report.graphs.items():
        names[graph] = file


def graph_names(store: Store) -> dict[str, str]:
    """Named graph -> the file it came from, for an already filled store."""
    names = {}
    for graph in store.graphs():
        tail = graph.rsplit("/graph/", 1)[-1]
        if tail.startswith("bundled/"):
            names[graph] = "graphs/" + tail.split("/", 1)[1]
        elif tail == "ontology":
            names[graph] = "ontology"
        elif tail.startswith("import/"):
            names[graph] = "imported " + tail.split("/", 1)[1]
    return names


def open_store(spec: str | None, data: Sequence[str | Path] = (), bundled: bool = True,
               writable: bool = False) -> tuple[Store, dict[str, str]]:
    """A store ready for questions: memory (filled now) or on disk (filled once, kept)."""
    parsed = parse_spec(spec)
    if parsed.kind == "memory":
        store = LocalStore.open("memory")
        names = load_bundle(store, bundled)
        load_data_files(store, data, names)
        derive(store)
        return store, names
    if data:
        error = UsageError("data files are added for one session of the in-memory store only; "
                           f"to add them to {spec}, import them into it")
        error.parameter = "data"
        raise error
    store = _open_on_disk(parsed, writable)
    return store, graph_names(store)


def _open_on_disk(parsed: StoreSpec, writable: bool) -> Store:
    fingerprint = bundle_fingerprint()
    spec = parsed.text
    if parsed.kind == "sparql":
        return _open_remote(spec, fingerprint)
    if not writable and Path(parsed.location).is_dir():
        store = LocalStore.open(spec, writable=False)
        if _stored_fingerprint(store) == fingerprint:
            return store
        store.close()
    store = LocalStore.open(spec, writable=True)
    if _stored_fingerprint(store) != fingerprint:
        _fill(store, fingerprint)
        store.flush()
        if not writable:  # filled once; from now on read-only, like every later open
            store.close()
            return LocalStore.open(spec, writable=False)
    return store


#: How to make each server's default graph the union of its named graphs.
UNION_DEFAULT_GRAPH_HELP = (
    "start Oxigraph with `oxigraph serve --union-default-graph` (or `serve-read-only "
    "--union-default-graph`), or give Apache Jena Fuseki's dataset `tdb2:unionDefaultGraph "
    "true`; Virtuoso queries every graph by default")


def ontology_version() -> str:
    """The owl:versionInfo of the ontology this package ships."""
    for path in paths.ontology_files():
        found = re.search(r'owl:versionInfo\s+"([^"]+)"', path.read_text(encoding="utf-8"))
        if found:
            return found.group(1)
    return "unknown"


def _open_remote(spec: str, fingerprint: str):
    """A SPARQL endpoint, recognised by the lineage data it holds (the ontology's header in
    its default graph), not by a private marker: a read-only endpoint loaded from any export
    works. With an update endpoint, lineage loads its ontology and bundled graph once."""
    from ..store.remote import RemoteStore

    store = RemoteStore(spec)
    if not store.read_only and _stored_fingerprint(store) != fingerprint:
        _fill(store, fingerprint)
        return store
    found = _ontology_versions(store)
    if not found["default"]:
        if found["named"]:
            raise UsageError(f"the default graph of {spec} is not the union of its named graphs "
                             f"(the lineage data sits in named graphs, so every answer would be "
                             f"empty): {UNION_DEFAULT_GRAPH_HELP}")
        raise UsageError(f"{spec} holds no lineage graph (no lineage ontology in its default "
                         "graph): load lineage's N-Quads export (format nq) into it, or give its update "
                         "endpoint (sparql:QUERY_URL,UPDATE_URL) so lineage can load the "
                         "bundled graph once")
    ours = ontology_version()
    if ours not in found["default"]:
        store.warnings.append(f"{spec} holds lineage ontology version "
                              f"{', '.join(sorted(found['default']))}; this lineage ships "
                              f"{ours}: answers may differ from the bundled graph's")
    return store


def _ontology_versions(store) -> dict[str, set[str]]:
    """The ontology versions the endpoint holds in its default graph and in named graphs."""
    header = f"<{ONTOLOGY_IRI}> owl:versionInfo ?v"
    default = {str(v) for (v,) in store.select(f"SELECT DISTINCT ?v WHERE {{ {header} }}")}
    named = set() if default else {
        str(v) for (v,) in store.select(f"SELECT DISTINCT ?v WHERE {{ GRAPH ?g {{ {header} }} }}")}
    return {"default": default, "named": named}


def _fill(store, fingerprint: str) -> None:
    """Load the ontology and bundled graph, derive, and stamp the fingerprint."""
    load_bundle(store)
    derive(store)
    store.replace_graph(str(META_GRAPH), [(META_GRAPH, DCTERMS.hasVersion, Literal(fingerprint))])


def _stored_fingerprint(store: Store) -> str | None:
    rows = store.select(f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> dcterms:hasVersion ?v }} }}")
    return str(rows.rows[0][0]) if rows.rows else None
