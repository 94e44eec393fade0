"""The command-line contract of DESIGN section 3, through click's CliRunner."""

from __future__ import annotations

import json

import pytest

from lineage.cli import main

WHEAT_ETRC = "National Wheat Engineering Technology Research Center"
WHEAT_ETRC_ZH = "国家小麦工程技术研究中心"
WHEAT_NTIC_ZH = "国家小麦技术创新中心"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output, f"`lineage {command} --help` shows no example"


def test_top_level_help_documents_exit_codes(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "Exit codes" in result.output and "Example" in result.output


def test_info_prints_counts_by_class_and_sources(run):
    result = run("info")
    assert result.exit_code == 0, result.output
    assert "National Engineering Technology Research Center" in result.output
    assert "sources:" in result.output
    assert "validation: valid" in result.output


def test_info_json_counts_match_the_graph(run, bundled):
    data = json.loads(run("info", "--format", "json").output)
    counts = {c["label"]: c["count"] for c in data["class_counts"]}
    (n,), = bundled.query(
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a/rdfs:subClassOf* lin:Institution }").rows
    assert counts["institution"] == int(n)
    assert data["sources"] > 10
    assert data["conforms"] is True


def test_validate_bundled_graph_exits_zero(run):
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "valid: 0 violation(s)" in result.output


@pytest.mark.parametrize("name", [WHEAT_ETRC, WHEAT_ETRC_ZH])
def test_show_wheat_centre_has_unit_pending_conversion_and_sources(run, name):
    result = run("show", name)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "supporting unit: Henan Agricultural University (河南农业大学)" in out
    events = out[out.index("\nEvents"):]
    conversion = events[events.index("Conversion"):]
    assert "[APPLIED]" in conversion.splitlines()[0]
    assert WHEAT_NTIC_ZH in conversion
    assert "Henan Business Daily" in conversion
    assert "2022-10-21" in conversion and "2020-07-17" in conversion


def test_show_json_lists_each_source_with_title_and_date(run, bundled):
    data = json.loads(run("show", WHEAT_ETRC, "--format", "json").output)
    [conversion] = [e for e in data["events"] if e["event_type"] == "lin:Conversion"]
    assert conversion["status"] == "lin:Applied"
    assert len(conversion["sources"]) >= 3
    for source in conversion["sources"]:
        assert source["title"] and source["date"], source


def test_search_finds_both_wheat_institutions(run):
    result = run("search", "小麦")
    assert result.exit_code == 0
    assert WHEAT_ETRC_ZH in result.output and WHEAT_NTIC_ZH in result.output


def test_search_is_width_and_case_insensitive(run):
    assert "Henan Agricultural University" in run("search", "ＨＥＮＡＮ agricultural").output


def test_search_without_hits_says_so(run):
    result = run("search", "no such institution anywhere")
    assert result.exit_code == 0 and "no institution label contains" in result.output


def test_show_ambiguous_name_lists_candidates(run, fixture_path):
    result = run("--data", fixture_path("cli", "ambiguous.ttl"), "show", "Example Twin Institute")
    assert result.exit_code == 2
    assert "inst/example-twin-a" in result.stderr and "inst/example-twin-b" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_show_unknown_name_suggests_close_matches(run):
    result = run("show", "National Wheat Engineering Technology Research Centre")
    assert result.exit_code == 2
    assert "Did you mean" in result.stderr and WHEAT_ETRC in result.stderr


def test_show_accepts_prefixed_iri_and_acronym(run, bundled):
    iri = bundled.resolve(WHEAT_ETRC).iri
    assert run("show", iri).exit_code == 0
    assert WHEAT_ETRC in run("show", "inst:" + iri.rsplit("/", 1)[1]).output
    assert "Ministry of Science and Technology" in run("show", "MOST").output


def test_validate_broken_file_reports_each_violation(run, fixture_path):
    result = run("validate", fixture_path("cli", "broken-shape.ttl"))
    assert result.exit_code == 1
    out = result.output
    assert out.count("Violation:") >= 2
    assert "focus: inst:example-unsourced-centre" in out
    assert "path:  dcterms:source" in out and "path:  rdfs:label" in out
    assert "broken-shape.ttl" in out


def test_validate_syntax_error_names_file_line_and_column(run, fixture_path):
    path = fixture_path("cli", "syntax-error.ttl")
    result = run("validate", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}:8:")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name,expected", [("missing.ttl", "no such file"), ("gbk.ttl", "UTF-8")])
def test_unreadable_files_get_one_line_and_exit_2(run, fixture_path, name, expected):
    result = run("validate", fixture_path("cli", name))
    assert result.exit_code == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("name,message", [("data.xyz", "unsupported file type"),
                                          ("data.rdf", "RDF/XML is not accepted")])
def test_unsupported_file_type_is_refused(run, tmp_path, name, message):
    path = tmp_path / name
    path.write_text("<rdf:RDF/>")
    result = run("--data", str(path), "info")
    assert result.exit_code == 2 and message in result.stderr


def test_unknown_store_kind_is_bad_usage(run):
    result = run("--store", "nonsense:x", "info")
    assert result.exit_code == 2 and "unknown store" in result.stderr


def test_info_reports_coverage_by_confidence_and_source_domain(run, bundled):
    data = json.loads(run("info", "--format", "json", "--no-validate").output)
    # facts: sourced nodes other than sources, policy documents included (they are both);
    # `a lin:Source` also finds policy documents, whose superclass it is
    (high,), = bundled.query("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x lin:confidence lin:High ; "
                             "dcterms:source ?s FILTER NOT EXISTS { ?x a lin:Source "
                             "FILTER NOT EXISTS { ?x a lin:PolicyDocument } } }").rows
    assert data["confidence"]["lin:High"] == int(high)
    assert data["source_domains"]["jamestown.org"] >= 1
    text = run("info", "--no-validate").output
    assert "confidence of facts" in text and "sources by domain" in text


def test_show_presents_both_conflicting_claims(run):
    out = run("show", "京津冀国家技术创新中心").output
    assert "2020-05 (month)" in out and "2020-06 (month)" in out
    assert out.count("SOURCES DISAGREE") == 2


def test_info_reuses_the_validation_state_of_the_unchanged_bundled_graph(run, tmp_path, monkeypatch,
                                                                         fixture_path):
    from lineage.graph import validation_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert "validation: valid" in run("info").output
    [cached] = (tmp_path / "lineage").glob("validation-*.json")
    assert cached.name == f"validation-{validation_cache.cache_key()}.json"
    cached.write_text('{"conforms": false, "violations": 7, "warnings": 0}')
    assert "validation: 7 violation(s)" in run("info").output  # the cache is what was read
    with_data = run("--data", fixture_path("cli", "broken-shape.ttl"), "info").output
    assert "validation: 2 violation(s)" in with_data  # extra files: always checked afresh


@pytest.mark.parametrize("command", [
    ["export", "--format", "ttl", "-o", "{missing}/graph.ttl"],
    ["export", "--format", "csv", "-o", "{missing}/under/a/file"],
    ["render", "-o", "{missing}/view.html"],
    ["figure", "National ASIC System Engineering Technology Research Center", "-o",
     "{missing}/figure.svg"],
    ["audit", "-n", "2", "-o", "{missing}/audit.csv"],
])
def test_an_output_path_that_cannot_be_written_is_exit_2_everywhere(run, tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    args = [part.format(missing=blocker) for part in command]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert str(blocker) in result.stderr and "internal error" not in result.stderr
    assert list(tmp_path.iterdir()) == [blocker]  # nothing half-written beside it


def test_a_validation_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    # the folder can be made but the file cannot be written (a read-only home, a full disk):
    # write_atomic reports that as an InputError, which the cache must skip like an OSError
    import lineage.atomic
    from lineage.graph import validation_cache

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(lineage.atomic, "_replace", refuse)
    validation_cache.write("k" * 32, True, 0, 0)  # no error
    assert list((tmp_path / "lineage").iterdir()) == []
