"""The query page `lineage serve` shows at `/`, and the JSON answers its script reads from `/run`.

One HTML page with its script and style inline, allowed by hash in a Content-Security-Policy
that permits requests to the server itself and nothing else. Data reaches the page as a JSON
island (canned queries, prefixes) or as JSON from `/run` (rows, errors), and the script inserts
every string as text. In results, an IRI that is an institution carries its English and
Chinese labels and the path of its served view; other IRIs carry their prefixed names.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Literal, URIRef

from ...version import __version__
from ...model import InstitutionRef
from ...namespaces import PREFIXES, shorten
from ..scripts import own_script
from ..views.page import _inline_safe, csp_hash, json_island

_HERE = Path(__file__).resolve().parent
_SLOT = re.compile(r"\{\{([A-Z]+)\}\}")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: The served view of one institution (see server.App._view).
VIEW_PATH = "/view?focus="


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    """The page's fixed parts, read once: template, script, style."""
    read = lambda name: (_HERE / name).read_text(encoding="utf-8")  # noqa: E731
    return {"template": read("page.html"),
            "js": _inline_safe(own_script(_HERE / "query.js"), "query.js"),
            "css": _inline_safe(read("query.css"), "query.css")}


def content_security_policy() -> str:
    """Only this page's own script and style run; requests go to this server only."""
    parts = _assets()
    return "; ".join([
        "default-src 'none'",
        f"script-src {csp_hash(parts['js'])}",
        f"style-src {csp_hash(parts['css'])}",
        "connect-src 'self'",
        "img-src 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ])


def _island(data) -> str:
    """A JSON island with '/' escaped too, so the page text holds no URL (JSON reads '\\/'
    as '/')."""
    return json_island(data).replace("/", "\\/")


def render_page(canned: Iterable) -> str:
    """The query page: the canned queries (in the form this store runs) and the prefixes."""
    data = {
        "canned": [{"name": q.name, "title": q.title, "description": q.description,
                    "text": q.text,
                    "params": [{"name": p.name, "type": p.type, "default": p.default,
                                "description": p.description} for p in q.params]}
                   for q in canned],
        "prefixes": sorted(PREFIXES.items()),
    }
    parts = _assets()
    slots = {"VERSION": html.escape(__version__, quote=True), "CSS": parts["css"],
             "JS": parts["js"], "DATA": _island(data)}
    return _SLOT.sub(lambda m: slots[m.group(1)], parts["template"])


def result_iris(result) -> set[str]:
    """Every IRI a SELECT result holds (to look up which are institutions)."""
    if result.kind != "SELECT":
        return set()
    return {str(t) for row in result.rows for t in row if isinstance(t, URIRef)}


def _cell(term, refs: Mapping[str, InstitutionRef]) -> dict | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        value = {"type": "uri", "value": str(term), "short": shorten(str(term))}
        ref = refs.get(str(term))
        if ref is not None:
            value.update(label=ref.label_en, zh=ref.label_zh,
                         view=VIEW_PATH + urllib.parse.quote(str(term), safe=""))
        return value
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    value = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal) and term.language:
        value["lang"] = term.language
    elif (isinstance(term, Literal) and term.datatype is not None
          and str(term.datatype) != _XSD_STRING):
        value["datatype"] = shorten(str(term.datatype))
    return value


def result_json(result, refs: Mapping[str, InstitutionRef]) -> dict:
    """A query's answer for the page: rows of cells, institutions labelled and linked."""
    answer = {"kind": result.kind, "truncated": result.truncated,
              "seconds": round(result.seconds, 4)}
    if result.kind == "ASK":
        answer["boolean"] = bool(result.boolean)
    elif result.is_graph:
        from ...sparql.results import to_turtle

        answer.update(count=len(result.rows), turtle=to_turtle(result))
    else:
        answer.update(variables=list(result.variables),
                      rows=[[_cell(t, refs) for t in row] for row in result.rows])
    return answer


def error_json(exc: Exception) -> dict:
    """An error for the page: its message, and where a syntax error lies (line and column,
    1-based, in the text that ran) with any hint the parser gave."""
    answer: dict = {"error": str(exc)}
    for name in ("line", "column"):
        value = getattr(exc, name, None)
        if isinstance(value, int):
            answer[name] = value
    hint = getattr(exc, "hint", None)
    if isinstance(hint, str) and hint:
        answer["hint"] = hint
    return answer
