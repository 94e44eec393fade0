"""Safe, bounded SPARQL for untrusted queries: guard, then a limited worker, then formats.

The same path serves the library (`Lineage.query`), the CLI and the server.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib.term import Node

from ..store import Store, to_oxigraph
from .guard import CheckedQuery, QueryError, QueryRefused, QuerySyntaxError, check
from .results import FORMATS, QueryResult, decode, render
from .worker import Limits, QueryLimitExceeded, QueryTimeout, run_in_worker

__all__ = ["FORMATS", "Limits", "QueryError", "QueryLimitExceeded", "QueryRefused", "QueryResult",
           "QuerySyntaxError", "QueryTimeout", "check", "render", "run_query"]


def run_query(store: Store, text: str, limits: Limits = Limits(),
              bindings: Mapping[str, Node] | None = None) -> QueryResult:
    """Check an untrusted query, evaluate it in a bounded worker, and decode the answer.

    `bindings` pre-bind variables (canned-query parameters) without touching the query text.
    """
    checked: CheckedQuery = check(text)
    evaluate = store.evaluator(checked.text, {k: to_oxigraph(v) for k, v in (bindings or {}).items()})
    raw = run_in_worker(evaluate, checked.kind, limits)
    rows = [tuple(decode(t) for t in row) for row in raw.rows]
    return QueryResult(checked.kind, raw.variables, rows, raw.boolean, raw.truncated, raw.seconds)
