"""`lineage reconcile` and the import of review files, on a synthetic graph and a 40-row list.

tests/fixtures/curation/graph.ttl holds invented institutions (every name carries 示例 or
"Example"); list.csv is a list as a ministry would publish it (Chinese headers) with exact,
variant, traditional-script, acronym, ambiguous, new and predecessor rows; list-expected.csv
says what each row should come to.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lineage.api import Lineage
from lineage.curation.lists import ListSource
from lineage.errors import InputError, UsageError
from lineage.ingest.problems import ImportRefused

FIXTURES = Path(__file__).parent / "fixtures" / "curation"
GRAPH, LIST = FIXTURES / "graph.ttl", FIXTURES / "list.csv"
SOURCE = ListSource("https://example.org/fixture-list", "Fixture list of centres (fictional)",
                    "Example Commission", "2021-12")


def expected() -> dict[str, dict]:
    with open(FIXTURES / "list-expected.csv", encoding="utf-8") as f:
        return {r["list_row"]: r for r in csv.DictReader(f)}


@pytest.fixture
def lg():
    """The ontology and the synthetic graph only, in memory (each test gets its own)."""
    return Lineage.open(data=[GRAPH], bundled=False)


def by_row(review) -> dict[str, dict]:
    return {str(r["list_row"]): r for r in review.rows}


def accept_all(review, path: Path, choose: bool = True, links: bool = True) -> Path:
    """The review file as a curator leaves it: every row accepted, the expected candidate
    chosen for ambiguous rows, proposed events accepted."""
    want = expected()
    rows = []
    for row in csv.DictReader(io.StringIO(review.to_csv().decode("utf-8-sig"))):
        row["decision"] = "accept"
        if row["outcome"] == "ambiguous" and choose:
            row["institution"] = want[row["list_row"]]["institution"]
        if row["proposal"] and links:
            row["link_decision"] = "accept"
        rows.append(row)
    return _write(path, rows)


def _write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_each_list_row_gets_the_expected_review_row(lg):
    review = lg.reconcile(LIST, SOURCE, status="approved")
    rows, want = by_row(review), expected()
    assert len(review.rows) == 40 and set(rows) == set(want)
    for number, w in want.items():
        row = rows[number]
        assert row["outcome"] == w["outcome"], (number, row["why"])
        if w["outcome"] == "ambiguous":
            assert w["institution"] in row["candidates"]
        else:
            assert row["institution"] == w["institution"], (number, row["why"])
    assert review.counts() == {"ambiguous": 4, "matched": 24, "new": 12, "proposed events": 3}
    assert review.unknown_columns == ["序号"]


def test_scores_and_reasons_tell_how_a_row_matched(lg):
    rows = by_row(lg.reconcile(LIST, SOURCE))
    assert (rows["2"]["score"], rows["2"]["why"]) == ("1.00", "exact name")
    assert rows["16"]["score"] == "0.90" and "script" in rows["16"]["why"]  # traditional
    assert rows["11"]["score"] == "0.80" and "programme and field" in rows["11"]["why"]  # word order
    assert rows["21"]["score"] == "0.95" and "acronym" in rows["21"]["why"]
    assert "supporting unit tells the candidates apart" in rows["24"]["why"]
    assert "inst:example-jiaotong-university" == rows["26"]["supporting_unit_iri"]


def test_look_alike_of_another_programme_is_never_matched(lg):
    """A technology innovation centre (技术创新中心) whose English name is exactly a manufacturing
    innovation centre's label is new, not that centre."""
    row = by_row(lg.reconcile(LIST, SOURCE))["35"]
    assert row["outcome"] == "new"
    assert "look-alike left out" in row["why"]
    assert row["type"] == "NationalTechnologyInnovationCenter"


def test_lineage_links_are_proposed_with_honest_confidence(lg):
    rows = by_row(lg.reconcile(LIST, SOURCE))
    inferred, named = rows["37"], rows["38"]
    assert (inferred["proposal"], inferred["proposal_confidence"]) == ("Conversion", "Low")
    assert inferred["proposal_from"] == "inst:national-engineering-laboratory-for-example-highway-maintenance-technology"
    assert (named["proposal"], named["proposal_confidence"]) == ("Conversion", "Medium")
    assert named["proposal_from"] == "inst:national-engineering-laboratory-of-example-vacuum-metallurgy"
    assert rows["39"]["proposal_from"] == "inst:national-engineering-laboratory-for-example-salt-lake-resources"
    # no status in the list and none given: the curator must say it, never "approved" by default
    assert inferred["proposal_status"] == "" and "fill proposal_status" in inferred["why"]
    # a lineage already in the graph, and an NEL with another supporting unit, propose nothing
    assert rows["40"]["proposal"] == "" and rows["41"]["proposal"] == ""


def test_accepted_review_imports_sourced_data_that_validates_and_rematches(lg, tmp_path):
    review = lg.reconcile(LIST, SOURCE, status="approved")
    before = len(lg.store)
    report = lg.import_files([accept_all(review, tmp_path / "reviewed.csv")])
    assert report.typed_nodes["lin:Conversion"] == 3 and len(lg.store) > before
    assert lg.validate().conforms
    unsourced = lg.store.select("""SELECT ?x WHERE { GRAPH ?g { ?x a ?t } FILTER(STRSTARTS(STR(?g), STR(<https://w3id.org/lineage/graph/import/>)))
        FILTER(?t != lin:Source) FILTER NOT EXISTS { ?x dcterms:source ?s } }""")
    assert list(unsourced) == []
    sources = {str(u) for (u,) in lg.store.select("""SELECT DISTINCT ?u WHERE {
        ?i a lin:NationalEngineeringResearchCenter ; dcterms:source ?s . ?s schema:url ?u }""")}
    assert {"https://example.org/fixture-list", "https://example.org/fixture-list-row-28"} <= sources
    conversions = {(str(o).rsplit("/", 1)[1], str(s), str(c)) for o, s, c in lg.store.select(
        """SELECT ?o ?s ?c WHERE { ?e a lin:Conversion ; org:originalOrganization ?o ; lin:status ?s ;
           lin:confidence ?c ; dcterms:source/schema:url <https://example.org/fixture-list> }""")}
    assert {c[2].rsplit("#", 1)[1] for c in conversions} == {"Low", "Medium"}
    assert {c[1].rsplit("#", 1)[1] for c in conversions} == {"Approved"}
    again = lg.reconcile(LIST, SOURCE, status="approved")
    assert review.counts()["matched"] == 24
    assert again.counts() == {"matched": 40, "proposed events": 0}


def test_matched_rows_add_only_what_is_new(lg, tmp_path):
    lg.import_files([accept_all(lg.reconcile(LIST, SOURCE), tmp_path / "reviewed.csv", links=False)])
    wheat = "inst:national-example-wheat-engineering-technology-research-center"
    detail = lg.show(wheat)
    assert "示例小麦国家工程技术研究中心" in detail.alt_labels  # a word-order variant is a new name
    assert "國家示例小麥工程技術研究中心" not in detail.alt_labels  # a script variant is not
    roles = [(m.role, m.other.label) for m in detail.memberships]
    assert roles.count(("lin:SupportingUnit", "Example Agricultural University")) == 1
    assert ("lin:ManagingUnit", "Example Provincial Department of Science and Technology") in roles
    approvals = [e for e in detail.events if e.event_type == "lin:Establishment"]
    assert [(str(e.date), e.status) for e in approvals] == [("1999", "lin:Approved")]
    assert any(s.url == "https://example.org/fixture-list" for s in detail.sources)


def test_rejecting_every_row_leaves_the_store_unchanged(lg, tmp_path):
    rows = list(csv.DictReader(io.StringIO(lg.reconcile(LIST, SOURCE).to_csv().decode("utf-8-sig"))))
    for row in rows:
        row["decision"], row["link_decision"] = "reject", "reject"
    before, graphs = len(lg.store), set(lg.store.graphs())
    report = lg.import_files([_write(tmp_path / "rejected.csv", rows)])
    assert report.triples == 0 and len(lg.store) == before and set(lg.store.graphs()) == graphs


def test_a_proposed_event_without_a_status_is_refused_naming_row_and_column(lg, tmp_path):
    path = accept_all(lg.reconcile(LIST, SOURCE), tmp_path / "reviewed.csv")
    before = len(lg.store)
    with pytest.raises(ImportRefused) as caught:
        lg.import_files([path])
    assert "proposal_status" in str(caught.value) and "row 38" in str(caught.value)
    assert len(lg.store) == before


def test_an_accepted_ambiguous_row_needs_the_curators_choice(lg, tmp_path):
    path = accept_all(lg.reconcile(LIST, SOURCE), tmp_path / "reviewed.csv", choose=False, links=False)
    with pytest.raises(ImportRefused) as caught:
        lg.import_files([path])
    assert "column 'institution'" in str(caught.value) and "row 25" in str(caught.value)


def test_a_decision_that_is_not_accept_or_reject_is_refused(lg, tmp_path):
    rows = list(csv.DictReader(io.StringIO(lg.reconcile(LIST, SOURCE).to_csv().decode("utf-8-sig"))))
    rows[3]["decision"] = "maybe"
    with pytest.raises(ImportRefused, match=r"row 5, column 'decision'"):
        lg.import_files([_write(tmp_path / "review.csv", rows)])


def test_xlsx_list_reads_like_the_csv(lg, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    with open(LIST, encoding="utf-8") as f:
        for number, record in enumerate(csv.reader(f)):
            if number and record[7].isdigit():  # a year typed as a number, as spreadsheets do
                record[7] = int(record[7])
            book.active.append(record)
    book.save(tmp_path / "list.xlsx")
    from_xlsx = lg.reconcile(tmp_path / "list.xlsx", SOURCE)
    from_csv = lg.reconcile(LIST, SOURCE)
    key = ("list_row", "outcome", "institution", "approved", "proposal_from")
    assert [[r[k] for k in key] for r in from_xlsx.rows] == [[r[k] for k in key] for r in from_csv.rows]


def test_xlsx_without_the_extra_names_it(lg, tmp_path, monkeypatch):
    import sys

    (tmp_path / "list.xlsx").write_bytes(b"PK\x03\x04 not really")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(UsageError, match=r"lineage\[xlsx\]"):
        lg.reconcile(tmp_path / "list.xlsx")


def test_yaml_list_with_its_source_for_the_whole_file(lg, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("""source:
  url: https://example.org/yaml-list
  title: 示例名单（虚构）
  date: 2021-12
status: approved
institutions:
  - 名称: 示例真空冶金国家工程研究中心
    英文名称: National Engineering Research Center of Example Vacuum Metallurgy
    依托单位: 示例理工大学
    批准时间: 2021
    前身: 示例真空冶金国家工程实验室
  - name_zh: 國家示例小麥工程技術研究中心
""", encoding="utf-8")
    rows = lg.reconcile(path).rows
    assert [r["outcome"] for r in rows] == ["new", "matched"]
    assert rows[0]["proposal_status"] == "Approved" and rows[0]["source_url"] == "https://example.org/yaml-list"
    assert rows[1]["source_title"] == "示例名单（虚构）"


def test_a_list_without_a_name_column_is_refused_with_file_and_line(lg, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("序号,依托单位\n1,示例农业大学\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        lg.reconcile(path)
    assert str(caught.value).startswith(f"{path}:1: no name column")


def test_cli_writes_review_csv_and_a_safe_page(run, tmp_path):
    hostile = tmp_path / "hostile.csv"
    hostile.write_text('名称,依托单位\n"<script>alert(1)</script>示例中心",=HYPERLINK("x")\n', encoding="utf-8")
    out = tmp_path / "review.csv"
    result = run("--data", str(GRAPH), "reconcile", str(hostile), "-o", str(out),
                 "--source-url", "https://example.org/x", "--source-title", "x")
    assert result.exit_code == 0, result.output
    assert "1 review rows (1 new" in result.output
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Content-Security-Policy" in page
    cells = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert cells["supporting_unit"] == "'=HYPERLINK(\"x\")"


def test_cli_reconcile_then_import_into_a_store(run, tmp_path):
    store = f"oxigraph:{tmp_path / 'store'}"
    assert run("--store", store, "import", str(GRAPH)).exit_code == 0
    out = tmp_path / "list-review.csv"
    result = run("--store", store, "reconcile", str(LIST), "-o", str(out), "--status", "approved",
                 "--source-url", SOURCE.url, "--source-title", SOURCE.title)
    assert result.exit_code == 0, result.output
    lg = Lineage.open(data=[GRAPH], bundled=False)
    reviewed = accept_all(lg.reconcile(LIST, SOURCE, status="approved"), tmp_path / "reviewed.csv")
    result = run("--store", store, "import", str(reviewed))
    assert result.exit_code == 0, result.output
    assert "3  lin:Conversion" in result.output
    result = run("--store", store, "reconcile", str(LIST), "-o", str(tmp_path / "again.csv"))
    assert "40 review rows (40 matched" in result.output
    assert run("--store", store, "reconcile", str(tmp_path / "missing.csv")).exit_code == 2


def test_the_worked_example_in_examples_readme_runs_as_shown(run, tmp_path, monkeypatch):
    """examples/README.md: list -> review -> import -> trace, each command run as written; the
    shipped reviewed file is the review of today's code with only the decisions filled in."""
    import re
    import shlex
    import shutil

    root = Path(__file__).resolve().parent.parent
    text = (root / "examples" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Worked example", 1)[1]
    commands = [line for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)
                for line in block.splitlines() if line.startswith("lineage ")]
    assert len(commands) == 4
    shutil.copytree(root / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    outputs = []
    for command in commands:
        result = run(*shlex.split(command)[1:])
        assert result.exit_code == 0, f"{command!r} failed:\n{result.output}"
        outputs.append(result.output)
    assert "5 review rows (3 matched, 2 new, 1 proposed events)" in outputs[1]
    fresh = list(csv.DictReader(io.StringIO((tmp_path / "example-list-review.csv").read_text(encoding="utf-8-sig"))))
    shipped = list(csv.DictReader(io.StringIO(
        (root / "examples" / "reconcile" / "example-list-reviewed.csv").read_text(encoding="utf-8-sig"))))
    decisions = ("decision", "link_decision")
    assert [{k: v for k, v in r.items() if k not in decisions} for r in fresh] == \
           [{k: v for k, v in r.items() if k not in decisions} for r in shipped]
    assert {r["decision"] for r in shipped} == {"accept"}
    assert "1  lin:Conversion" in outputs[2]
    assert "[Conversion, 2021-11 (month), APPROVED] Example Coastal Protection National Engineering Research Center" in outputs[3]


def test_iris_in_a_review_file_are_checked_before_they_reach_a_query(lg, tmp_path):
    rows = list(csv.DictReader(io.StringIO(lg.reconcile(LIST, SOURCE).to_csv().decode("utf-8-sig"))))
    rows[0].update(decision="accept", institution="https://example.org/x> } SELECT * WHERE { ?s ?p ?o")
    rows[1].update(decision="accept", supporting_unit_iri='https://example.org/"y"')
    before = len(lg.store)
    with pytest.raises(ImportRefused) as caught:
        lg.import_files([_write(tmp_path / "review.csv", rows)])
    message = str(caught.value)
    assert "row 2, column 'institution'" in message and "row 3, column 'supporting_unit_iri'" in message
    assert len(lg.store) == before
