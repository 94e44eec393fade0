"""First safety layer for untrusted SPARQL: parse once, refuse what reaches outside the graph.

A query pasted from a paper or a colleague must never reach the network or the file system.
rdflib's parser reads the query; we walk the whole parse tree (iteratively, so nesting cannot
exhaust the stack) and refuse SERVICE in any form or place, any FROM / FROM NAMED dataset
clause, and every update (LOAD, INSERT, DELETE, CLEAR, ...). See security-findings 1.4.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..errors import LineageError
from ..namespaces import PREFIXES

#: rdflib's SPARQL grammar (pyparsing) is not thread-safe: one parse at a time (findings 6).
_PARSE_LOCK = threading.Lock()

_KINDS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
          "DescribeQuery": "DESCRIBE"}
_UPDATE_NAMES = {"Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE",
                 "Add": "ADD", "Move": "MOVE", "Copy": "COPY", "InsertData": "INSERT DATA",
                 "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE", "Modify": "DELETE/INSERT"}


class QueryError(LineageError):
    """A query that cannot be run: malformed, refused, or it hit a limit (exit 2)."""


class QueryRefused(QueryError):
    """The query uses a construct that could reach outside the graph, or is an update."""

    def __init__(self, construct: str, reason: str):
        self.construct = construct
        super().__init__(f"{construct} is not allowed: {reason}")


class QuerySyntaxError(QueryError):
    """A malformed query; the message shows line, column and a caret under the query text."""

    def __init__(self, message: str, line: int, column: int, text: str):
        self.line, self.column = line, column
        lines = text.split("\n") or [""]  # pyparsing counts lines at "\n" only
        shown = lines[line - 1] if 0 < line <= len(lines) else ""
        caret = " " * max(0, column - 1) + "^"
        super().__init__(f"SPARQL syntax error at line {line}, column {column}: {message}\n"
                         f"  {shown}\n  {caret}")


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guard: its text (evaluated as is) and its form."""

    text: str
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE


def check(text: str) -> CheckedQuery:
    """Parse a query once and refuse anything that could reach the network or file system."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    with _PARSE_LOCK:
        try:
            parsed = parseQuery(text)
        except ParseException as exc:
            _refuse_if_update(text)
            raise QuerySyntaxError(_syntax_message(exc), exc.lineno, exc.col, text) from None
        _refuse_outside_access(parsed)
        try:
            translateQuery(parsed, initNs=PREFIXES)
        except Exception as exc:  # undefined prefix, bad aggregate, ...: rdflib's own wording
            raise QueryError(f"SPARQL error: {_first_line(exc)}") from None
    return CheckedQuery(text, _KINDS.get(parsed[1].name, parsed[1].name))


def _walk(tree):
    """Every node of a parse tree, depth-first, without recursion."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or hasattr(node, "asList"):
            stack.extend(list(node))


def _refuse_outside_access(parsed) -> None:
    for node in _walk(parsed):
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE", "queries may not call other endpoints")
        if name == "DatasetClause" or (isinstance(node, dict) and dict.get(node, "datasetClause")):
            named = any(dict.get(n, "named") for n in _walk(node) if isinstance(n, dict))
            raise QueryRefused("FROM NAMED" if named else "FROM",
                               "queries run over the loaded graph only; use GRAPH to pick a named graph")


def _refuse_if_update(text: str) -> None:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        update = parseUpdate(text)
    except ParseException:
        return
    names = [getattr(op, "name", "") for op in update.get("request", [])]
    construct = next((_UPDATE_NAMES[n] for n in names if n in _UPDATE_NAMES), "UPDATE")
    raise QueryRefused(construct, "updates are not run by `lineage query`; use `lineage import`")


def _syntax_message(exc) -> str:
    message = str(exc.msg)
    return message[0].lower() + message[1:] if message else "unexpected input"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
