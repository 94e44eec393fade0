"""Runaway queries end cleanly: time, row and memory limits (lineage.sparql.worker)."""

from __future__ import annotations

import pytest
from conftest import hammer

from lineage import Lineage
from lineage.sparql import QueryError, QueryTimeout

CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
ANY_PATH = "SELECT (COUNT(*) AS ?n) WHERE { ?x (lin:succeededBy|!lin:succeededBy)* ?y }"
BENIGN = "SELECT ?l WHERE { <https://w3id.org/lineage/id/inst/g1> rdfs:label ?l }"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """50,000 triples: 10,000 institutions x (type, two labels, founded, succeededBy-chain event)."""
    path = tmp_path_factory.mktemp("gen") / "generated.nt"
    lin = "https://w3id.org/lineage/ontology#"
    base = "https://w3id.org/lineage/id/"
    lines = []
    for i in range(10_000):
        s = f"<{base}inst/g{i}>"
        lines.append(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{lin}University> .")
        lines.append(f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "Generated {i}"@en .')
        lines.append(f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "生成{i}"@zh .')
        lines.append(f'{s} <{lin}established> "{1950 + i % 70}"^^<http://www.w3.org/2001/XMLSchema#gYear> .')
        lines.append(f"{s} <http://www.w3.org/ns/org#linkedTo> <{base}inst/g{(i * 7919) % 10_000}> .")
    path.write_text("\n".join(lines) + "\n")
    return Lineage.open(data=[path], bundled=False)


@pytest.mark.timeout(120)  # a hang guard, not a speed check
def test_cartesian_count_ends_with_a_timeout(generated):
    with pytest.raises(QueryTimeout) as err:
        generated.query(CARTESIAN_COUNT, timeout=3)
    assert "time limit of 3 s" in str(err.value)
    assert len(generated.query(BENIGN)) == 2


def test_cartesian_without_limit_is_cut_at_max_rows(generated):
    result = generated.query(CARTESIAN, max_rows=1000, timeout=30)
    assert len(result) == 1000 and result.truncated
    exact = generated.query("SELECT ?s WHERE { ?s a lin:University } LIMIT 1000", max_rows=1000)
    assert len(exact) == 1000 and not exact.truncated
    assert len(generated.query(BENIGN)) == 2


def test_cli_marks_truncated_output(run, tmp_path):
    result = run("query", "SELECT * WHERE { ?a ?b ?c }", "--max-rows", "5")
    assert result.exit_code == 0
    assert "TRUNCATED" in result.stdout and "truncated at 5 rows" in result.stderr


def test_unbounded_path_ends_with_a_limit_error(generated):
    with pytest.raises(QueryError) as err:
        generated.query(ANY_PATH, timeout=5, memory_mb=512)
    assert "limit" in str(err.value)
    assert len(generated.query(BENIGN)) == 2


def test_eight_threads_get_the_serial_answers(bundled):
    queries = {name: q.text for name, q in bundled.canned_queries().items() if not q.params}
    queries["ask"] = "ASK { ?x lin:pendingSuccessor ?y }"
    problems, answered = hammer(queries, lambda text: _answer(bundled, text), threads=8, seconds=20)
    assert problems == [] and answered > 8


def _answer(lg, text):
    result = lg.query(text)
    return result.boolean if result.kind == "ASK" else sorted(map(str, result.rows))
