"""`lineage link ror|wikidata`: skos:exactMatch proposals from fixture dumps (no network).

tests/fixtures/curation/ror-dump.json is 20 invented records in the ROR schema v2 layout
(`names` with `types` ror_display/label/acronym/alias and `lang`); the Wikidata fixtures are
a query-service CSV export and an entity-dump slice. The graph is the synthetic curation graph.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from lineage.api import Lineage
from lineage.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "curation"
GRAPH, DUMP = FIXTURES / "graph.ttl", FIXTURES / "ror-dump.json"

#: ROR record -> institution each should be linked to; records 8-10 are look-alikes (a
#: manufacturing innovation centre against a technology innovation centre, in either direction).
EXPECTED = {
    "https://ror.org/05fx00001": "inst:national-example-wheat-engineering-technology-research-center",
    "https://ror.org/05fx00003": "inst:national-engineering-research-center-of-example-digital-television",
    "https://ror.org/05fx00004": "inst:example-agricultural-university",
    "https://ror.org/05fx00005": "inst:example-university-of-science-and-technology",
    "https://ror.org/05fx00006": "inst:example-jiaotong-university",
    "https://ror.org/05fx00007": "inst:national-example-power-battery-technology-innovation-center",
    "https://ror.org/05fx00008": "inst:national-example-innovation-center-of-intelligent-and-connected-vehicles",
}
LOOK_ALIKES = {"https://ror.org/05fx00009", "https://ror.org/05fx00010", "https://ror.org/05fx00011"}


@pytest.fixture
def lg():
    return Lineage.open(data=[GRAPH], bundled=False)


def test_fixture_dump_is_twenty_schema_v2_records():
    records = json.loads(DUMP.read_text(encoding="utf-8"))
    assert len(records) == 20
    assert all({"ror_display"} <= {t for n in r["names"] for t in n["types"]} for r in records)


def test_ror_dump_proposes_the_expected_links_and_none_for_look_alikes(lg):
    rows = lg.link("ror", DUMP).rows
    matched = {r["exact_match"]: r["institution"] for r in rows if r["outcome"] == "matched"}
    assert matched == EXPECTED
    assert not LOOK_ALIKES & {r["exact_match"] for r in rows}
    [ambiguous] = [r for r in rows if r["outcome"] == "ambiguous"]
    assert ambiguous["exact_match"] == "https://ror.org/05fx00012" and ambiguous["institution"] == ""
    # the maize centre already links to its record: not proposed again
    assert "https://ror.org/05fx00002" not in {r["exact_match"] for r in rows}
    assert {r["source_title"] for r in rows} == {"ROR data dump (ror-dump.json)"}


def test_zipped_dump_reads_the_schema_v2_file_and_dates_the_source_from_its_name(lg, tmp_path):
    archive = tmp_path / "v1.99-2026-01-31-ror-data.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("v1.99-2026-01-31-ror-data.json", "[]")  # the schema v1 file beside it
        z.writestr("v1.99-2026-01-31-ror-data_schema_v2.json", DUMP.read_bytes())
    rows = lg.link("ror", archive).rows
    assert {r["exact_match"] for r in rows if r["outcome"] == "matched"} == set(EXPECTED)
    assert {(r["source_date"], r["source_title"]) for r in rows} == {
        ("2026-01-31", "ROR data dump v1.99 (v1.99-2026-01-31-ror-data.zip)")}


def test_accepted_links_are_imported_with_the_dump_as_source_and_shown(lg, tmp_path):
    from lineage.outputs.terminal import render_show

    review = lg.link("ror", DUMP)
    rows = list(csv.DictReader(io.StringIO(review.to_csv().decode("utf-8-sig"))))
    for row in rows:
        row["decision"] = "accept" if row["outcome"] == "matched" else "reject"
    path = tmp_path / "ror-review.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lg.import_files([path])
    assert lg.validate().conforms
    detail = lg.show("inst:example-jiaotong-university")
    assert detail.exact_matches == ["https://ror.org/05fx00006"]
    assert [s.title for s in detail.match_sources] == ["ROR data dump (ror-dump.json)"]
    text = render_show(detail)
    assert "same as: https://ror.org/05fx00006  (ROR)" in text and "link source: ROR data dump" in text
    assert b"<https://ror.org/05fx00006>" in lg.export("nt")
    nodes = lg.export("csv")["nodes.csv"].decode("utf-8-sig")
    assert "https://ror.org/05fx00006" in next(l for l in nodes.splitlines() if "jiaotong" in l)
    assert b"https://ror.org/05fx00006" in lg.export("gexf")
    assert lg.link("ror", DUMP).counts() == {"ambiguous": 1, "proposed events": 0}


def test_wikidata_export_and_entity_slice(lg):
    rows = lg.link("wikidata", FIXTURES / "wikidata-export.csv").rows
    assert {r["exact_match"]: r["institution"] for r in rows} == {
        "http://www.wikidata.org/entity/Q900000001": "inst:example-agricultural-university",
        "http://www.wikidata.org/entity/Q900000003": "inst:example-jiaotong-university"}
    rows = lg.link("wikidata", FIXTURES / "wikidata-entities.json").rows
    assert [(r["exact_match"], r["institution"]) for r in rows] == [
        ("http://www.wikidata.org/entity/Q900000011",
         "inst:national-example-wheat-engineering-technology-research-center")]


def test_wikidata_sparql_json_results(lg, tmp_path):
    path = tmp_path / "query.json"
    path.write_text(json.dumps({"head": {"vars": ["item", "itemLabel"]}, "results": {"bindings": [
        {"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q900000021"},
         "itemLabel": {"type": "literal", "value": "示例理工大學", "xml:lang": "zh"}}]}}), encoding="utf-8")
    [row] = lg.link("wikidata", path, dump_date="2026-11-30").rows
    assert row["institution"] == "inst:example-university-of-science-and-technology"
    assert row["source_date"] == "2026-11-30"


def test_bad_dumps_are_refused_naming_the_file(lg, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="broken.json"):
        lg.link("ror", broken)
    no_ids = tmp_path / "no-ids.csv"
    no_ids.write_text("name\nExample\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column holds Wikidata items"):
        lg.link("wikidata", no_ids)


def test_cli_link_writes_a_review(run, tmp_path):
    out = tmp_path / "links.csv"
    result = run("--data", str(GRAPH), "link", "ror", str(DUMP), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "8 review rows (1 ambiguous, 7 matched" in result.output
    assert out.with_suffix(".html").exists()
    assert run("--data", str(GRAPH), "link", "ror", str(tmp_path / "none.json")).exit_code == 2
