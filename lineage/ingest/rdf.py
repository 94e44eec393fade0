"""Read user RDF files strictly (pyoxigraph), after refusing hostile input.

RDF/XML and anything with a DOCTYPE or ENTITY declaration is refused before parsing: a 1 KB
entity bomb costs rdflib minutes and pyoxigraph gigabytes (security-findings 1.2). JSON-LD
remote contexts are never fetched (pyoxigraph has no loader set).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import DERIVED_PROPERTIES, LIN, RDF, shorten
from ..store.local import RDF_FORMATS
from .problems import Problem

_DERIVED = frozenset(str(p) for p in DERIVED_PROPERTIES)
_RDF_TYPE, _LIN = str(RDF.type), str(LIN)

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


MAX_JSON_DEPTH = 128  # the JSON-LD parser recurses per level; 4,000 levels crash the process
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth_problem(name: str, data: bytes, fmt: ox.RdfFormat) -> Problem | None:
    """A problem when a JSON-LD document nests deeper than MAX_JSON_DEPTH (checked on the
    bytes, before the parser sees them)."""
    if fmt != ox.RdfFormat.JSON_LD:
        return None
    depth = 0
    for token in _JSON_TOKENS.finditer(data):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return Problem(name, f"JSON nested more than {MAX_JSON_DEPTH} levels deep",
                               line=data.count(b"\n", 0, token.start()) + 1)
        elif bracket in (b"]", b"}"):
            depth -= 1
    return None


def parse_rdf(name: str, data: bytes, fmt: ox.RdfFormat, graph: str, keep: bool = True,
              typed: list | None = None) -> tuple[list, list[Problem]]:
    """All quads of a file, each placed in the file's own `graph` whatever graph the file names
    (so an import never writes into the ontology, derived, meta or another file's graph); or
    its problems (syntax, a derived shortcut edge). With keep=False only problems are collected.
    `typed` collects (subject, class IRI) of each rdf:type statement naming a lineage class,
    which the derive step needs and would otherwise read back from the store."""
    problem = hostile_problem(name, data) or json_depth_problem(name, data, fmt)
    if problem:
        return [], [problem]
    target = ox.NamedNode(graph)
    quads, derived = [], {}
    try:
        for q in ox.parse(data, format=fmt):
            predicate = q.predicate.value
            if predicate in _DERIVED:
                derived.setdefault(predicate, q.predicate)
            elif typed is not None and predicate == _RDF_TYPE:
                kind = q.object
                if type(kind) is ox.NamedNode and kind.value.startswith(_LIN):
                    typed.append((q.subject, kind.value))
            if keep:
                quads.append(ox.Quad(q.subject, q.predicate, q.object, target))
    except SyntaxError as exc:
        message = str(getattr(exc, "msg", exc))
        message = message.split(": ", 1)[-1] if message.startswith("Parser error") else message
        return [], [Problem(name, message, line=exc.lineno, column=exc.offset)]
    problems = [_derived_edge(name, data, p) for p in derived.values()]
    return ([] if problems else quads), problems


def _derived_edge(name: str, data: bytes, predicate: ox.NamedNode) -> Problem:
    """A file states a shortcut edge, which only the derive step may write."""
    return Problem(name, f"states {shorten(predicate.value)}, a shortcut edge that is derived "
                         "from events and memberships, never imported; state the event or "
                         "membership instead",
                   line=_line_of(data, str(predicate), predicate.value.rsplit("#", 1)[-1]))


def _line_of(data: bytes, *needles: str) -> int | None:
    """The line where the first of `needles` first occurs in the file, if any does."""
    for needle in needles:
        index = data.find(needle.encode("utf-8")) if needle else -1
        if index >= 0:
            return data.count(b"\n", 0, index) + 1
    return None


def rdf_format(path: Path):
    """The parser for a file name, or None when lineage does not read RDF of that kind."""
    return RDF_FORMATS.get(path.suffix.lower())
