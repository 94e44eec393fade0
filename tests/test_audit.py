"""`lineage audit`: seeded samples of sourced facts, and reviewed verdicts stored as data."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lineage.api import Lineage
from lineage.curation.audit import facts, to_csv
from lineage.errors import InputError
from lineage.ingest.problems import ImportRefused

GRAPH = Path(__file__).parent / "fixtures" / "curation" / "graph.ttl"


@pytest.fixture
def lg():
    return Lineage.open(data=[GRAPH], bundled=False)


def test_the_sample_is_seeded_and_each_fact_has_a_claim_and_sources(lg):
    first, again, other = lg.audit(8, seed=3), lg.audit(8, seed=3), lg.audit(8, seed=4)
    assert [i.fact for i in first] == [i.fact for i in again]
    assert [i.fact for i in first] != [i.fact for i in other]
    assert len(first) == 8 and len({i.fact for i in first}) == 8
    assert set(i.fact for i in first) <= set(facts(lg.store))
    for item in first:
        assert item.claim and "\n" not in item.claim
        assert [s.url for s in item.sources] == ["https://example.org/fixture-curation-source"]


def test_claims_read_as_one_line_statements(lg):
    by_fact = {i.fact: i for i in lg.audit(200, seed=1)}
    rel = by_fact["https://w3id.org/lineage/id/rel/national-engineering-laboratory-for-example-"
                  "high-speed-railway-construction-supporting-unit-example-jiaotong-university"]
    assert rel.claim == ("National Engineering Laboratory for Example High-speed Railway Construction "
                         "has SupportingUnit Example Jiaotong University")
    event = by_fact["https://w3id.org/lineage/id/event/example-high-speed-railway-nel-converted-into-nerc"]
    assert event.kind == "lin:Conversion" and event.claim.endswith(", Completed, 2021")
    wheat = by_fact["https://w3id.org/lineage/id/inst/national-example-wheat-engineering-technology-research-center"]
    assert wheat.claim == ("National Example Wheat Engineering Technology Research Center (国家示例小麦工程技术研究中心) "
                           "is a NationalEngineeringTechnologyResearchCenter, established 1998")


def _reviewed(lg, tmp_path: Path, verdicts: list[str], name: str = "audit.csv") -> Path:
    items = lg.audit(len(verdicts), seed=5)
    rows = list(csv.DictReader(io.StringIO(to_csv(items).decode("utf-8-sig"))))
    for row, verdict in zip(rows, verdicts):
        row.update(verdict=verdict, reviewer="A. Reviewer", reviewed="2026-12-01", note="checked")
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_recorded_verdicts_are_data_in_their_own_graph_and_info_reports_them(lg, tmp_path):
    path = _reviewed(lg, tmp_path, ["supported", "supported", "partly", "unreachable", ""])
    report = lg.record_audit(path)
    assert report.typed_nodes == {"lin:AuditVerdict": 4}
    assert list(report.graphs.values()) == ["https://w3id.org/lineage/graph/audit/audit-csv"]
    info = lg.info(validate=False)
    assert (info.audited, info.verdicts) == (4, {"PartlySupported": 1, "SourceUnreachable": 1, "Supported": 2})
    assert info.facts == len(facts(lg.store))
    rows = lg.store.select("""SELECT ?who ?when ?checked WHERE { ?a a lin:AuditVerdict ; lin:auditor ?who ;
                              dcterms:date ?when ; lin:checkedSource ?checked }""")
    assert {(str(w), str(d)) for w, d, _ in rows} == {("A. Reviewer", "2026-12-01")}
    assert lg.validate().conforms


def test_a_bad_verdict_is_refused_with_row_and_column_and_nothing_is_stored(lg, tmp_path):
    path = _reviewed(lg, tmp_path, ["supported", "probably"])
    before = len(lg.store)
    with pytest.raises(ImportRefused, match=r"row 3, column 'verdict'"):
        lg.record_audit(path)
    assert len(lg.store) == before


def test_a_file_that_is_not_an_audit_sheet_is_refused(lg, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,verdict\nx,supported\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an audit sheet"):
        lg.record_audit(path)


def test_cli_audit_sheet_page_and_record(run, tmp_path):
    sheet = tmp_path / "audit.csv"
    result = run("--data", str(GRAPH), "audit", "-n", "5", "--seed", "2", "-o", str(sheet))
    assert result.exit_code == 0, result.output
    header = sheet.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "fact,kind,claim,sources,source_urls,verdict,reviewer,reviewed,note"
    page = run("--data", str(GRAPH), "audit", "-n", "5", "--seed", "2", "--format", "html").output
    assert "default-src 'none'" in page and "<script" not in page
    assert page.count("<tr>") == 6
    refused = run("audit", "--record", str(sheet))
    assert refused.exit_code == 2 and "persistent store" in refused.output


def test_cli_records_verdicts_in_a_store_and_info_shows_the_share(run, tmp_path):
    store = f"oxigraph:{tmp_path / 'store'}"
    assert run("--store", store, "import", str(GRAPH)).exit_code == 0
    lg = Lineage.open(data=[GRAPH], bundled=False)
    sheet = _reviewed(lg, tmp_path, ["supported", "contradicted"], name="release-audit.csv")
    lg.store.close()
    result = run("--store", store, "audit", "--record", str(sheet))
    assert result.exit_code == 0, result.output
    assert "recorded 2 verdict(s)" in result.output
    info = run("--store", store, "info", "--no-validate").output
    assert "audited: 2 of " in info and "1 Contradicted, 1 Supported" in info
    again = run("--store", store, "audit", "--record", str(sheet))
    assert again.exit_code == 2 and "imported before" in again.output
