"""Safe, bounded SPARQL for untrusted queries: guard, then a limited worker, then formats.

The same path serves the library (`Lineage.query`), the CLI and the server.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib.term import Node

from ..store.local import Store
from . import engine
from .guard import (CheckedQuery, QueryError, QueryRefused, QuerySyntaxError, check,
                    substitute)
from .hints import explain_syntax_error, unknown_terms
from .results import FORMATS, QueryResult, RowDecoder, render
from .worker import (EngineSyntaxError, Limits, QueryBusy, QueryLimitExceeded, QueryTimeout,
                     QueryWorkerFailed, SandboxUnavailable, run_in_worker)

__all__ = ["FORMATS", "Limits", "QueryBusy", "QueryError", "QueryLimitExceeded", "QueryRefused",
           "QueryResult", "QuerySyntaxError", "QueryTimeout", "QueryWorkerFailed", "SandboxUnavailable",
           "check", "engine",
           "render", "run_query"]


def run_query(store: Store, text: str, limits: Limits = Limits(),
              bindings: Mapping[str, Node] | None = None, strict: bool = False) -> QueryResult:
    """Check an untrusted query, evaluate it in a bounded, sandboxed worker, and decode the
    answer. With `strict`, refuse to run it where no barrier below the guard holds.

    `bindings` pre-bind variables (canned-query parameters): each term is written into the
    query in SPARQL syntax (see guard.substitute) and the result is checked like any query.
    The result's `warnings` name `lin:` terms the ontology does not define (see hints).
    """
    text = substitute(text, bindings or {})
    checked: CheckedQuery = check(text)
    if strict and not engine.barriers(store):
        raise SandboxUnavailable()
    evaluate = engine.evaluator(store, checked.text, kind=checked.kind)
    try:
        raw = run_in_worker(evaluate, checked.kind, limits, RowDecoder())
    except EngineSyntaxError as exc:
        raise explain_syntax_error(str(exc), text) from None
    return QueryResult(checked.kind, raw.variables, raw.rows, raw.boolean, raw.truncated,
                       raw.seconds, unknown_terms(checked.text))
