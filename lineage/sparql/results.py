"""Query results as the library returns them, and in the output formats `lineage query` writes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..namespaces import PREFIXES, shorten
from ..store import TermMemo, to_oxigraph

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

FORMATS = ("table", "csv", "tsv", "json", "ttl")


def decode(term) -> Node | None:
    """An rdflib term from the worker's encoded tuple (see worker.encode)."""
    if term is None:
        return None
    tag = term[0]
    if tag == "u":
        return URIRef(term[1])
    if tag == "b":
        return BNode(term[1])
    if tag == "t":
        raise ValueError("RDF-star triple terms are not supported in results")
    _, text, lang, datatype = term
    if lang:
        return Literal(text, lang=lang)
    return Literal(text, datatype=None if datatype in (None, _XSD_STRING) else URIRef(datatype))


class RowDecoder:
    """Decodes result rows batch by batch, each distinct term once (see TermMemo)."""

    def __init__(self):
        self._term = TermMemo(decode)

    def __call__(self, rows: list[tuple]) -> list[tuple[Node | None, ...]]:
        return [tuple(map(self._term, row)) for row in rows]


@dataclass
class QueryResult:
    """SELECT rows, an ASK answer, or CONSTRUCT/DESCRIBE triples (as rows of three)."""

    kind: str
    variables: list[str]
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # e.g. lin: terms the ontology lacks

    def bindings(self) -> list[dict[str, Node]]:
        """Each row as a mapping from variable name to its bound term (unbound names left out)."""
        return [{v: t for v, t in zip(self.variables, row) if t is not None} for row in self.rows]

    def __iter__(self) -> Iterator[tuple[Node | None, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def is_graph(self) -> bool:
        return self.kind in ("CONSTRUCT", "DESCRIBE")


# -- formats ---------------------------------------------------------------------------------
def _display(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return shorten(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def to_table(result: QueryResult) -> str:
    from ..terminal import table

    if result.kind == "ASK":
        return "true" if result.boolean else "false"
    text = table(result.variables, [[_display(t) for t in row] for row in result.rows])
    return text + f"\n({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}" + (
        ", TRUNCATED at --max-rows)" if result.truncated else ")")


def _csv_value(term: Node | None) -> str:
    if term is None:
        return ""
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV: plain values, full IRIs, CRLF line ends."""
    if result.kind == "ASK":
        return "true\r\n" if result.boolean else "false\r\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(result.variables)
    writer.writerows([_csv_value(t) for t in row] for row in result.rows)
    return out.getvalue()


def _tsv_term(term: Node | None) -> str:
    """A term for TSV results: literals on one line, with tab, newline and return escaped."""
    if term is None:
        return ""
    if isinstance(term, Literal):
        return str(to_oxigraph(term))
    return term.n3()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results TSV: terms in Turtle syntax, `?var` headers."""
    if result.kind == "ASK":
        return "true\n" if result.boolean else "false\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _json_term(term: Node) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    value = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype is not None:
        value["datatype"] = str(term.datatype)
    return value


def to_json(result: QueryResult, compact: bool = False) -> str:
    """SPARQL 1.1 Query Results JSON (with "truncated": true added when rows were cut);
    `compact` drops the indentation (the C encoder is 3x faster without it)."""
    if result.kind == "ASK":
        data: dict = {"head": {}, "boolean": bool(result.boolean)}
    else:
        data = {"head": {"vars": result.variables},
                "results": {"bindings": [{v: _json_term(t) for v, t in zip(result.variables, row)
                                          if t is not None} for row in result.rows]}}
    if result.truncated:
        data["truncated"] = True
    return json.dumps(data, ensure_ascii=False, indent=None if compact else 1)


def to_turtle(result: QueryResult) -> str:
    """CONSTRUCT/DESCRIBE triples as Turtle with the project prefixes."""
    graph = Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)
    for s, p, o in result.rows:
        graph.add((s, p, o))
    return graph.serialize(format="turtle")


def render(result: QueryResult, fmt: str) -> str:
    """The result in one of FORMATS; ttl only for graph results, table/csv/tsv/json for rows."""
    if fmt == "ttl" or (result.is_graph and fmt == "table"):
        if not result.is_graph:
            from .guard import QueryError

            raise QueryError("--format ttl is for CONSTRUCT and DESCRIBE queries; "
                             "use table, csv, tsv or json for SELECT and ASK")
        return to_turtle(result)
    return {"table": to_table, "csv": to_csv, "tsv": to_tsv, "json": to_json}[fmt](result)
