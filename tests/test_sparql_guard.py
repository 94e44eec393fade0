"""Untrusted SPARQL never reaches the network or the file system (lineage.sparql.guard)."""

from __future__ import annotations

import http.server
import threading

import pytest

from lineage.sparql import QueryRefused, QuerySyntaxError

CANARY_TOKEN = "canary-7f3e9a1c-do-not-leak"


@pytest.fixture(scope="module")
def listener():
    """A local HTTP server that counts every request it receives."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(b'{"head":{"vars":["s"]},"results":{"bindings":[]}}')

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    path = tmp_path_factory.mktemp("canary") / "secret.nt"
    path.write_text(f'<urn:x> <urn:y> "{CANARY_TOKEN}" .\n{CANARY_TOKEN}\n')
    return path.as_uri()


def attack_corpus(url: str, canary: str) -> list[tuple[str, str]]:
    """(construct the refusal must name, query) pairs."""
    return [
        ("SERVICE", f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"),
        ("SERVICE", f"select * where {{ service <{url}/sparql> {{ ?s ?p ?o }} }}"),
        ("SERVICE", f"SELECT * WHERE {{ # look away\n  SeRvIcE # here\n <{url}/x> {{ ?s ?p ?o }} }}"),
        ("SERVICE", f"PREFIX ex: <{url}/> SELECT * WHERE {{ SERVICE ex:sparql {{ ?s ?p ?o }} }}"),
        ("SERVICE", f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SELECT * WHERE {{ "
                    f"SERVICE <{url}/nested> {{ ?s ?p ?o }} }} }} }}"),
        ("SERVICE", f"SELECT * WHERE {{ SERVICE SILENT <{url}/silent> {{ ?s ?p ?o }} }}"),
        ("SERVICE", "SELECT * WHERE { ?svc a ?t . SERVICE ?svc { ?s ?p ?o } }"),
        ("SERVICE", f"SELECT * WHERE {{ SERVICE <{canary}> {{ ?s ?p ?o }} }}"),
        ("SERVICE", f"ASK {{ SERVICE <{url}/ask> {{ ?s ?p ?o }} }}"),
        ("SERVICE", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/construct> {{ ?s ?p ?o }} }}"),
        ("SERVICE", f"DESCRIBE ?s WHERE {{ {{ SERVICE <{url}/describe> {{ ?s ?p ?o }} }} UNION {{ ?s ?p ?o }} }}"),
        ("FROM", f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}"),
        ("FROM", f"SELECT * FROM <{canary}> WHERE {{ ?s ?p ?o }}"),
        ("FROM NAMED", f"SELECT * FROM NAMED <{url}/named.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        ("FROM NAMED", f"SELECT * FROM NAMED <{canary}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        ("FROM", f"ASK FROM <{canary}> {{ ?s ?p ?o }}"),
        ("FROM", f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}/c.ttl> WHERE {{ ?s ?p ?o }}"),
        ("LOAD", f"LOAD <{url}/load.ttl>"),
        ("LOAD", f"LOAD SILENT <{canary}> INTO GRAPH <urn:stolen>"),
        ("LOAD", f"load silent <{url}/x.ttl> into graph <urn:g>"),
        ("INSERT DATA", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
        ("DELETE WHERE", "DELETE WHERE { ?s ?p ?o }"),
        ("CLEAR", "CLEAR ALL"),
    ]


def test_every_attack_is_refused_by_the_library(bundled, listener, canary):
    url, hits = listener
    for construct, query in attack_corpus(url, canary):
        with pytest.raises(QueryRefused) as refused:
            bundled.query(query)
        assert refused.value.construct == construct, query
        assert construct in str(refused.value)
        assert CANARY_TOKEN not in str(refused.value)
    assert hits == [], f"the guard let requests through: {hits}"


def test_every_attack_is_refused_by_the_cli(run, listener, canary):
    url, hits = listener
    for construct, query in attack_corpus(url, canary):
        result = run("query", query)
        assert result.exit_code == 2, query
        assert f"error: {construct} is not allowed" in result.stderr, (query, result.stderr)
        assert CANARY_TOKEN not in result.output
        assert "Traceback" not in result.output
    assert hits == []


def test_attack_via_canned_name_file_and_stdin(run, listener, canary, tmp_path):
    url, hits = listener
    path = tmp_path / "attack.rq"
    path.write_text(f"SELECT * WHERE {{ SERVICE <{url}/file> {{ ?s ?p ?o }} }}")
    assert "SERVICE is not allowed" in run("query", "--file", str(path)).stderr
    piped = run("query", input=f"SELECT * FROM <{canary}> WHERE {{ ?s ?p ?o }}")
    assert piped.exit_code == 2 and "FROM is not allowed" in piped.stderr
    assert hits == []


def test_benign_queries_pass_the_guard(bundled):
    assert bundled.query("SELECT ?s WHERE { GRAPH ?g { ?s a lin:University } }").rows
    assert bundled.query("ASK { ?s lin:pendingSuccessor ?o }").boolean is True
    # the word SERVICE in a literal or comment is not a SERVICE clause
    result = bundled.query('SELECT ("SERVICE <http://x>" AS ?note) WHERE { } # SERVICE <http://y>')
    assert len(result) == 1


def test_own_prefix_declarations_override_nothing_dangerous(bundled):
    result = bundled.query("PREFIX lin: <https://w3id.org/lineage/ontology#> "
                           "SELECT ?x WHERE { ?x a lin:University }")
    assert len(result) >= 2


def test_syntax_error_shows_line_column_and_caret(run):
    result = run("query", "SELECT ?x WHERE {\n  ?x rdfs:label \n}")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: SPARQL syntax error at line ")
    assert "column" in lines[0]
    assert lines[-1].strip() == "^"
    assert "Traceback" not in result.stderr


def test_syntax_error_is_typed_with_position(bundled):
    with pytest.raises(QuerySyntaxError) as err:
        bundled.query("SELECT * WHERE { ?s ?p }")
    assert err.value.line == 1 and err.value.column >= 1


def test_undefined_prefix_is_a_clear_error(run):
    result = run("query", "SELECT * WHERE { ?s nope:thing ?o }")
    assert result.exit_code == 2 and "nope" in result.stderr
