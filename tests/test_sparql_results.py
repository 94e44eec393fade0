"""Query results in the SPARQL 1.1 formats read back with other tools (lineage.sparql.results)."""

from __future__ import annotations

import io

import pyoxigraph as ox
from rdflib.query import Result

AWKWARD = 'line one\nline two\twith a tab\rand a return, "quotes" and \\ a backslash'


def test_tsv_escapes_tabs_and_newlines_and_parses_back(run, tmp_path):
    data = tmp_path / "awkward.nt"
    escaped = AWKWARD.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\t", "\\t").replace("\r", "\\r")
    data.write_text(f'<https://example.org/x> <http://www.w3.org/2000/01/rdf-schema#comment> "{escaped}"@en .\n')
    result = run("--data", str(data), "query", "--format", "tsv",
                 "SELECT ?x ?c WHERE { ?x rdfs:comment ?c FILTER(?x = <https://example.org/x>) }")
    assert result.exit_code == 0
    lines = result.stdout_bytes.split(b"\n")
    assert len(lines) == 3 and lines[2] == b"" and lines[1].count(b"\t") == 1
    [[x, comment]] = [list(s) for s in ox.parse_query_results(result.stdout_bytes,
                                                               format=ox.QueryResultsFormat.TSV)]
    assert x == ox.NamedNode("https://example.org/x") and comment.value == AWKWARD
    parsed = Result.parse(io.StringIO(result.stdout), format="tsv")
    [row] = list(parsed)
    assert str(row[1]) == AWKWARD and row[1].language == "en"
