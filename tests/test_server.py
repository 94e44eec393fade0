"""`lineage serve`: SPARQL 1.1 Protocol, content negotiation, and its safety (lineage.server)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import hammer

from lineage.server import App, ServerConfig, make_server

SELECT = "SELECT ?x ?l WHERE { ?x a lin:University ; rdfs:label ?l } ORDER BY ?x ?l"


@pytest.fixture(scope="module")
def app(bundled):
    return App(bundled, ServerConfig(timeout=10))


@pytest.fixture(scope="module")
def server(app):
    httpd = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def get(app, target, **headers):
    return app.handle("GET", target, {"Host": "127.0.0.1:8000", **headers})


def q(query: str) -> str:
    return "/sparql?query=" + urllib.parse.quote(query)


def test_get_and_post_forms_give_the_same_json(app):
    by_get = get(app, q(SELECT))
    form = urllib.parse.urlencode({"query": SELECT}).encode()
    by_form = app.handle("POST", "/sparql", {"Host": "localhost", "Content-Type":
                                             "application/x-www-form-urlencoded"}, form)
    direct = app.handle("POST", "/sparql", {"Host": "localhost", "Content-Type":
                                            "application/sparql-query"}, SELECT.encode())
    assert by_get.status == by_form.status == direct.status == 200
    assert by_get.body == by_form.body == direct.body
    assert by_get.content_type == "application/sparql-results+json"
    labels = {b["l"]["value"] for b in json.loads(by_get.body)["results"]["bindings"]}
    assert {"河南农业大学", "Nanchang University"} <= labels


@pytest.mark.parametrize("accept,content_type,marker", [
    ("application/sparql-results+xml", "application/sparql-results+xml", b"<sparql"),
    ("text/csv", "text/csv; charset=utf-8", "河南农业大学".encode()),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", b"?x\t?l"),
    ("text/html;q=0.9, text/csv", "text/csv; charset=utf-8", b"x,l"),
])
def test_content_negotiation(app, accept, content_type, marker):
    response = get(app, q(SELECT), Accept=accept)
    assert response.status == 200 and response.content_type == content_type
    assert marker in response.body


def test_construct_answers_turtle(app):
    response = get(app, q("CONSTRUCT { ?a lin:pendingSuccessor ?b } WHERE { ?a lin:pendingSuccessor ?b }"),
                   Accept="text/turtle")
    assert response.status == 200 and b"lin:pendingSuccessor" in response.body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""])
def test_foreign_host_header_is_forbidden(app, host):
    response = app.handle("GET", q(SELECT), {"Host": host})
    assert response.status == 403


def test_no_cors_header_and_security_headers(app):
    response = get(app, q(SELECT), Origin="https://evil.example")
    assert not any(k.lower().startswith("access-control") for k in response.headers)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_forbidden_query_gets_400_with_a_clear_message(app):
    response = get(app, q("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))
    assert response.status == 400 and b"SERVICE is not allowed" in response.body


def test_updates_are_refused(app):
    response = app.handle("POST", "/sparql", {"Host": "localhost", "Content-Type":
                                              "application/sparql-update"}, b"CLEAR ALL")
    assert response.status == 403
    form = app.handle("POST", "/sparql", {"Host": "localhost", "Content-Type":
                                          "application/x-www-form-urlencoded"}, b"update=CLEAR+ALL")
    assert form.status == 403


def test_size_limits(app):
    assert get(app, "/sparql?query=" + "x" * 20_000).status == 414
    big = app.handle("POST", "/sparql", {"Host": "localhost", "Content-Type":
                                         "application/sparql-query"}, b"#" * (2 << 20))
    assert big.status == 413


def test_syntax_error_is_400(app):
    response = get(app, q("SELECT * WHERE { ?s ?p }"))
    assert response.status == 400 and b"line 1" in response.body


def test_query_page_has_a_form_and_a_strict_csp(app):
    response = get(app, "/")
    assert response.status == 200 and b"<form" in response.body
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert b"http://" not in response.body and b"https://" not in response.body


def test_html_results_are_escaped(app):
    response = get(app, q('SELECT ("<script>alert(1)</script>" AS ?x) WHERE {}') + "&format=html")
    assert b"<script>alert" not in response.body and b"&lt;script&gt;" in response.body


def test_view_pages(app):
    page = get(app, "/view?lineage=" + urllib.parse.quote("国家小麦工程技术研究中心"))
    assert page.status == 200 and "国家小麦技术创新中心".encode() in page.body
    assert get(app, "/view?lineage=Nowhere").status == 400


def test_trace_json(app):
    response = get(app, "/trace?name=" + urllib.parse.quote("国家小麦技术创新中心") + "&direction=up")
    data = json.loads(response.body)
    assert response.status == 200 and data["hops"][0]["event"]["status"] == "lin:Applied"


# -- over a real socket ---------------------------------------------------------------------
def test_rdflib_sparqlstore_gets_the_rows_lineage_query_gets(server, run):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(query_endpoint=server + "/sparql", returnFormat="json")
    remote = sorted((str(r[0]), str(r[1])) for r in store.query(SELECT))
    local = list(csv.reader(io.StringIO(run("query", SELECT, "--format", "csv").stdout)))[1:]
    assert remote == sorted((a, b) for a, b in local)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_with_accept_csv_gets_csv(server):
    out = subprocess.run(["curl", "-s", "-H", "Accept: text/csv", "--data-urlencode",
                          f"query={SELECT}", server + "/sparql"], capture_output=True, check=True)
    assert out.stdout.startswith(b"x,l\r\n") and "南昌大学".encode() in out.stdout


def test_eight_clients_for_thirty_seconds(server, bundled):
    queries = {name: q.text for name, q in bundled.canned_queries().items() if not q.params}
    problems, answered = hammer(queries, lambda text: _fetch(server, text), threads=8, seconds=30)
    assert problems == [] and answered > 8
    request = urllib.request.Request(server + "/sparql?query=" + urllib.parse.quote(SELECT),
                                     headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def _fetch(server: str, query: str) -> list:
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(server + "/sparql", data=body,
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        data = json.loads(response.read())
    return sorted(json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])


def test_serve_get_answers_one_request_without_a_socket(run):
    result = run("serve", "--get", "/sparql?query=" + urllib.parse.quote("ASK { ?s lin:pendingSuccessor ?o }"))
    assert result.exit_code == 0 and json.loads(result.stdout)["boolean"] is True
    refused = run("serve", "--get", "/sparql?query=" + urllib.parse.quote(
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))
    assert refused.exit_code == 1 and "SERVICE is not allowed" in refused.stdout
