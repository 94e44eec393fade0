"""A SPARQL 1.1 endpoint as the store (`--store sparql:QUERY_URL[,UPDATE_URL]`).

For teams sharing one graph, or graphs larger than one machine: point lineage at Oxigraph,
Apache Jena Fuseki, GraphDB, Virtuoso, QLever... The endpoint must expose the union of its
named graphs as the default graph (Oxigraph: --union-default-graph; Fuseki:
tdb2:unionDefaultGraph true). Without an update endpoint the store is read-only.
"""

from __future__ import annotations

import functools
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from ..errors import UsageError
from ..namespaces import GRAPH, sparql_prologue
from .local import (Rows, TermMemo, parse_spec, parsed_quads, read_input_file, rdf_format_for, rows_of,
                    to_oxigraph, to_plain, to_rdflib)

_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_TIMEOUT = 60.0
_GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
#: What a graph answer (CONSTRUCT, DESCRIBE) is asked as: every server writes one of these,
#: and Virtuoso answers a JSON Accept with a results table instead of triples.
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_PARSERS = [("sparql-results+json", "results", ox.QueryResultsFormat.JSON),
            ("application/json", "results", ox.QueryResultsFormat.JSON),
            ("sparql-results+xml", "results", ox.QueryResultsFormat.XML),
            ("turtle", "rdf", ox.RdfFormat.TURTLE),
            ("n-triples", "rdf", ox.RdfFormat.N_TRIPLES),
            ("text/plain", "rdf", ox.RdfFormat.N_TRIPLES),
            ("rdf+xml", "rdf", ox.RdfFormat.RDF_XML),
            ("ld+json", "rdf", ox.RdfFormat.JSON_LD)]


def _nt(term) -> str:
    """A pyoxigraph term in N-Triples/SPARQL syntax (escaped by pyoxigraph itself)."""
    return str(term)


@dataclass(frozen=True)
class RemoteQuery:
    """A query to send to the endpoint from the query worker (a forked child)."""

    url: str
    query: str
    timeout: float = _TIMEOUT
    graph: bool = False  # a CONSTRUCT or DESCRIBE

    def __call__(self):
        return _request_results(self.url, self.query, self.timeout, self.graph)


def _post(url: str, data: dict, accept: str, timeout: float) -> tuple[str, bytes]:
    """The endpoint's answer: (its content type, its body)."""
    body = urllib.parse.urlencode(data).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
        "User-Agent": "lineage"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - user's endpoint
            return response.headers.get("Content-Type", "").lower(), response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"the SPARQL endpoint answered {exc.code}: "
                         f"{detail[0] if detail else exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(f"cannot reach the SPARQL endpoint {url}: {reason}") from None


def _request_results(url: str, query: str, timeout: float, graph: bool = False):
    """The endpoint's answer as pyoxigraph results (solutions, boolean or triples), read by
    the content type the server declares."""
    accept = _GRAPH_ACCEPT if graph else f"{_RESULTS_JSON}, application/sparql-results+xml;q=0.8"
    content_type, data = _post(url, {"query": query}, accept, timeout)
    for marker, kind, fmt in _PARSERS:
        if marker in content_type:
            break
    else:
        kind, fmt = ("results", ox.QueryResultsFormat.JSON) if data.lstrip().startswith(b"{") \
            else ("rdf", ox.RdfFormat.N_TRIPLES)
    if kind == "results":
        return ox.parse_query_results(data, format=fmt)
    return ox.parse(data, format=fmt)


class RemoteStore:
    """The Store interface over a SPARQL 1.1 Protocol endpoint."""

    path = None
    is_remote = True

    def __init__(self, spec: str):
        self.spec = spec
        self.warnings: list[str] = []  # what the caller should tell the user (see loading)
        self.generation = 0  # bumped by every write lineage makes (see lineage.graph.classes)
        urls = parse_spec(spec).location.split(",")
        self.query_url = urls[0].strip()
        self.update_url = urls[1].strip() if len(urls) > 1 and urls[1].strip() else None
        if not self.query_url.startswith(("http://", "https://")):
            raise UsageError(f"store {spec!r}: use sparql:http(s)://host/query[,http(s)://host/update]")
        self.read_only = self.update_url is None

    def close(self) -> None:
        """Nothing to release: every request is its own connection."""

    def flush(self) -> None:
        """Nothing to flush: the server makes its writes durable itself."""

    # -- reading -------------------------------------------------------------------------
    def _results(self, query: str, graph: bool = False):
        return _request_results(self.query_url, sparql_prologue() + query, _TIMEOUT, graph)

    def select(self, query: str) -> Rows:
        return rows_of(self._results(query), TermMemo(to_rdflib))

    def select_plain(self, query: str) -> Rows:
        return rows_of(self._results(query), to_plain)

    @functools.cached_property
    def speaks_lateral(self) -> bool:
        """Whether the server reads LATERAL (Oxigraph and Jena do): such servers run the canned
        queries as written; others get their portable forms (lineage/queries/portable/)."""
        try:
            self.select("SELECT ?x WHERE { BIND(1 AS ?x) LATERAL { SELECT ?x WHERE { } } }")
        except UsageError:
            return False
        return True

    def remote_query(self, query: str, kind: str = "SELECT") -> "RemoteQuery":
        """A checked user query, ready for a one-off worker to send to the server."""
        return RemoteQuery(self.query_url, sparql_prologue() + query, graph=kind in _GRAPH_FORMS)

    def on_change(self, listener) -> None:
        """Nothing to drop: a remote store's queries always read the server's current data."""

    def graphs(self) -> list[str]:
        """lineage's named graphs on the server (not the server's own system graphs)."""
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                           f"FILTER(STRSTARTS(STR(?g), \"{GRAPH}\")) }}")
        return sorted(str(g) for (g,) in rows)

    def quads(self, graphs: Iterable[str]) -> list:
        found = []
        for graph in graphs:
            g = ox.NamedNode(graph)
            triples = self._results(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                                    graph=True)
            found.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)
        return found

    def graph_triples(self, graph: str) -> list[tuple[Node, Node, Node]]:
        return [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
                for q in self.quads([graph])]

    def to_rdflib(self, exclude: Iterable[str] = ()) -> Graph:
        graphs = [g for g in self.graphs() if g not in set(exclude)]
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in self.quads(graphs))
        graph = Graph()
        graph.parse(data=(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode(),
                    format="nt")
        return graph

    def construct(self, query: str) -> list:
        return list(self._results(query, graph=True))

    def __len__(self) -> int:
        """Triples in lineage's named graphs (the server's system graphs are not counted)."""
        (count,), = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                f"FILTER(STRSTARTS(STR(?g), \"{GRAPH}\")) }}").rows
        return int(count.toPython())

    # -- writing -------------------------------------------------------------------------
    def _update(self, update: str) -> None:
        if self.update_url is None:
            raise UsageError(f"store {self.spec} is read-only: give an update endpoint as "
                             "sparql:QUERY_URL,UPDATE_URL")
        self.generation += 1
        _post(self.update_url, {"update": update}, "*/*", _TIMEOUT * 10)

    def update(self, update: str) -> None:
        self._update(sparql_prologue() + update)

    def add_quads(self, quads: list, replace_graphs: Iterable[str] = (), bulk: bool = False) -> None:
        """One update request: drop the replaced graphs, insert everything (atomic on servers
        that apply an update request as one transaction, as Oxigraph and Fuseki do; `bulk`
        changes nothing here)."""
        drops = "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g in replace_graphs)
        body = "\n".join(f"GRAPH {_nt(q.graph_name)} {{ {_nt(q.subject)} {_nt(q.predicate)} "
                         f"{_nt(q.object)} }}" for q in quads)
        if any(isinstance(term, ox.BlankNode) for q in quads for term in (q.subject, q.object)):
            # blank nodes are not allowed in INSERT DATA by some servers (Virtuoso); in an
            # INSERT template each label makes one fresh blank node, as the data means
            self._update(f"{drops}INSERT {{\n{body}\n}} WHERE {{}}")
        else:
            self._update(f"{drops}INSERT DATA {{\n{body}\n}}")

    def replace_graph(self, graph: str, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        g = ox.NamedNode(graph)
        quads = [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), g) for s, p, o in triples]
        self.add_quads(quads, replace_graphs=[graph])

    def load_file(self, path: Path, graph: str) -> None:
        self.load_bytes(read_input_file(path), rdf_format_for(path), graph, str(path))

    def load_bytes(self, data: bytes, fmt, graph: str, name: str, bulk: bool = False,
                   replace: bool = False, checked: bool = False) -> None:
        """Parse RDF locally (strictly) and send it to the server in one update."""
        quads = parsed_quads(data, fmt, graph, name)
        self.add_quads(quads, replace_graphs=[graph] if replace else ())

    def load_store_graph(self, other, graph: str) -> None:
        self.add_quads(other.quads([graph]))
