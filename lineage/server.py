"""`lineage serve`: a read-only SPARQL 1.1 Protocol endpoint, the HTML views and a query page.

Bound to 127.0.0.1 unless told otherwise. A loopback server is still reachable from the
user's browser, and any page the user has open can send it a form POST (no CORS needed). So
requests whose Host header is not an allowed name are refused (DNS rebinding), and so are
requests whose Origin or Sec-Fetch-Site header says another site sent them; no CORS header is
ever sent; bodies and URLs are size-limited; idle and half-sent connections time out; every
query goes through the same guard and sandboxed worker pool as `lineage query`, and when the
pool and its queue are full the answer is 503 with Retry-After.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xml_escape

from rdflib import BNode, URIRef

from .errors import LineageError, UsageError
from .namespaces import FORMATS, SD

MAX_BODY = 1 << 20  # bytes
MAX_URL = 16 * 1024
IDLE_SECONDS = 15  # a connection that sends nothing (or half a request) for this long is closed
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")

_RESULT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
_GRAPH_TYPES = {"text/turtle": "ttl", "application/x-turtle": "ttl",
                "application/n-triples": "nt", "text/plain": "nt",
                "application/ld+json": "jsonld", "application/rdf+xml": "rdfxml"}
_CONTENT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
                  "ttl": "text/turtle; charset=utf-8", "nt": "application/n-triples",
                  "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml",
                  "html": "text/html; charset=utf-8"}
_GRAPH_FORMATS = ("ttl", "nt", "jsonld", "rdfxml")
#: What a SPARQL 1.1 Protocol client may name instead of FROM / FROM NAMED; refused alike.
_DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ServerConfig:
    allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES
    timeout: float = 30.0
    max_rows: int = 10_000
    memory_mb: int = 2048


def _error(status: int, message: str) -> Response:
    return Response(status, (message.rstrip() + "\n").encode("utf-8"))


def _host_name(host: str) -> str:
    """The name part of a Host header or an origin's netloc, lower case: 'localhost',
    '127.0.0.1' or '[::1]'."""
    name = host.strip().lower()
    return name.split("]")[0] + "]" if name.startswith("[") else name.split(":")[0]


def _one(params: dict, name: str, default: str | None = None) -> str | None:
    return (params.get(name) or [default])[0]


def _int_param(params: dict, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter in [low, high], or a UsageError naming it."""
    value = _one(params, name) or str(default)
    if not value.isdigit() or not low <= int(value) <= high:
        raise UsageError(f"{name}={value[:40]!r}: give a whole number from {low} to {high}")
    return int(value)


def _choice_param(params: dict, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _one(params, name) or default
    if value not in choices:
        raise UsageError(f"{name}={value[:40]!r}: give one of {', '.join(choices)}")
    return value


class App:
    """Request handling as a plain function of method, path, headers and body (testable)."""

    def __init__(self, lineage, config: ServerConfig = ServerConfig()):
        self.lineage, self.config = lineage, config
        self._page: bytes | None = None

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
        headers = {k.lower(): v for k, v in headers.items()}
        response = self._dispatch(method, target, headers, body)
        response.headers = {**_SECURITY_HEADERS, **response.headers}
        return response

    def _dispatch(self, method, target, headers, body) -> Response:
        if len(target) > MAX_URL:
            return _error(414, "request URL too long")
        if not self._host_allowed(headers.get("host", "")):
            return _error(403, "forbidden host: this server answers only to "
                               + ", ".join(self.config.allowed_hosts))
        cross_site = self._cross_site(headers)
        if cross_site:
            return _error(403, f"forbidden: {cross_site}; this server answers only its own "
                               "pages and direct requests (curl, scripts, notebooks)")
        if len(body) > MAX_BODY:
            return _error(413, f"request body over {MAX_BODY} bytes")
        if method not in ("GET", "POST", "HEAD"):
            return _error(405, "this endpoint is read-only: GET and POST queries only")
        url = urllib.parse.urlsplit(target)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        routes = {"/": self._home, "/sparql": self._sparql, "/query": self._sparql,
                  "/view": self._view, "/trace": self._trace, "/run": self._run}
        route = routes.get(url.path.rstrip("/") or "/")
        if route is None:
            return _error(404, f"no such page: {url.path}")
        return self._answer_errors(route, method, params, headers, body)

    @staticmethod
    def _answer_errors(route, method, params, headers, body) -> Response:
        """Domain errors as 400 (bad request) or 503 (a limit, or busy: try again); anything
        else as a plain 500 that leaks nothing (no traceback, no path)."""
        try:
            return route(method, params, headers, body)
        except LineageError as exc:
            response = _error(_status_of(exc), str(exc))
            response.headers.update(_retry_after(exc))
            return response
        except Exception as exc:  # noqa: BLE001 - a bug: say so, never a traceback
            return _error(500, f"internal error ({type(exc).__name__}); see the server log")

    def _host_allowed(self, host: str) -> bool:
        return _host_name(host) in self.config.allowed_hosts

    def _cross_site(self, headers: dict[str, str]) -> str:
        """Why a browser says another site sent this request, or '' when none did.
        Sec-Fetch-Site is sent by current browsers; Origin by older ones on POST."""
        fetch_site = headers.get("sec-fetch-site", "").strip().lower()
        if fetch_site in ("cross-site", "same-site"):
            return f"the browser marks this request {fetch_site}"
        origin = headers.get("origin")
        if origin is None:
            return ""
        parts = urllib.parse.urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not self._host_allowed(parts.netloc):
            return f"request sent from another origin ({origin.strip()[:80]})"
        return ""

    # -- SPARQL protocol -------------------------------------------------------------------
    def _sparql(self, method, params, headers, body) -> Response:
        query, fmt, update = self._query_and_format(method, params, headers, body)
        if update:
            return _error(403, "this endpoint is read-only: updates go through `lineage import`")
        dataset = self._dataset_parameter(method, params, headers, body)
        if dataset:
            return _error(400, f"{dataset} is not allowed: queries run over the loaded graph "
                               "only (the default graph is the union of every named graph; "
                               "use GRAPH to pick one)")
        if not query and method in ("GET", "HEAD"):
            return self._service_description(headers)
        if not query:
            return _error(400, "no query: send query=... (GET or form POST) or an "
                               "application/sparql-query body")
        result = self.lineage.query(query, timeout=self.config.timeout,
                                    max_rows=self.config.max_rows, memory_mb=self.config.memory_mb)
        return self._answer(result, fmt, headers)

    def _query_and_format(self, method, params, headers, body):
        """The query text, the requested format, and whether an update was attempted."""
        fmt = (params.get("format") or [None])[0]
        content_type = headers.get("content-type", "").split(";")[0].strip()
        if method == "POST" and content_type == "application/sparql-update":
            return "", fmt, True
        if method == "POST" and content_type == "application/sparql-query":
            return body.decode("utf-8", "replace"), fmt, "update" in params
        form = {}
        if method == "POST":
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            fmt = (form.get("format") or [fmt])[0]
        query = (form.get("query") or params.get("query") or [""])[0]
        return query, fmt, "update" in form or "update" in params

    @staticmethod
    def _dataset_parameter(method, params, headers, body) -> str:
        """The protocol's dataset parameter (default-graph-uri, named-graph-uri) if one was sent."""
        sent = dict(params)
        if method == "POST" and headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            sent.update(urllib.parse.parse_qs(body.decode("utf-8", "replace")))
        return next((name for name in _DATASET_PARAMETERS if name in sent), "")

    def _answer(self, result, fmt, headers) -> Response:
        from .sparql.results import to_csv, to_json, to_tsv

        accept = headers.get("accept", "")
        fmt = fmt or _negotiate(accept, _GRAPH_TYPES if result.is_graph else _RESULT_TYPES,
                                "ttl" if result.is_graph else "json")
        extra = {"X-Lineage-Truncated": "true"} if result.truncated else {}
        if result.warnings:  # one header line, ASCII only: terms are escaped, not dropped
            text = " | ".join(" ".join(w.split()) for w in result.warnings)
            extra["X-Lineage-Warning"] = text.encode("ascii", "backslashreplace").decode("ascii")
        if result.is_graph:
            if fmt == "html":  # the query page: the triples as readable Turtle text
                return Response(200, _graph_bytes(result, "ttl"), "text/plain; charset=utf-8",
                                extra)
            if fmt not in _GRAPH_FORMATS:
                return _error(406, f"cannot answer a graph as {fmt or accept!r}; ask for "
                                   "text/turtle, application/n-triples, application/ld+json "
                                   "or application/rdf+xml")
            return Response(200, _graph_bytes(result, fmt), _CONTENT_TYPES[fmt], extra)
        writers = {"json": lambda r: to_json(r, compact=True), "csv": to_csv, "tsv": to_tsv,
                   "xml": _to_xml, "html": _to_html}
        if fmt not in writers:
            return _error(406, f"cannot answer in {fmt or accept!r}; use json, xml, csv, tsv "
                               "or html")
        return Response(200, writers[fmt](result).encode("utf-8"), _CONTENT_TYPES[fmt], extra)

    def _service_description(self, headers) -> Response:
        """GET on the endpoint without a query: a SPARQL 1.1 Service Description (Turtle),
        or the query page for a browser."""
        accept = headers.get("accept", "")
        if _negotiate(accept, {"text/html": "html", **_GRAPH_TYPES}, "ttl") == "html":
            return Response(302, b"", headers={"Location": "/"})
        host = headers.get("host", "localhost")
        return Response(200, _SERVICE_DESCRIPTION.format(endpoint=f"http://{host}/sparql")
                        .encode("utf-8"), _CONTENT_TYPES["ttl"])

    # -- pages -----------------------------------------------------------------------------
    def _home(self, method, params, headers, body) -> Response:
        """The query page: canned queries, a highlighted editor, results with links."""
        from .outputs import query_page

        if self._page is None:  # the canned queries do not change while the server runs
            canned = [self.lineage.canned_query(name) for name in self.lineage.canned_queries()]
            self._page = query_page.render_page(canned).encode("utf-8")
        return Response(200, self._page, _CONTENT_TYPES["html"],
                        {"Content-Security-Policy": query_page.content_security_policy(),
                         "Cache-Control": "no-store"})

    def _run(self, method, params, headers, body) -> Response:
        """The query page's requests: a query (a canned query's text, edited or not, with its
        parameters bound), answered as JSON with institutions labelled and linked
        (format=page, errors as JSON with their position) or in a protocol format."""
        from .outputs import query_page

        fields = self._fields(method, params, headers, body)
        fmt = _one(fields, "format") or "page"
        try:
            query, bindings = self._page_query(fields)
            result = self.lineage.query(query, timeout=self.config.timeout,
                                        max_rows=self.config.max_rows,
                                        memory_mb=self.config.memory_mb, bindings=bindings)
        except LineageError as exc:
            if fmt != "page":
                raise
            return Response(_status_of(exc), _json_bytes(query_page.error_json(exc)),
                            "application/json", _retry_after(exc))
        name = _one(fields, "canned")
        if name:  # its list cells (sources, ...) sorted and shortened, as `lineage query` prints them
            result = self.lineage.tidy_canned(name, result)
        if fmt != "page":
            return self._answer(result, fmt, headers)
        refs = self.lineage.institution_refs(query_page.result_iris(result))
        return Response(200, _json_bytes(query_page.result_json(result, refs)),
                        "application/json", {"Cache-Control": "no-store"})

    @staticmethod
    def _fields(method, params, headers, body) -> dict[str, list[str]]:
        """The request's fields: the URL's parameters, and a form body's on POST."""
        fields = dict(params)
        if method == "POST" and headers.get("content-type", "").split(";")[0].strip() in (
                "application/x-www-form-urlencoded", ""):
            fields.update(urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                                keep_blank_values=True))
        return fields

    def _page_query(self, fields) -> tuple[str, dict]:
        """The query text and the terms its canned query's parameters stand for."""
        name = _one(fields, "canned") or ""
        query = _one(fields, "query") or ""
        if not name:
            if not query.strip():
                raise UsageError("no query: write one or pick a canned query")
            return query, {}
        given = {key[2:]: values[0] for key, values in fields.items() if key.startswith("p.")}
        bindings = self.lineage.canned_bindings(name, given)
        return query if query.strip() else self.lineage.canned_query(name).text, bindings

    def _view(self, method, params, headers, body) -> Response:
        depth = _int_param(params, "depth", 1, 0, 20)
        layout = _choice_param(params, "layout", "force", ("force", "timeline"))
        since, until = _one(params, "from") or None, _one(params, "to") or None
        page = self.lineage.render(focus=_one(params, "focus"), depth=depth,
                                   lineage=_one(params, "lineage"),
                                   as_of=_one(params, "as_of") or None, layout=layout,
                                   diff=(since, until) if since or until else None)
        return Response(200, page.encode("utf-8"), _CONTENT_TYPES["html"])

    def _trace(self, method, params, headers, body) -> Response:
        from .model import jsonable

        name = _one(params, "name", "")
        if not name:
            return _error(400, "give ?name=INSTITUTION")
        direction = _choice_param(params, "direction", "down", ("down", "up", "both"))
        trace = self.lineage.trace(name, direction)
        return Response(200, json.dumps(jsonable(trace), ensure_ascii=False).encode("utf-8"),
                        "application/json")


def _status_of(exc: LineageError) -> int:
    """The status each error type declares: 400 for a bad request, 503 for a limit or a full
    pool (the same query may pass later)."""
    return exc.http_status


def _retry_after(exc: LineageError) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}


def _json_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _negotiate(accept: str, table: dict[str, str], default: str) -> str | None:
    """The format for the client's best-ranked acceptable media type: `default` when it
    sends no Accept or accepts anything (*/*), None when it accepts nothing we write."""
    ranked = []
    for part in accept.split(","):
        kind, _, rest = part.strip().partition(";")
        quality = 1.0
        for param in rest.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if kind.strip() and quality > 0:
            ranked.append((-quality, kind.strip().lower()))
    if not ranked:
        return default
    for _, kind in sorted(ranked):
        if kind in table:
            return table[kind]
        if kind in ("*/*", "application/*", "text/*"):
            return default
    return None


def _graph_bytes(result, fmt: str) -> bytes:
    if fmt == "nt":
        lines = sorted(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in result.rows)
        return ("\n".join(lines) + "\n").encode("utf-8")
    from .sparql.results import to_turtle

    if fmt == "ttl":
        return to_turtle(result).encode("utf-8")
    from rdflib import Graph

    graph = Graph()
    for triple in result.rows:
        graph.add(triple)
    return graph.serialize(format="json-ld" if fmt == "jsonld" else "xml").encode("utf-8")


_SERVICE_DESCRIPTION = f"""@prefix sd: <{SD}> .
@prefix formats: <{FORMATS}> .

[] a sd:Service ;
  sd:endpoint <{{endpoint}}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:feature sd:UnionDefaultGraph ;
  sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML,
    formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples,
    formats:JSON-LD, formats:RDF_XML .
"""


def _xml_term(term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{xml_escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{xml_escape(str(term))}</bnode>"
    attrs = ""
    if term.language:
        attrs = f' xml:lang="{xml_escape(term.language)}"'
    elif term.datatype is not None:
        attrs = f' datatype="{xml_escape(str(term.datatype))}"'
    return f"<literal{attrs}>{xml_escape(str(term))}</literal>"


def _to_xml(result) -> str:
    """SPARQL 1.1 Query Results XML."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    if result.kind == "ASK":
        out += ["</head>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out += [f'<variable name="{xml_escape(v)}"/>' for v in result.variables]
    out += ["</head>", "<results>"]
    for row in result.rows:
        cells = "".join(f'<binding name="{xml_escape(v)}">{_xml_term(t)}</binding>'
                        for v, t in zip(result.variables, row) if t is not None)
        out.append(f"<result>{cells}</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def _to_html(result) -> str:
    """An escaped HTML table for the query page."""
    if result.kind == "ASK":
        body = f"<p>{'true' if result.boolean else 'false'}</p>"
    else:
        head = "".join(f"<th>{html.escape(v)}</th>" for v in result.variables)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape('' if t is None else str(t))}</td>"
                                        for t in row) + "</tr>" for row in result.rows)
        note = "<p>Truncated at the row limit.</p>" if result.truncated else ""
        body = f"<table><tr>{head}</tr>{rows}</table>{note}"
    return (f"<!doctype html><meta charset='utf-8'><title>lineage query results</title>"
            f"<style>{_STYLE}</style>{body}")


_STYLE = ("body{font-family:sans-serif;margin:1.5em;max-width:70em}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
          "padding:2px 6px;text-align:left;font-size:90%}")


def make_server(app: App, host: str, port: int) -> ThreadingHTTPServer:
    """A threading HTTP server around the app (one thread per connection)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "lineage"
        sys_version = ""
        protocol_version = "HTTP/1.1"  # keep-alive: a client's next query skips the handshake
        timeout = IDLE_SECONDS  # idle and half-sent connections are closed
        disable_nagle_algorithm = True  # headers and body leave at once, not 40 ms apart

        def _serve(self, method: str):
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                self.close_connection = True  # the unread body must not be read as a request
                response = _error(400, "bad Content-Length") if length < 0 else \
                    _error(413, f"request body over {MAX_BODY} bytes")
            else:
                try:
                    body = self.rfile.read(length) if length else b""
                except TimeoutError:  # half a body, then silence
                    self.close_connection = True
                    return
                if len(body) < length:
                    self.close_connection = True
                    return
                response = app.handle(method, self.path, dict(self.headers.items()), body)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)

        def do_GET(self):  # noqa: N802
            self._serve("GET")

        def do_POST(self):  # noqa: N802
            self._serve("POST")

        def do_HEAD(self):  # noqa: N802
            self._serve("HEAD")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
