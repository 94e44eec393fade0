"""Query results as the library returns them, and in the output formats `lineage query` writes."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..namespaces import PREFIXES, XSD, shorten
from ..store.local import TermMemo, to_oxigraph

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

    #: IRIs -> InstitutionRef for the labelled ones; set by the facade (see Lineage.query).
    labeller: Callable[[set[str]], dict] | None = field(default=None, repr=False, compare=False)

    def to_dicts(self, labels: bool = True) -> list[dict[str, Any]]:
        """Each row as {variable: plain Python value} (see python_value); unbound is None.
        With `labels`, a "<var>_label" entry follows each variable that holds labelled
        IRIs (unless the query has a <var>Label of its own): the English name, else the
        Chinese. ASK gives [{"ask": True/False}]."""
        if self.kind == "ASK":
            return [{"ask": bool(self.boolean)}]
        columns = self._columns(labels)
        return [{name: value(row) for name, value in columns} for row in self.rows]

    def to_pandas(self, labels: bool = True):
        """The rows as a pandas DataFrame of plain Python values (see to_dicts); needs the
        optional extra: pip install 'lineage[notebook]'."""
        try:
            import pandas
        except ImportError:
            raise ImportError("QueryResult.to_pandas needs pandas, which comes with the "
                              "notebook extra: pip install 'lineage[notebook]'") from None
        if self.kind == "ASK":
            return pandas.DataFrame({"ask": [bool(self.boolean)]})
        columns = self._columns(labels)
        return pandas.DataFrame([[value(row) for _, value in columns] for row in self.rows],
                                columns=[name for name, _ in columns])

    def _columns(self, labels: bool) -> list[tuple[str, Callable]]:
        """(name, row -> value) for each output column, label columns after their variable."""
        refs = self._labels() if labels else {}
        columns: list[tuple[str, Callable]] = []
        for i, var in enumerate(self.variables):
            precisions = {str(row[i].datatype) for row in self.rows
                          if isinstance(row[i], Literal) and str(row[i].datatype) in _DATES}
            as_text = len(precisions) > 1
            columns.append((var, lambda row, i=i, t=as_text: python_value(row[i], t)))
            if f"{var}Label" in self.variables or f"{var}_label" in self.variables:
                continue  # the query names it already
            if any(isinstance(row[i], URIRef) and str(row[i]) in refs for row in self.rows):
                columns.append((f"{var}_label", lambda row, i=i: _label(refs, row[i])))
        return columns

    def _labels(self, rows: list | None = None) -> dict:
        """InstitutionRef by IRI for the labelled IRIs in the rows (empty without a labeller)."""
        if self.labeller is None:
            return {}
        iris = {str(t) for row in (self.rows if rows is None else rows) for t in row
                if isinstance(t, URIRef)}
        return {i: ref for i, ref in self.labeller(iris).items()
                if ref.label_en or ref.label_zh} if iris else {}

    def _repr_html_(self) -> str:
        """The rows as an HTML table, labelled IRIs shown by English and Chinese name."""
        from ..html_repr import MAX_ROWS, esc, name_cell, result_html

        rows = self.rows[:MAX_ROWS]
        refs = self._labels(rows)

        def cell(term):
            ref = refs.get(str(term)) if isinstance(term, URIRef) else None
            text = esc(display(term)).replace("\n", "<br>")
            return f"{name_cell(ref)}<br><small>{text}</small>" if ref else text

        cells = [[cell(t) for t in row] for row in rows]
        return result_html(self, cells)


def display(term: Node | None) -> str:
    """A result term as tables show it: prefixed IRIs, blank nodes as _:id, literals as text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return shorten(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _label(refs: dict, term) -> str | None:
    ref = refs.get(str(term)) if isinstance(term, URIRef) else None
    return (ref.label_en or ref.label_zh) if ref else None


_INTEGERS = {str(XSD[t]) for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                   "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                   "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOATS = {str(XSD.decimal), str(XSD.double), str(XSD.float)}
_DATES = {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)}
_BOOLEAN, _DATE, _DATETIME, _YEAR = (str(XSD.boolean), str(XSD.date), str(XSD.dateTime),
                                     str(XSD.gYear))


def python_value(term: Node | None, dates_as_text: bool = False) -> Any:
    """A plain Python value for a result cell: IRIs as prefixed names (full IRI outside the
    project's prefixes), numbers as int or float, booleans as bool, xsd:date as
    datetime.date, xsd:dateTime as datetime.datetime, xsd:gYear as an int year; anything
    else, a gYearMonth included (no day is invented), as its text. With `dates_as_text`
    (a column mixing day, month and year precision) dates stay ISO text, which sorts."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return shorten(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    if term.datatype is None:
        return str(term)
    text, datatype = str(term), str(term.datatype)
    if dates_as_text and datatype in _DATES:
        return text
    try:
        if datatype in _INTEGERS:
            return int(text)
        if datatype in _FLOATS:
            return float(text)
        if datatype == _BOOLEAN:
            return {"true": True, "1": True, "false": False, "0": False}[text.strip()]
        if datatype == _DATE:
            return datetime.date.fromisoformat(text)
        if datatype == _DATETIME:
            return datetime.datetime.fromisoformat(text)
        if datatype == _YEAR and text.lstrip("-").isdigit():
            return int(text)
    except (ValueError, KeyError):
        pass  # an ill-typed literal stays text
    return text


# -- formats ---------------------------------------------------------------------------------
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
    """The result as csv, tsv, json or (for graph results) ttl; the text table is an output of
    the terminal (lineage.outputs.terminal.render_query_result)."""
    if fmt == "ttl":
        if not result.is_graph:
            from .guard import QueryError

            raise QueryError("the ttl format is for CONSTRUCT and DESCRIBE queries; "
                             "use table, csv, tsv or json for SELECT and ASK")
        return to_turtle(result)
    return {"csv": to_csv, "tsv": to_tsv, "json": to_json}[fmt](result)
