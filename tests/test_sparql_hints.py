"""Help for SPARQL writers: unknown `lin:` terms warned about, syntax errors placed where the
slip is (lineage.sparql.hints, lineage.sparql.hints.explain_syntax_error)."""

from __future__ import annotations

import urllib.parse

import pytest

from lineage.sparql import QuerySyntaxError
from lineage.sparql.hints import bracket_problem, ontology_terms, unknown_terms


def test_a_misspelt_class_is_a_warning_with_the_closest_term(bundled):
    result = bundled.query("SELECT ?e WHERE { ?e a lin:Converson }")
    assert len(result) == 0  # still run: a warning, not an error
    [warning] = result.warnings
    assert "lin:Converson" in warning and "did you mean lin:Conversion?" in warning
    assert "line 1, column 24" in warning


def test_a_term_differing_only_in_case_is_the_one_suggestion(bundled):
    [warning] = bundled.query("SELECT ?e WHERE { ?e lin:status lin:approved }").warnings
    assert warning.endswith("did you mean lin:Approved?")


def test_each_unknown_term_is_named_once_and_full_iris_count_too(bundled):
    warnings = bundled.query(
        "SELECT * WHERE { ?e a lin:Mergr . ?f a lin:Mergr . "
        "?g a <https://w3id.org/lineage/ontology#Instituton> . ?h lin:xyzzy ?i }").warnings
    assert [w.split()[0] for w in warnings] == ["lin:Mergr", "lin:Instituton", "lin:xyzzy"]
    assert "did you mean lin:Merger?" in warnings[0]
    assert "did you mean lin:Institution?" in warnings[1]
    assert "no similar term" in warnings[2]


def test_defined_terms_other_prefixes_and_a_rebound_lin_give_no_warning(bundled):
    assert not bundled.query("SELECT ?x WHERE { ?x a lin:Institution ; lin:established ?d }").warnings
    assert not bundled.query("SELECT ?x WHERE { ?x a org:Foo ; rdfs:label 'lin:Converson' }").warnings
    assert not bundled.query("PREFIX lin: <http://example.org/> SELECT * WHERE { ?x a lin:Foo }").warnings
    [warning] = bundled.query("PREFIX l: <https://w3id.org/lineage/ontology#> "
                              "SELECT * WHERE { ?x a l:Instituton }").warnings
    assert "lin:Institution" in warning


def test_the_terms_are_the_ontology_s_own():
    assert {"Institution", "Conversion", "succeededBy", "Approved"} <= ontology_terms()
    assert len(ontology_terms()) > 50
    assert unknown_terms("SELECT * WHERE { ?x a lin:Institution }") == []


def test_no_canned_query_names_an_undefined_term(bundled):
    for name, query in sorted(bundled.canned_queries().items()):
        params = {p.name: "MOST" for p in query.params if p.type == "institution"}
        assert bundled.run_canned(name, params).warnings == [], name


def test_the_cli_prints_the_warning_on_stderr_and_still_answers(run):
    result = run("query", "SELECT (COUNT(?e) AS ?n) WHERE { ?e a lin:Converson }")
    assert result.exit_code == 0
    assert "warning: lin:Converson" in result.stderr and "lin:Conversion?" in result.stderr
    assert "lin:Converson" not in result.stdout and "(1 row)" in result.stdout


def test_the_server_sends_the_warning_in_a_header(bundled):
    from lineage.server import App, ServerConfig

    app = App(bundled, ServerConfig(timeout=10))
    query = urllib.parse.quote("SELECT ?e WHERE { ?e a lin:Converson }")
    response = app.handle("GET", f"/sparql?query={query}", {"Host": "127.0.0.1:8000"})
    assert response.status == 200
    assert "lin:Conversion?" in response.headers["X-Lineage-Warning"]
    fine = app.handle("GET", "/sparql?query=" + urllib.parse.quote(
        "SELECT ?e WHERE { ?e a lin:Conversion }"), {"Host": "127.0.0.1:8000"})
    assert "X-Lineage-Warning" not in fine.headers


def _syntax_error(bundled, text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        bundled.query(text)
    return caught.value


def _caret_column(error: QuerySyntaxError) -> int:
    caret_line = str(error).splitlines()[-1]
    return len(caret_line) - len("  ^") + 1


def test_a_missing_parenthesis_is_named_at_the_brace_that_finds_it_open(bundled):
    text = 'SELECT ?x WHERE { ?x a lin:Institution FILTER(CONTAINS(STR(?x), "wheat") }'
    error = _syntax_error(bundled, text)
    assert (error.line, error.column) == (1, text.index("}") + 1)
    assert _caret_column(error) == error.column
    assert "missing ')'" in str(error)
    assert f"column {text.index('FILTER(') + 7}" in str(error)  # where the '(' was opened


def test_an_unclosed_brace_and_a_stray_one_are_pointed_at(bundled):
    text = "SELECT ?x WHERE {\n  ?x a lin:Institution .\n  OPTIONAL { ?x rdfs:label ?l }\n"
    error = _syntax_error(bundled, text)
    assert (error.line, error.column) == (1, 17) and "never closed" in str(error)
    error = _syntax_error(bundled, "SELECT ?x WHERE { ?x a lin:Institution } }")
    assert (error.line, error.column) == (1, 42) and "closes nothing" in str(error)
    error = _syntax_error(bundled, "SELECT (COUNT(?x) AS ?n WHERE { ?x a lin:Institution }")
    assert (error.line, error.column) == (1, 8) and "'(' is never closed" in str(error)


def test_brackets_in_strings_comments_and_iris_are_not_counted(bundled):
    assert bracket_problem('SELECT * WHERE { ?x rdfs:label "(}{" # )\n }') is None
    assert bundled.query('SELECT ?x WHERE { ?x rdfs:label "a)b{" } # }}').kind == "SELECT"
    error = _syntax_error(bundled, 'SELECT ?x WHERE { ?x rdfs:label ")" FILTER(1 = 1 }')
    assert "missing ')'" in str(error)


def test_a_missing_dot_between_triple_patterns_is_said(bundled):
    text = "SELECT ?x ?l WHERE {\n  ?x a lin:Institution  # a comment\n  ?x rdfs:label ?l\n}"
    error = _syntax_error(bundled, text)
    assert (error.line, error.column) == (3, 3)
    assert "is a '.' missing before this term?" in str(error)
    assert "  ?x rdfs:label ?l\n    ^" in str(error)
