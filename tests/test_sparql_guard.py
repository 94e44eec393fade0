"""Untrusted SPARQL never reaches the network or the file system (lineage.sparql.guard)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import XSD, Literal, URIRef

from lineage.sparql import QueryError, QueryRefused, QuerySyntaxError, check
from lineage.sparql.guard import substitute

CANARY_TOKEN = "canary-7f3e9a1c-do-not-leak"


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


# -- the lexer: every place a keyword could hide --------------------------------------------

def lexical_traps(url: str) -> list[str]:
    """SERVICE clauses next to tokens a careless lexer would misread as comment or string."""
    service = f"SERVICE <{url}/trap> {{ ?s ?p ?o }}"
    return [
        f"SELECT * WHERE {{ ?s <urn:x#frag> ?o . {service} }}",
        f"PREFIX ex: <urn:x#> SELECT * WHERE {{ ?s ex:a\\#b ?o . {service} }}",
        f"PREFIX ex: <urn:x#> SELECT * WHERE {{ ?s ex:a\\'b ?o . {service} }}",
        f"SELECT * WHERE {{ ?s ?p \"it's\" . {service} }}",
        f"SELECT * WHERE {{ ?s ?p '''a ' '' b''' . {service} }}",
        f"SELECT * WHERE {{ ?s ?p \"\"\"a \\\"\"\" b\"\"\" . {service} }}",
        f"SELECT * WHERE {{ ?s ?p \"a\\\"b\" . {service} }}",
        f"SELECT * WHERE {{ # it's a comment\n {service} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?s) {service} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o < 3 && 2 > 1) {service} }}",
        f"SELECT * WHERE {{{service}}}",
        f"SELECT*WHERE{{SERVICE<{url}/t>{{?s ?p ?o}}}}",
        # the engine reads this '<' as "less than" and the quote as a string running past '>'
        f"SELECT * WHERE {{ ?s ?p ?a FILTER(?a <STR('> 1 ')) {service} FILTER(?a != 'x') }}",
        # an IRI with a \u escape, then a '#' that is inside the IRI, not a comment
        f"PREFIX urn: <urn:> SELECT * WHERE {{ ?s ?p <urn:x/\\u0041#frag> {service} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}/escaped> {{ ?s ?p ?o }} {service} }}",
    ]


def test_keywords_beside_tricky_tokens_are_refused(bundled, listener):
    url, hits = listener
    for query in lexical_traps(url):
        with pytest.raises(QueryRefused) as refused:
            bundled.query(query)
        assert refused.value.construct == "SERVICE", query
    assert hits == []


@pytest.mark.parametrize("query", [
    "SELECT ?service ?from WHERE { ?service ?from ?load }",
    "PREFIX ex: <urn:x#> SELECT * WHERE { ?s ex:service ex:from } LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'SERVICE <urn:y> { }')) } LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o != '''insert data { } '''@en) } LIMIT 1",
    "SELECT * WHERE { ?s <https://example.org/vocab#FROM> ?o } # LOAD <urn:z>",
    "SELECT * WHERE { ?s ?p \"He said \\\"DELETE\\\"\" }",
    # the words inside IRIs are not keywords
    "SELECT * WHERE { <https://example.org/inst/a-technology-service-centre> ?p ?o }",
    "SELECT * WHERE { ?s ?p <https://example.org/copy/from/load/add> }",
    # one prefixed name (local names may hold inner dots), as the engine reads it too
    "PREFIX ex: <urn:x#> SELECT * WHERE { ?s ex:p.SERVICE <urn:o> { ?s ?p ?o } }",
])
def test_the_words_as_names_strings_iris_and_comments_pass(bundled, query):
    bundled.query(query)


def test_query_form_is_read_past_the_prologue(bundled):
    result = bundled.query("PREFIX ex: <urn:x#> # SELECT\nASK { ?s a lin:University }")
    assert result.kind == "ASK" and result.boolean is True


@pytest.mark.parametrize("query,line,columns", [
    ("SELECT * WHERE { ?s ?p }", 1, (18, 25)),
    ("SELECT ?x WHERE {\n  ?x rdfs:label \n}", 2, (3, 3)),
    ("SELECT * WHERE {\n  ?s nope:thing ?o }", 2, (6, 6)),
    ("SELECT * WHERE { ?s <urn:p> \"中文\" }}", 1, (35, 35)),  # columns count characters
    ("SELECT (COUNT(?s) AS ?c) ?x WHERE { ?s ?p ?x }", 1, (1, 47)),  # only the engine objects
])
def test_syntax_errors_point_at_line_and_column(bundled, query, line, columns):
    with pytest.raises(QuerySyntaxError) as err:
        bundled.query(query)
    assert err.value.line == line, str(err.value)
    assert columns[0] <= err.value.column <= columns[1], str(err.value)


def test_undeclared_prefix_names_the_prefix(bundled):
    with pytest.raises(QuerySyntaxError) as err:
        bundled.query("SELECT * WHERE { ?s nope:thing ?o }")
    assert "undefined prefix 'nope:'" in str(err.value)
    declared = "PREFIX nope: <urn:nope#> SELECT * WHERE { ?s nope:thing ?o }"
    assert bundled.query(declared).rows == []


_FRAGMENTS = ["'", '"', "'''", '"""', "#", "\\", "<", ">", "<urn:a#b>", "\n", " ", "{", "}",
              "?s", "ex:a", "ex:a\\#", "ex:b.", "@en", "\\'", "FILTER(", ")", ".", "SERVICE",
              "service", "x", "1", "<urn:\\u0041#", "STR('", "?a <", "<STR(", "\\u0041"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=14))
def test_whatever_the_guard_passes_makes_no_request(listener, parts):
    """Differential: any text the guard lets through, evaluated by the engine itself, must
    not reach the listener (SERVICE clauses are planted among lexically tricky fragments)."""
    url, hits = listener
    before = len(hits)
    service = f"SERVICE <{url}/fuzz> {{ ?s ?p ?o }}"
    text = ("PREFIX ex: <urn:x#> SELECT * WHERE { " + "".join(parts) + f" {service} "
            + "".join(reversed(parts)) + " }")
    try:
        check(text)
    except QueryError:  # refused, or an undeclared prefix: never evaluated
        return
    try:
        list(ox.Store().query(text))
    except (SyntaxError, OSError):
        pass
    assert len(hits) == before, text


# -- parameters written into the query -------------------------------------------------------

def test_substitute_keeps_the_column_and_leaves_modifiers():
    text = ("SELECT DISTINCT ?x (STR(?x) AS ?s) WHERE { ?x ?p ?o { SELECT ?x WHERE { ?x a ?t } } "
            "BIND(?x AS ?y) } ORDER BY ?x")
    bound = substitute(text, {"x": URIRef("urn:a")})
    assert bound == ("SELECT DISTINCT (<urn:a> AS ?x) (STR(<urn:a>) AS ?s) WHERE { <urn:a> ?p ?o "
                     "{ SELECT (<urn:a> AS ?x) WHERE { <urn:a> a ?t } } BIND(<urn:a> AS ?y) } "
                     "ORDER BY ?x")


def test_substitute_writes_literals_safely():
    bound = substitute('ASK { ?s ?p ?v } # ?v', {"v": Literal('a"b\\c\n} SERVICE <urn:x> {', lang="zh")})
    assert bound == 'ASK { ?s ?p "a\\"b\\\\c\\n} SERVICE <urn:x> {"@zh } # ?v'
    assert check(bound).kind == "ASK"
    typed = substitute("ASK { ?s ?p ?v }", {"v": Literal("2016", datatype=XSD.gYear)})
    assert typed == 'ASK { ?s ?p "2016"^^<http://www.w3.org/2001/XMLSchema#gYear> }'


def test_substitute_refuses_an_iri_that_would_break_out():
    with pytest.raises(QueryError):
        substitute("ASK { ?s ?p ?v }", {"v": URIRef("urn:x> } SERVICE <http://evil/> { ?a ?b ?c")})


def test_bound_parameter_reaches_inner_groups(bundled):
    """Regression: pyoxigraph's substitutions bind at the root only, so BIND(?institution AS
    ?node) inside a UNION branch saw nothing and sources-of listed every source in the graph."""
    wheat = "https://w3id.org/lineage/id/inst/national-wheat-engineering-technology-research-center"
    result = bundled.run_canned("sources-of", {"institution": wheat})
    rows = [dict(zip(result.variables, row)) for row in result.rows]
    own = {str(r["source"]) for r in rows if "the institution" in str(r["supports"]).split("; ")}
    cited = bundled.query("SELECT ?s WHERE { ?i dcterms:source ?s }", bindings={"i": URIRef(wheat)})
    assert own and own == {str(s) for (s,) in cited.rows}
    assert {str(r["institution"]) for r in rows} == {wheat}


# -- the engine as the oracle: keywords glued and spaced in every way ------------------------

_GLUE = ["", " ", "\t", "\n", "# note\n", "  \n\t"]
_BEFORE = ["", "?s ?p true", "?s ?p false", "?s ?p 1", "?s ?p 1.0e0", "?s ?p ?o .", "?s ?p ?o",
           "FILTER(true)", "BIND(1 AS ?b)", "OPTIONAL { ?s ?p ?o }", "{ ?s ?p ?o }", "MINUS { }",
           "?s ?p ()", "?s ?p []", '?s ?p "x"^^<urn:t>', "?s a ?o", "VALUES ?v { 1 }"]
_NESTING = ["{}", "{{ {} }}", "{{ SELECT * WHERE {{ {} }} }}", "FILTER EXISTS {{ {} }}",
            "OPTIONAL {{ {} }}", "{{ ?s ?p ?o }} UNION {{ {} }}", "FILTER NOT EXISTS {{ {} }}"]
_FORMS = ["SELECT * WHERE {{ {} }}", "SELECT * {{ {} }}", "ASK {{ {} }}", "ASK WHERE {{ {} }}",
          "CONSTRUCT {{ ?x ?y ?z }} WHERE {{ {} }}", "SELECT (COUNT(*) AS ?n) WHERE {{ {} }}"]


def _any_case(word: str):
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c.lower() for c, u in zip(word, upper)))


@st.composite
def glued_service(draw, url: str) -> str:
    """A SERVICE clause with every separator optional, in any case, after any token, inside
    any group, with targets that are IRIs or prefixed names whose prefix looks like a keyword."""
    glue = lambda: draw(st.sampled_from(_GLUE))  # noqa: E731
    keyword = draw(_any_case("SERVICE"))
    silent = draw(st.sampled_from(["", draw(_any_case("SILENT"))]))
    target = draw(st.sampled_from([f"<{url}/glued>", ":x", "a:x", "SERVICE:x", "ex:x"]))
    clause = (draw(st.sampled_from(_BEFORE)) + glue() + keyword + glue() + silent + glue()
              + target + glue() + "{ ?x ?y ?z }")
    body = draw(st.sampled_from(_NESTING)).format(clause)
    prologue = (f"PREFIX : <{url}/empty-prefix> PREFIX a: <{url}/a-prefix> "
                f"PREFIX ex: <{url}/ex-prefix> ")
    if draw(st.booleans()):
        prologue += f"PREFIX {draw(_any_case('SERVICE'))}: <{url}/keyword-prefix> "
    return prologue + draw(st.sampled_from(_FORMS)).format(body)


@st.composite
def glued_from(draw, url: str) -> str:
    """FROM / FROM NAMED with every separator optional, in any case, after any token."""
    glue = lambda: draw(st.sampled_from(_GLUE))  # noqa: E731
    head = draw(st.sampled_from(["SELECT *", "SELECT ?s", "ASK", "CONSTRUCT { ?s ?p ?o }",
                                 "SELECT (1 AS ?x)", "DESCRIBE ?s"]))
    named = draw(st.sampled_from(["", draw(_any_case("NAMED"))]))
    after_head = glue() or (" " if head.endswith("?s") else "")  # ?sFROM is one variable
    return (head + after_head + draw(_any_case("FROM")) + glue() + named + glue() + f"<{url}/g>"
            + glue() + draw(st.sampled_from(["WHERE { ?s ?p ?o }", "{ ?s ?p ?o }"])))


@pytest.fixture(scope="module")
def oracle():
    """The engine itself, over one triple of each kind a glued token may match."""
    store = ox.Store()
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    for o in (ox.Literal(True), ox.Literal(False), ox.Literal("1", datatype=ox.NamedNode(
              "http://www.w3.org/2001/XMLSchema#integer")), ox.NamedNode("urn:o")):
        store.add(ox.Quad(s, p, o))
    return store


def _engine_accepts(store: ox.Store, text: str) -> bool:
    """Whether the engine parses the text (and, evaluating it, makes whatever request it would)."""
    try:
        answer = store.query(text)
        if not isinstance(answer, ox.QueryBoolean):
            list(answer)
    except SyntaxError:
        return False
    except (OSError, RuntimeError, ValueError):  # parsed, then the listener's answer failed
        pass
    return True


def _differential(oracle, hits, text: str, refused_as: tuple[str, ...]) -> None:
    """Guard and engine must agree: a text the engine runs is refused by the guard, naming the
    construct; a text the guard passes makes no request."""
    before = len(hits)
    try:
        check(text)
        passed = True
    except QueryRefused as refused:
        assert refused.construct.startswith(refused_as), (text, refused.construct)
        passed = False
    except QueryError:  # an undeclared prefix or the like: never evaluated
        passed = False
    accepted = _engine_accepts(oracle, text)
    if passed:
        assert not accepted or len(hits) == before, text
        assert not accepted, f"the engine runs a text the guard passed: {text!r}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_glued_service_the_engine_runs_is_refused(listener, oracle, data):
    url, hits = listener
    _differential(oracle, hits, data.draw(glued_service(url)), ("SERVICE",))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_glued_from_the_engine_runs_is_refused(listener, oracle, data):
    url, hits = listener
    _differential(oracle, hits, data.draw(glued_from(url)), ("FROM",))
