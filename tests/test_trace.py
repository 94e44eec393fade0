"""Lineage traces and paths (lineage.trace, `lineage trace`, `lineage path`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TURTLE_PREFIXES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage import Lineage

FIXTURES = Path(__file__).parent / "fixtures" / "trace"
SCENARIOS = sorted(str(p) for p in FIXTURES.glob("*.ttl"))
WHEAT_ETRC = "National Wheat Engineering Technology Research Center"
WHEAT_NTIC = "National Wheat Technology Innovation Center"


@pytest.fixture(scope="module")
def lg():
    return Lineage.open(data=SCENARIOS, bundled=False)


def labels(trace, direction=None):
    return {trace.institutions[i].label for i in trace.reached(direction)}


def hop_to(trace, label):
    [hop] = [h for h in trace.hops if h.child and trace.institutions[h.child].label == label
             and not h.repeat]
    return hop


# -- scenarios -------------------------------------------------------------------------------
def test_chain_of_five_down_and_up(lg):
    down = lg.trace("Example Chain Centre 1")
    assert [h.depth for h in down.hops] == [1, 2, 3, 4]
    assert labels(down) == {f"Example Chain Centre {i}" for i in range(2, 6)}
    up = lg.trace("Example Chain Centre 5", "up")
    assert labels(up, "up") == {f"Example Chain Centre {i}" for i in range(1, 5)}
    assert lg.trace("Example Chain Centre 1", depth=2).depth_limited


def test_merger_of_three_into_one(lg):
    up = lg.trace("Example Merged Centre", "up")
    assert labels(up) == {f"Example Merger Part {i}" for i in (1, 2, 3)}
    assert {h.event.iri for h in up.hops} == {"https://w3id.org/lineage/id/event/merger-into-one"}
    for i in (1, 2, 3):
        assert labels(lg.trace(f"Example Merger Part {i}")) == {"Example Merged Centre"}
    rows = lg.query("SELECT ?part WHERE { ?part lin:mergedInto/rdfs:label 'Example Merged Centre'@en }")
    assert len(rows) == 3


def test_split_of_one_into_two(lg):
    down = lg.trace("Example Split Origin")
    assert labels(down) == {"Example Split Part 1", "Example Split Part 2"}
    assert {h.event.event_type for h in down.hops} == {"lin:Split"}


def test_rename(lg):
    [hop] = lg.trace("Example Old Name Centre").hops
    assert hop.event.event_type == "lin:Renaming" and hop.event.status == "lin:Completed"


def test_cycle_is_reported_not_followed(lg):
    trace = lg.trace("Example Cycle Centre 1", "both")
    assert len(trace.hops) == 6  # three hops each way, the third closing the cycle
    assert [h.cycle for h in trace.hops].count(True) == 2
    assert len(trace.cycles) == 1
    assert [trace.institutions[i].label[-1] for i in trace.cycles[0]] == ["1", "2", "3", "1"]


def test_dates_keep_their_precision(lg):
    trace = lg.trace("Example Chain Centre 1")
    assert [(h.event.date.lexical, h.event.date.precision) for h in trace.hops] == [
        ("1995", "year"), ("2001-06", "month"), ("2008-03-15", "day"), ("2015", "year")]


def test_as_of_in_the_middle_of_a_chain(lg):
    assert labels(lg.trace("Example Chain Centre 1", as_of="2005")) == {
        "Example Chain Centre 2", "Example Chain Centre 3"}
    # the 2001-06 conversion happened, but its result is only established in 2002
    assert labels(lg.trace("Example Chain Centre 1", as_of="2001-07")) == {"Example Chain Centre 2"}
    # a year-only event is not certainly after a day in that year: kept
    assert "Example Chain Centre 5" in labels(lg.trace("Example Chain Centre 1", as_of="2015-01-01"))
    early = lg.trace("Example Chain Centre 2", as_of="1995")
    assert early.root_not_yet_established and not early.hops


def test_pending_and_rejected_events(lg):
    trace = lg.trace("Example Applicant Centre")
    applied, rejected = hop_to(trace, "Example Hoped-for Centre"), hop_to(trace, "Example Refused Centre")
    assert applied.event.status == "lin:Applied" and applied.event.pending
    assert rejected.event.status == "lin:Rejected" and not rejected.event.pending
    assert labels(lg.trace("Example Applicant Centre", statuses={"lin:Approved"})) == set()
    assert labels(lg.trace("Example Applicant Centre", statuses={"lin:Applied"})) == {
        "Example Hoped-for Centre"}
    succeeded = lg.query("SELECT ?x WHERE { ?o rdfs:label 'Example Applicant Centre'@en ; "
                         "lin:succeededBy ?x }")
    pending = lg.query("SELECT ?x WHERE { ?o rdfs:label 'Example Applicant Centre'@en ; "
                       "lin:pendingSuccessor ?x }")
    assert len(succeeded) == 0 and len(pending) == 1


def test_long_chain_traces_without_recursion(tmp_path):
    n = 10_000
    lines = ['@prefix lin: <https://w3id.org/lineage/ontology#> .',
             '@prefix org: <http://www.w3.org/ns/org#> .',
             '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .',
             '@prefix i: <https://w3id.org/lineage/id/inst/> .',
             '@prefix e: <https://w3id.org/lineage/id/event/> .']
    for k in range(n + 1):
        lines.append(f'i:c{k} a lin:NationalEngineeringResearchCenter ; rdfs:label "Long {k}"@en .')
    for k in range(n):
        lines.append(f'e:h{k} a lin:Conversion ; org:originalOrganization i:c{k} ; '
                     f'org:resultingOrganization i:c{k + 1} ; lin:status lin:Approved .')
    path = tmp_path / "long.ttl"
    path.write_text("\n".join(lines))
    lg = Lineage.open(data=[path], bundled=False)
    down = lg.trace("Long 0")
    assert len(down.hops) == n and down.hops[-1].depth == n
    up = lg.trace(f"Long {n}", "up")
    assert len(up.hops) == n
    assert len(lg.path("Long 0", f"Long {n}").steps) == n


# -- property: down and up agree -------------------------------------------------------------
STATUSES = ["Approved", "Completed", "Applied", "Rejected", "Planned"]
edges_strategy = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 7), st.sampled_from(STATUSES)),
    min_size=1, max_size=14)


def _graph_file(edges, folder: Path) -> Path:
    lines = ['@prefix lin: <https://w3id.org/lineage/ontology#> .',
             '@prefix org: <http://www.w3.org/ns/org#> .',
             '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .']
    for k in range(8):
        lines.append(f'<https://w3id.org/lineage/id/inst/n{k}> a lin:University ; rdfs:label "N{k}"@en .')
    for j, (a, b, status) in enumerate(edges):
        lines.append(f'<https://w3id.org/lineage/id/event/e{j}> a lin:Conversion ; '
                     f'org:originalOrganization <https://w3id.org/lineage/id/inst/n{a}> ; '
                     f'org:resultingOrganization <https://w3id.org/lineage/id/inst/n{b}> ; '
                     f'lin:status lin:{status} .')
    path = folder / "random.ttl"
    path.write_text("\n".join(lines))
    return path


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=edges_strategy, start=st.integers(0, 7))
def test_every_descendant_has_the_start_among_its_ancestors(tmp_path, edges, start):
    lg = Lineage.open(data=[_graph_file(edges, tmp_path)], bundled=False)
    root = f"https://w3id.org/lineage/id/inst/n{start}"
    for node in lg.trace(root).reached():
        assert root in lg.trace(node, "up").reached() | {node}


# -- CLI -------------------------------------------------------------------------------------
def test_cli_wheat_conversion_is_applied_not_approved(run):
    result = run("trace", WHEAT_ETRC)
    assert result.exit_code == 0, result.output
    [line] = [l for l in result.output.splitlines() if WHEAT_NTIC in l]
    assert "Conversion" in line and "APPLIED, pending - not approved" in line
    assert "APPROVED]" not in line
    sources = result.output.split(WHEAT_NTIC, 1)[1]
    assert "Henan Business Daily" in sources and "2022-10-21" in sources and "2020-07-17" in sources


def test_cli_wheat_trace_keeps_date_precision(run, bundled):
    [row] = bundled.query(
        "SELECT ?d WHERE { ?e a lin:Conversion ; org:originalOrganization/rdfs:label "
        f"'{WHEAT_ETRC}'@en ; dcterms:date ?d }}").rows
    precision = {"gYear": "year", "gYearMonth": "month", "date": "day"}[row[0].datatype.split("#")[1]]
    assert f"{row[0]} ({precision})" in run("trace", WHEAT_ETRC).output


def test_cli_up_from_the_innovation_centre_shows_the_engineering_centre(run):
    result = run("trace", WHEAT_NTIC, "--up")
    assert result.exit_code == 0 and WHEAT_ETRC in result.output


def test_cli_json_validates_against_the_documented_schema(run, fixture_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path(__file__).parent.parent / "lineage" / "schemas" / "trace.schema.json"
    schema = json.loads(schema_path.read_text())
    for args in (["trace", WHEAT_ETRC, "--format", "json"],
                 ["--data", fixture_path("trace", "cycle.ttl"), "trace", "Example Cycle Centre 1",
                  "--both", "--format", "json"],
                 ["--data", fixture_path("trace", "chain.ttl"), "trace", "Example Chain Centre 1",
                  "--depth", "2", "--as-of", "2010", "--status", "settled", "--format", "json"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        jsonschema.validate(json.loads(result.output), schema)


def test_cli_unknown_name_suggests(run):
    result = run("trace", "National Wheat Engineering Technology Research Centre")
    assert result.exit_code == 2 and "Did you mean" in result.stderr and WHEAT_ETRC in result.stderr


def test_cli_ambiguous_name_lists_candidates(run, fixture_path):
    result = run("--data", fixture_path("cli", "ambiguous.ttl"), "trace", "Example Twin Institute")
    assert result.exit_code == 2 and "example-twin-a" in result.stderr


@pytest.mark.parametrize("bad", ["2021-13", "21", "May 2021", "2021-02-30"])
def test_cli_malformed_as_of_names_accepted_forms(run, bad):
    result = run("trace", WHEAT_ETRC, "--as-of", bad)
    assert result.exit_code == 2 and "YYYY, YYYY-MM or YYYY-MM-DD" in result.stderr


def test_cli_unknown_status_names_accepted_ones(run):
    result = run("trace", WHEAT_ETRC, "--status", "approvd")
    assert result.exit_code == 2 and "accepted: planned" in result.stderr


def test_cli_path_and_no_path(run, fixture_path):
    chain = fixture_path("trace", "chain.ttl")
    result = run("--data", chain, "path", "Example Chain Centre 1", "Example Chain Centre 3")
    assert result.exit_code == 0 and "2 hop(s)" in result.output
    none = run("--data", chain, "path", "Example Chain Centre 1", WHEAT_ETRC)
    assert none.exit_code == 1 and "no path between" in none.stderr


def test_cli_path_via_units_walks_memberships(run):
    plain = run("path", WHEAT_ETRC, "Henan Agricultural University")
    assert plain.exit_code == 1 and "--via-units" in plain.stderr
    result = run("path", WHEAT_ETRC, "Henan Agricultural University", "--via-units")
    assert result.exit_code == 0, result.output
    assert "--[SupportingUnit]-->" in result.output and "1 hop(s)" in result.output


def test_cli_asic_centre_converted_into_the_eda_centre(run):
    result = run("trace", "National ASIC System Engineering Technology Research Center")
    assert result.exit_code == 0
    [line] = [l for l in result.output.splitlines() if "国家集成电路设计自动化技术创新中心" in l]
    assert "Conversion, 2022-12-30 (day), APPROVED]" in line
    assert "sources:" in result.output.split(line, 1)[1]


HOSTILE = TURTLE_PREFIXES + """inst:hostile a lin:University ; rdfs:label "Hostile Example\\r-> [Conversion, 2023, APPROVED]\\u001b]0;pwned\\u0007\\u001b[32m"@en ;
    dcterms:source src:hostile .
src:hostile a lin:Source ; dcterms:title "Title\\u001b[2J" .
event:hostile a lin:Conversion ; org:originalOrganization inst:hostile ;
    org:resultingOrganization inst:national-wheat-technology-innovation-center ;
    lin:status lin:Applied ; dcterms:date "2023"^^xsd:gYear ; dcterms:source src:hostile .
"""


@pytest.mark.parametrize("command", [["trace", "inst:hostile"], ["show", "inst:hostile"],
                                     ["search", "Hostile Example"],
                                     ["query", "SELECT ?l WHERE { inst:hostile rdfs:label ?l }"]])
def test_terminal_output_escapes_control_characters_in_data(run, tmp_path, command):
    data = tmp_path / "hostile.ttl"
    data.write_text(HOSTILE, encoding="utf-8")
    result = run("--data", str(data), *command)
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\r" not in result.stdout and "\x07" not in result.stdout
    assert "Hostile Example\\r-> [Conversion, 2023, APPROVED]\\x1b]0;pwned\\x07" in result.stdout
    if command[0] == "trace":
        assert "APPLIED, pending - not approved" in result.stdout
    json_out = run("--data", str(data), "show", "inst:hostile", "--format", "json").stdout
    assert "\\u001b]0;pwned" in json_out  # the JSON formats keep the data as data
