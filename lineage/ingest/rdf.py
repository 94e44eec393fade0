"""Read user RDF files strictly (pyoxigraph), after refusing hostile input.

RDF/XML and anything with a DOCTYPE or ENTITY declaration is refused before parsing: a 1 KB
entity bomb costs rdflib minutes and pyoxigraph gigabytes (security-findings 1.2). JSON-LD
remote contexts are never fetched (pyoxigraph has no loader set).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .problems import Problem

RDF_SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".turtle": ox.RdfFormat.TURTLE,
                ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
                ".nq": ox.RdfFormat.N_QUADS, ".jsonld": ox.RdfFormat.JSON_LD}
REFUSED_SUFFIXES = {".rdf": "RDF/XML", ".owl": "RDF/XML", ".xml": "XML", ".n3": "N3"}
_HOSTILE_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


def hostile_problem(name: str, data: bytes) -> Problem | None:
    """A problem when the bytes carry an XML DOCTYPE or ENTITY declaration."""
    for marker in _HOSTILE_MARKERS:
        index = data.find(marker)
        if index >= 0:
            line = data.count(b"\n", 0, index) + 1
            return Problem(name, "XML DOCTYPE/ENTITY declarations are refused (entity expansion "
                                 "attacks); export the data as Turtle or N-Triples", line=line)
    return None


def parse_rdf(name: str, data: bytes, fmt: ox.RdfFormat, graph: str) -> tuple[list, list[Problem]]:
    """All quads of a file, placed in `graph` when the file has triples; or its problems."""
    problem = hostile_problem(name, data)
    if problem:
        return [], [problem]
    target = ox.NamedNode(graph)
    try:
        quads = [ox.Quad(q.subject, q.predicate, q.object,
                         target if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name)
                 for q in ox.parse(data, format=fmt)]
    except SyntaxError as exc:
        message = str(getattr(exc, "msg", exc))
        message = message.split(": ", 1)[-1] if message.startswith("Parser error") else message
        return [], [Problem(name, message, line=exc.lineno, column=exc.offset)]
    return quads, []


def rdf_format(path: Path):
    return RDF_SUFFIXES.get(path.suffix.lower())
