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


# -- against the browser threat and overload ----------------------------------------------------

def _post(app, query: str, **headers):
    return app.handle("POST", "/sparql", {"Host": "127.0.0.1:8000",
                                          "Content-Type": "application/x-www-form-urlencoded",
                                          **headers},
                      urllib.parse.urlencode({"query": query}).encode())


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1.evil.example:8000"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:9999"},
])
def test_cross_site_requests_are_refused(app, headers):
    """Any page the user has open can send a form POST to a loopback server (no CORS needed)."""
    response = _post(app, "ASK { ?s ?p ?o }", **headers)
    assert response.status == 403
    assert b"forbidden" in response.body
    assert get(app, q("ASK { ?s ?p ?o }"), **headers).status == 403


@pytest.mark.parametrize("headers", [
    {},
    {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://localhost:8000"},
    {"Sec-Fetch-Site": "none"},
])
def test_own_pages_and_direct_requests_are_answered(app, headers):
    assert _post(app, "ASK { ?s ?p ?o }", **headers).status == 200


@pytest.mark.parametrize("target", ["/view?depth=abc", "/view?depth=-1", "/view?depth=999",
                                    "/view?layout=spiral", "/trace?name=MOST&direction=sideways"])
def test_bad_parameters_get_400_with_a_message(server, target):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server + target, timeout=30)
    assert err.value.code == 400
    message = err.value.read().decode()
    assert "give" in message and "Traceback" not in message


def test_an_unexpected_failure_is_a_plain_500(bundled):
    class Broken:
        def trace(self, *args, **kwargs):
            raise RuntimeError("/secret/path exploded")

    response = App(Broken()).handle("GET", "/trace?name=x", {"Host": "localhost"})
    assert response.status == 500
    assert b"/secret/path" not in response.body and b"RuntimeError" in response.body


@pytest.fixture
def short_idle(monkeypatch):
    import lineage.server

    monkeypatch.setattr(lineage.server, "IDLE_SECONDS", 1)


def test_fifty_idle_connections_do_not_stop_a_real_client(app, short_idle):
    import socket

    httpd = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
    half = socket.create_connection(("127.0.0.1", port))
    half.sendall(b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nquery=")
    try:
        answer = urllib.request.urlopen(f"http://127.0.0.1:{port}" + q("ASK { ?s ?p ?o }"),
                                        timeout=10)
        assert json.load(answer)["boolean"] is True
        half.settimeout(10)
        assert half.recv(100) == b""  # the half-sent request is dropped after the idle time
    finally:
        for sock in idle + [half]:
            sock.close()
        httpd.shutdown()


HEAVY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"


def _children_rss_mb(skip: frozenset = frozenset()) -> dict[int, float]:
    """Resident memory (MB) of this process's forked children (in-memory query workers), by
    pid, leaving out `skip`."""
    import os

    me, found = os.getpid(), {}
    own_cmdline = open(f"/proc/{me}/cmdline", "rb").read()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in skip:
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
            if int(stat.rsplit(")", 1)[1].split()[1]) != me:
                continue
            if open(f"/proc/{entry}/cmdline", "rb").read() != own_cmdline:
                continue
            status = open(f"/proc/{entry}/status").read()
        except (OSError, IndexError, ValueError):
            continue
        rss = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        if rss:
            found[int(entry)] = int(rss[0].split()[1]) / 1024
    return found


def _own_rss_mb() -> float:
    status = open("/proc/self/status").read()
    return int(next(l for l in status.splitlines() if l.startswith("VmRSS:")).split()[1]) / 1024


def test_eight_heavy_queries_stay_in_the_pool_budget_and_a_small_one_is_answered():
    """Eight memory-hungry queries at once run at most `workers` at a time, each under its
    memory cap, and an ASK from another client is still answered."""
    from lineage import Lineage

    workers, memory_mb = 2, 200
    lineage = Lineage.open(query_workers=workers, queue_wait=60)
    app = App(lineage, ServerConfig(timeout=20, memory_mb=memory_mb))
    httpd = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    base, earlier = _own_rss_mb(), frozenset(_children_rss_mb())  # other pools' idle workers
    statuses, peaks, done = [], [], threading.Event()

    def heavy():
        try:
            urllib.request.urlopen(url + q(HEAVY), timeout=120).read()
            statuses.append(200)
        except urllib.error.HTTPError as err:
            statuses.append(err.code)

    def sample():
        while not done.is_set():
            rss = _children_rss_mb(earlier).values()
            peaks.append((len(rss), sum(max(0.0, r - base) for r in rss)))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    clients = [threading.Thread(target=heavy) for _ in range(8)]
    try:
        for client in clients:
            client.start()
        answer = json.load(urllib.request.urlopen(url + q("ASK {}"), timeout=120))
        assert answer["boolean"] is True
        for client in clients:
            client.join(180)
    finally:
        done.set()
        sampler.join()
        httpd.shutdown()
        lineage.store.close()
    assert statuses == [503] * 8  # each stopped at its memory cap, with a clear 503
    assert max(count for count, _ in peaks) <= workers
    assert max(extra for _, extra in peaks) <= workers * memory_mb


def test_a_full_pool_answers_503_with_retry_after():
    from lineage import Lineage

    lineage = Lineage.open(query_workers=1, queue_wait=0.5)
    app = App(lineage, ServerConfig(timeout=5))
    slow = threading.Thread(target=lambda: _post(app, "SELECT (COUNT(*) AS ?n) WHERE "
                                                      "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"))
    slow.start()
    try:
        import time

        time.sleep(1)
        response = _post(app, "ASK {}")
        assert response.status == 503
        assert response.headers["Retry-After"].isdigit()
        assert b"busy" in response.body
    finally:
        slow.join()
        lineage.store.close()


def test_a_worker_stopped_at_its_memory_cap_prints_one_clean_line(tmp_path):
    """No allocator message or native stack from the killed worker reaches the terminal."""
    import sys

    result = subprocess.run([sys.executable, "-m", "lineage.cli", "query", "--memory-mb", "128",
                             HEAVY], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "memory limit" in lines[0], result.stderr


# -- SPARQL 1.1 Protocol details ------------------------------------------------------------------

CONSTRUCT = "CONSTRUCT { ?x a lin:University } WHERE { ?x a lin:University }"


@pytest.mark.parametrize("accept,content_type,parse_as", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/rdf+xml;q=0.5, application/ld+json", "application/ld+json", "json-ld"),
])
def test_construct_answers_in_the_format_asked(app, bundled, accept, content_type, parse_as):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    response = get(app, q(CONSTRUCT), Accept=accept)
    assert response.status == 200 and response.content_type.startswith(content_type)
    got = Graph().parse(data=response.body.decode(), format=parse_as)
    expected = Graph()
    for triple in bundled.query(CONSTRUCT).rows:
        expected.add(triple)
    assert len(got) == len(expected) > 0 and isomorphic(got, expected)


def test_construct_in_a_format_we_cannot_write_is_406(app):
    response = get(app, q(CONSTRUCT), Accept="application/x-unknown-rdf")
    assert response.status == 406 and b"text/turtle" in response.body
    assert get(app, q("SELECT * WHERE { ?s ?p ?o } LIMIT 1"), Accept="image/png").status == 406


def test_the_endpoint_describes_itself(app):
    from rdflib import Graph, URIRef
    from rdflib.namespace import Namespace

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    response = get(app, "/sparql", Accept="text/turtle")
    assert response.status == 200 and response.content_type.startswith("text/turtle")
    graph = Graph().parse(data=response.body.decode(), format="turtle")
    assert (None, sd.endpoint, URIRef("http://127.0.0.1:8000/sparql")) in graph
    assert (None, sd.feature, sd.UnionDefaultGraph) in graph
    assert get(app, "/sparql", Accept="text/html,*/*;q=0.8").status == 302  # a browser: the page


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_dataset_parameters_are_refused_like_from(app, parameter):
    target = q("ASK { ?s ?p ?o }") + f"&{parameter}=" + urllib.parse.quote("http://example.org/g")
    response = get(app, target)
    assert response.status == 400 and parameter.encode() in response.body
    form = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }", parameter: "http://example.org/g"})
    posted = app.handle("POST", "/sparql", {"Host": "localhost",
                                            "Content-Type": "application/x-www-form-urlencoded"},
                        form.encode())
    assert posted.status == 400
