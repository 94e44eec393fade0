"""Each canned query on the bundled graph, and the `lineage query` options around them."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest

from conftest import TURTLE_PREFIXES
from rdflib import URIRef

from lineage.namespaces import shorten
from lineage.sparql.canned import load_all

WHEAT_ETRC = "National Wheat Engineering Technology Research Center"
ROOT = Path(__file__).resolve().parent.parent


def rows(lg, name, **params):
    return [{k: str(v) for k, v in row.items()} for row in lg.run_canned(name, params).bindings()]


def test_conversions_lists_the_wheat_conversion_as_applied(bundled):
    found = [r for r in rows(bundled, "conversions") if r.get("originalLabel") == WHEAT_ETRC]
    assert len(found) == 1  # one row per event and original, its sources in one cell
    [wheat] = found
    assert (wheat["status"], wheat["type"]) == ("applied", "conversion")
    assert (wheat["resultLabel"], wheat["resultZh"]) == ("National Wheat Technology Innovation Center",
                                                         "国家小麦技术创新中心")
    assert wheat["originalZh"] == "国家小麦工程技术研究中心"
    assert len(wheat["sources"].split("; ")) >= 3


def test_mergers_include_the_nel_nerc_consolidation(bundled):
    found = rows(bundled, "mergers")
    [consolidation] = [r for r in found if r["type"] == "consolidation"]
    assert consolidation["level"] == "programme" and consolidation["status"] == "completed"
    # one row per change: what it merged in one cell, English and Chinese names together
    assert consolidation["originals"] == ("National Engineering Laboratory (国家工程实验室); "
                                          "National Engineering Research Center (国家工程研究中心)")
    assert consolidation["into"] == "National Engineering Research Center (国家工程研究中心)"
    assert consolidation["date"] == "2021" and len(consolidation["sources"].split("; ")) == 3


def test_mergers_give_one_row_per_change(bundled):
    """Regression: a row per original and per source gave 8 rows for 2 changes."""
    [(count,)] = bundled.query("""SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
        { ?c a lin:Merger } UNION { ?c a lin:ProgrammeChange ; lin:changeKind ?k
                                    VALUES ?k { lin:Consolidation lin:MergeOrIntegrate } } }""").rows
    found = rows(bundled, "mergers")
    assert len(found) == len({r["change"] for r in found}) == int(count) >= 2
    assert {r["type"] for r in found} == {"consolidation", "merge or integrate"}
    for r in found:
        assert r["sources"] == "; ".join(sorted(set(r["sources"].split("; "))))


def test_an_institution_merger_is_one_row_with_its_originals(run, tmp_path):
    data = tmp_path / "merger.ttl"
    data.write_text(TURTLE_PREFIXES + """
event:example-merger a lin:Merger ;
    org:originalOrganization inst:national-wheat-engineering-technology-research-center ,
                             inst:nanchang-university ;
    org:resultingOrganization inst:national-wheat-technology-innovation-center ;
    lin:status lin:Planned ; dcterms:date "2030"^^xsd:gYear ;
    dcterms:source src:cslgdxb-nerc-new-sequence , src:gov-cn-2018-08-24 .
""", encoding="utf-8")
    for name in ("mergers", "lineage-of"):
        result = run("--data", str(data), "query", "--name", name, "--format", "csv")
        assert result.exit_code == 0, result.output
        merger = [line for line in result.stdout.splitlines() if "example-merger" in line]
        assert len(merger) == 1, (name, result.stdout)
        assert ("Nanchang University (南昌大学); National Wheat Engineering Technology Research Center "
                "(国家小麦工程技术研究中心)") in merger[0], name
        assert "src:cslgdxb-nerc-new-sequence; src:gov-cn-2018-08-24" in merger[0], name
        assert ",merger," in merger[0] and ",planned," in merger[0], name


def test_lineage_of_takes_any_name(bundled):
    def events(found):
        return [{k: v for k, v in r.items() if k != "institution"} for r in found]

    by_default = rows(bundled, "lineage-of")
    by_chinese = rows(bundled, "lineage-of", institution="国家小麦技术创新中心")
    assert events(by_default) == events(by_chinese)
    assert {r["event"].rsplit("/", 1)[1] for r in by_default} == {"national-wheat-etrc-conversion-to-ntic"}


def test_lineage_of_gives_one_row_per_event(bundled):
    """Regression: a row per source gave four rows for the wheat centre's one conversion."""
    wheat = URIRef(bundled.resolve(WHEAT_ETRC).iri)
    family = """SELECT DISTINCT ?event WHERE {
        { ?institution (^org:originalOrganization/org:resultingOrganization)* ?member }
        UNION { ?institution (^org:resultingOrganization/org:originalOrganization)* ?member }
        ?event org:originalOrganization|org:resultingOrganization ?member ; a lin:ChangeEvent .
        FILTER NOT EXISTS { ?event a lin:Establishment } FILTER NOT EXISTS { ?event a lin:Acceptance } }"""
    events = [e for (e,) in bundled.query(family, bindings={"institution": wheat}).rows]
    found = rows(bundled, "lineage-of")
    assert len(found) == len(events) == 1 and [r["event"] for r in found] == [str(e) for e in events]
    [conversion] = found
    assert (conversion["type"], conversion["status"], conversion["date"]) == ("conversion", "applied", "2023")
    assert conversion["originals"] == f"{WHEAT_ETRC} (国家小麦工程技术研究中心)"
    assert conversion["results"] == "National Wheat Technology Innovation Center (国家小麦技术创新中心)"
    # every source of the event, sorted, in one cell
    cited = sorted(shorten(str(s)) for (s,) in bundled.query(
        "SELECT DISTINCT ?s WHERE { ?e dcterms:source ?s }", bindings={"e": events[0]}).rows)
    assert conversion["sources"].split("; ") == cited and len(cited) == 4


def test_by_managing_unit(bundled):
    most = rows(bundled, "by-managing-unit", unit="MOST")
    assert [r["managedLabel"] for r in most] == ["National Engineering Technology Research Center"]
    units = {r["unitLabel"] for r in rows(bundled, "by-managing-unit")}
    assert {"Ministry of Education", "Ministry of Public Security"} <= units


def test_by_supporting_unit(bundled):
    pairs = {(r["unitLabel"], r["institutionLabel"]) for r in rows(bundled, "by-supporting-unit")}
    assert ("Henan Agricultural University", WHEAT_ETRC) in pairs
    assert ("Nanchang University", "National Silicon-based LED Engineering Technology Research Center") in pairs
    only = rows(bundled, "by-supporting-unit", unit="南昌大学")
    assert {r["unitLabel"] for r in only} == {"Nanchang University"}
    assert {r["unitZh"] for r in only} == {"南昌大学"}


def test_by_supporting_unit_covers_lead_units_and_co_builders(bundled):
    """Regression: only the supporting-unit role was listed, so lead units and co-builders of
    the innovation centres were missing."""
    found = rows(bundled, "by-supporting-unit")
    assert {"supporting unit", "lead unit", "co-builder"} == {r["role"] for r in found}
    southeast = {(r["role"], r["institutionLabel"]) for r in found
                 if r["unitLabel"] == "Southeast University"}
    assert ("lead unit", "National Integrated Circuit Design Automation Technology Innovation Center") in southeast
    assert ("co-builder", "National Technology Innovation Center for Green and Low-carbon Buildings") in southeast
    assert all(r["sources"].startswith(("src:", "policy:")) for r in found)


def test_sources_of_one_institution(bundled):
    found = rows(bundled, "sources-of")
    publishers = {r.get("publisher", "") for r in found}
    assert any("Henan Business Daily" in p for p in publishers)
    supported = {part for r in found for part in r["supports"].split("; ")}
    assert {"the institution", "its names", "a membership", "an event"} <= supported
    [jamestown] = [r for r in found if r["source"].endswith("jamestown-china-brief-2023-in-search-of-self-reliance")]
    assert jamestown["supports"] == "a membership; an event; its names; the institution"


def test_sources_of_gives_one_row_per_source(bundled):
    """Regression: a row per source and per thing it supports gave 13 rows for 5 sources."""
    cited = """SELECT (COUNT(DISTINCT ?source) AS ?n) WHERE {
        { ?institution dcterms:source|lin:labelSource ?source }
        UNION { ?node org:member|org:organization ?institution ; a org:Membership ; dcterms:source ?source }
        UNION { ?node org:originalOrganization|org:resultingOrganization|lin:recipient|lin:visited|lin:population
                      ?institution ; dcterms:source ?source } }"""
    for name in (WHEAT_ETRC, "MOST", "国家小麦技术创新中心"):
        iri = URIRef(bundled.resolve(name).iri)
        [(count,)] = bundled.query(cited, bindings={"institution": iri}).rows
        found = rows(bundled, "sources-of", institution=name)
        assert len(found) == len({r["source"] for r in found}) == int(count) > 0, name


def test_policy_timeline_is_in_date_order(bundled):
    found = rows(bundled, "policy-timeline")
    dates = [r["issued"] for r in found if "issued" in r]
    assert dates == sorted(dates) and dates[0].startswith("1993")
    assert any(r.get("titleZh") == "国家工程技术研究中心暂行管理办法" for r in found)


def test_statistics_series_by_indicator(bundled):
    shares = rows(bundled, "statistics", indicator="lin:AchievementShareByOrigin")
    values = {(r["period"], Decimal(r["value"])) for r in shares}
    assert values == {("2014", Decimal("70.40")), ("2014", Decimal("23.56")),
                      ("2015", Decimal("71.22")), ("2015", Decimal("24.27")),
                      ("2016", Decimal("88.72"))}
    assert len(shares) == len(values)  # one row per figure, its two sources in one cell
    assert all(len(r["sources"].split("; ")) == 2 for r in shares)
    assert len(rows(bundled, "statistics")) > len(shares)


def test_statistics_say_what_each_figure_counts(bundled):
    """Regression: a figure counting NELs and NERCs together came out as two rows, one per
    class, which read as "348 NELs and 348 NERCs"."""
    found = rows(bundled, "statistics", indicator="lin:EvaluatedUnitCount")
    by_value = {Decimal(r["value"]): r for r in found}
    assert [Decimal(r["value"]) for r in found].count(Decimal(348)) == 1
    assert by_value[Decimal(348)]["counted"] == "NEL; NERC"
    assert by_value[Decimal(217)]["counted"] == "NEL" and by_value[Decimal(131)]["counted"] == "NERC"
    assert "evaluated" in by_value[Decimal(348)]["figure"]
    assert {r["unit"] for r in found} == {"count"} and by_value[Decimal(349)]["confidence"] == "low"


def test_pending_events(bundled):
    found = rows(bundled, "pending-events")
    assert {r["status"] for r in found} <= {"planned", "applied", "in progress"}
    [wheat] = [r for r in found if r.get("what") == WHEAT_ETRC]
    assert (wheat["status"], wheat["kind"], wheat["intoZh"]) == ("applied", "conversion", "国家小麦技术创新中心")
    assert len(wheat["sources"].split("; ")) == 4  # one row, its four sources in one cell
    assert len(found) == len({(r["event"], r.get("what")) for r in found})


def test_pending_events_name_the_narrowest_kind_when_supertypes_are_stated(run, tmp_path):
    """An event typed with its superclasses too (as an RDFS closure states them) is still one
    row, named by its own kind."""
    data = tmp_path / "types.ttl"
    data.write_text("""
@prefix lin: <https://w3id.org/lineage/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix event: <https://w3id.org/lineage/id/event/> .
event:national-wheat-etrc-conversion-to-ntic a lin:ChangeEvent , org:ChangeEvent .
""", encoding="utf-8")
    plain = run("query", "--name", "pending-events", "--format", "csv")
    typed = run("--data", str(data), "query", "--name", "pending-events", "--format", "csv")
    assert typed.exit_code == 0, typed.output
    assert typed.stdout == plain.stdout and ",conversion," in typed.stdout


def test_quality_checks_are_empty_on_the_bundled_graph(bundled):
    assert rows(bundled, "quality-unsourced") == []
    assert rows(bundled, "quality-no-chinese-label") == []


def test_quality_checks_find_planted_faults(run, fixture_path):
    broken = fixture_path("cli", "broken-shape.ttl")
    for name in ("quality-unsourced", "quality-no-chinese-label"):
        result = run("--data", broken, "query", "--name", name, "--format", "csv")
        assert "example-unsourced-centre" in result.output, name


def test_every_canned_query_has_a_header_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, query in load_all().items():
        assert query.title and query.description, name
        assert f"`{name}`" in readme, f"README does not list canned query {name}"


def test_list_shows_every_canned_query_with_parameters(run):
    result = run("query", "--list")
    for name, query in load_all().items():
        assert f"{name}: {query.title}" in result.output
        for p in query.params:
            assert f"--param {p.name}=" in result.output


@pytest.mark.parametrize("args,message", [
    (["--name", "nonesuch"], "no canned query named 'nonesuch'"),
    (["--name", "lineage-of", "--param", "nope=1"], "has no parameter 'nope'"),
    (["--name", "lineage-of", "--param", "institution"], "use NAME=VALUE"),
    (["--name", "lineage-of", "--param", "institution=No Such Centre"], "no institution named"),
    (["--name", "statistics", "--param", "indicator=not an iri"], "not an IRI"),
    ([], "no query"),
])
def test_bad_canned_usage_is_a_clear_error(run, args, message):
    result = run("query", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_ask_sets_the_exit_code(run):
    yes = run("query", "ASK { ?x lin:pendingSuccessor ?y }")
    no = run("query", "ASK { ?x lin:mergedInto ?y }")
    assert (yes.exit_code, yes.output.strip()) == (0, "true")
    assert (no.exit_code, no.output.strip()) == (1, "false")


def test_json_is_sparql_results_json(run):
    result = run("query", "--name", "conversions", "--format", "json")
    parsed = list(pyoxigraph.parse_query_results(result.output.encode(),
                                                 format=pyoxigraph.QueryResultsFormat.JSON))
    assert parsed and "original" in json.loads(result.output)["head"]["vars"]


def test_csv_and_tsv_keep_chinese_text(run, tmp_path):
    result = run("query", "SELECT ?l WHERE { ?x a lin:University ; rdfs:label ?l }", "--format", "csv")
    path = tmp_path / "out.csv"
    path.write_bytes(result.stdout_bytes)
    with path.open(encoding="utf-8", newline="") as handle:
        values = {row[0] for row in csv.reader(handle)}
    assert "河南农业大学" in values and "l" in values
    tsv = run("query", "SELECT ?l WHERE { ?x a lin:University ; rdfs:label ?l }", "--format", "tsv")
    assert '"南昌大学"@zh' in tsv.output.splitlines()


def test_ttl_for_construct_and_refused_for_select(run):
    result = run("query", "CONSTRUCT { ?a lin:pendingSuccessor ?b } WHERE { ?a lin:pendingSuccessor ?b }",
                 "--format", "ttl")
    assert result.exit_code == 0 and "lin:pendingSuccessor" in result.output
    refused = run("query", "SELECT * WHERE { ?a ?b ?c } LIMIT 1", "--format", "ttl")
    assert refused.exit_code == 2 and "CONSTRUCT and DESCRIBE" in refused.stderr


def test_query_from_file_and_stdin(run, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("SELECT ?x WHERE { ?x a lin:University }", encoding="utf-8")
    assert "nanchang-university" in run("query", "--file", str(path)).output
    assert "nanchang-university" in run("query", input="SELECT ?x WHERE { ?x a lin:University }").output
    missing = run("query", "--file", str(tmp_path / "missing.rq"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_table_is_aligned_with_chinese_text(run):
    import re

    from lineage.outputs.terminal import width

    out = run("query", "SELECT ?l ?x WHERE { ?x a lin:University ; rdfs:label ?l }").stdout
    lines = [line for line in out.splitlines() if "inst:" in line or line.startswith("l ")]
    assert any(re.search(r"[\u4e00-\u9fff]", line) for line in lines)
    # the second column starts at the same display column on every line, CJK or not
    starts = {width(re.match(r"^(.*?\S)\s{2,}(?=\S)", line).group(0)) for line in lines}
    assert len(starts) == 1, out


def test_ntic_list_has_dates_units_and_sources(bundled):
    found = rows(bundled, "ntic-list")
    centres = {r["labelEn"] for r in found}
    assert len(centres) >= 20 and "National Wheat Technology Innovation Center" in centres
    [eda] = [r for r in found if r["labelZh"] == "国家集成电路设计自动化技术创新中心"]
    assert eda["approval"] == "2022-12-30 conversion, approved"
    assert eda["units"] == "Southeast University (lead unit)"
    assert eda["sources"] == "src:jschina-2023-02-07-eda-ntic; src:pinhui-seu-news-eda-ntic"
    [jingjinji] = [r for r in found if r["labelZh"] == "京津冀国家技术创新中心"]
    # two sources disagree on the date: both claims listed, in one cell
    assert jingjinji["approval"] == "2020-05 establishment, approved; 2020-06 establishment, approved"


def test_ntic_list_gives_one_row_per_centre(bundled):
    """Regression: a row per source and per role gave 31 rows for 20 centres."""
    [(count,)] = bundled.query(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a lin:NationalTechnologyInnovationCenter }").rows
    found = rows(bundled, "ntic-list")
    assert len(found) == len({r["centre"] for r in found}) == int(count) >= 20
    [wheat] = [r for r in found if r["labelEn"] == "National Wheat Technology Innovation Center"]
    assert wheat["approval"] == "2023 conversion, applied" and len(wheat["sources"].split("; ")) == 4


def test_new_sequence_lineages(bundled):
    found = rows(bundled, "new-sequence-lineages")
    pairs = {(r["originalLabel"], r["resultLabel"]) for r in found}
    assert ("National Engineering Laboratory for Highway Maintenance Technology",
            "National Engineering Research Center for Highway Maintenance Technology") in pairs
    assert all(r["originalType"] in ("NEL", "NERC") for r in found)
    vacuum = [r for r in found if r["originalZh"] == "真空冶金国家工程实验室"]
    assert [(r["resultZh"], r["eventType"], r["status"]) for r in vacuum] == [
        ("真空冶金国家工程研究中心", "conversion", "completed")]
    assert len(vacuum[0]["sources"].split("; ")) == 2


def test_conflicting_counts_appear_twice_with_their_sources(bundled):
    found = rows(bundled, "statistics", indicator="lin:EvaluatedUnitCount")
    values = {(Decimal(r["value"]), r["sources"]) for r in found if r["period"] == "2021"}
    assert {v for v, _ in values} >= {Decimal(348), Decimal(349)}
    assert len({s for _, s in values}) >= 2


def test_lateral_only_changes_the_evaluation_order(bundled):
    """The .rq files say LATERAL can be deleted for engines without it: check that claim for
    every institution of the bundled graph (same rows with and without the word; list cells
    compared as lineage prints them, since GROUP_CONCAT's order is the engine's)."""
    import re

    from lineage.sparql.canned import tidy

    institutions = [str(i) for (i,) in bundled.query(
        "SELECT DISTINCT ?i WHERE { ?i a ?t . ?t rdfs:subClassOf* lin:Institution }").rows]
    lateral = {name: q for name, q in bundled.canned_queries().items() if "LATERAL" in q.text}
    assert {"lineage-of", "sources-of"} <= set(lateral)
    answered = 0
    for name, query in lateral.items():
        plain = re.sub(r"\bLATERAL\b", "", query.text)
        for iri in institutions:
            bindings = {p.name: URIRef(iri) for p in query.params}
            with_it = sorted(map(str, tidy(query, bundled.query(query.text, bindings=bindings)).rows))
            without = sorted(map(str, tidy(query, bundled.query(plain, bindings=bindings)).rows))
            assert with_it == without, (name, iri)
            answered += bool(with_it)
    assert answered > 20


def _portable_names() -> list[str]:
    from importlib import resources

    folder = resources.files("lineage").joinpath("queries", "portable")
    return sorted(entry.name[:-3] for entry in folder.iterdir() if entry.name.endswith(".rq"))


@pytest.mark.parametrize("name", _portable_names())
@pytest.mark.parametrize("institution", [
    "国家小麦工程技术研究中心", "MOST", "国家小麦技术创新中心", "Changsha University of Science and Technology",
    "National Engineering Laboratory for Highway Maintenance Technology"])
def test_portable_forms_give_the_same_rows(bundled, name, institution):
    """A `sparql:` store runs queries/portable/NAME.rq (no LATERAL): same rows, same order."""
    from lineage.sparql import canned

    query = canned.get(name)
    given = {"institution": bundled.resolve(institution).iri} if query.params else {}
    bound = bundled._bind_params(query, given)
    original = canned.tidy(query, bundled.query(query.text, bindings=bound))
    portable_query = canned.get(name, portable=True)
    portable_text = portable_query.text
    code = "\n".join(line.split("#")[0] for line in portable_text.splitlines())
    assert "LATERAL" not in code and portable_text != query.text
    assert portable_query.lists == query.lists
    # list cells compared as lineage prints them: GROUP_CONCAT's order is the engine's
    portable = canned.tidy(portable_query, bundled.query(portable_text, bindings=bound))
    assert portable.variables == original.variables
    assert portable.rows == original.rows


def _canned_texts() -> list[tuple[str, str]]:
    from importlib import resources

    folder = resources.files("lineage").joinpath("queries")
    found = [(e.name, e.read_text(encoding="utf-8")) for e in folder.iterdir() if e.name.endswith(".rq")]
    portable = folder.joinpath("portable")
    found += [(f"portable/{e.name}", e.read_text(encoding="utf-8"))
              for e in portable.iterdir() if e.name.endswith(".rq")]
    return sorted(found)


@pytest.mark.parametrize("name,text", _canned_texts(), ids=[n for n, _ in _canned_texts()])
def test_every_canned_query_orders_by_every_column(name, text):
    """Rows come out in one order on every store only if every output column is sorted on
    (a parameter's column holds one value, the one given)."""
    import re

    from lineage.sparql.canned import parse_canned

    params = {p.name for p in parse_canned(name, text).params}
    code = "\n".join(line.split("#")[0] for line in text.splitlines())
    head = re.search(r"SELECT\s+(?:DISTINCT\s+)?(.*?)\s+WHERE", code, flags=re.S).group(1)
    columns = set(re.findall(r"\?(\w+)", head)) - params
    order = code.rsplit("ORDER BY", 1)[1]
    assert columns <= set(re.findall(r"\?(\w+)", order)), name


def test_list_cells_are_sorted_whatever_order_the_engine_gave():
    from rdflib import Literal, URIRef

    from lineage.sparql.canned import get, tidy
    from lineage.sparql.results import QueryResult

    query = get("ntic-list")
    assert "sources" in query.lists and "units" in query.lists
    src = "https://w3id.org/lineage/id/src/"
    raw = QueryResult("SELECT", ["centre", "sources", "province"], [
        (URIRef("urn:x"), Literal(f"{src}b; {src}a; {src}b"), Literal("b; a")),
        (URIRef("urn:y"), None, None)])
    tidied = tidy(query, raw)
    assert tidied.rows[0][1] == Literal("src:a; src:b")
    assert tidied.rows[0][2] == Literal("b; a")  # not a list column: left alone
    assert tidied.rows[1] == (URIRef("urn:y"), None, None)
    assert raw.rows[0][1] == Literal(f"{src}b; {src}a; {src}b")  # the input is not changed
