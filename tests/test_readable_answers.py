"""Answers that read well: tables wrapped to the terminal, and `show` wording each role from
the institution's own side."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lineage.outputs.terminal import table, width, wrap

WHEAT_ETRC = "National Wheat Engineering Technology Research Center"


def characters(text: str) -> Counter:
    """The table's characters apart from spaces and the rule under the header."""
    lines = text.splitlines()
    return Counter("".join(lines[:1] + lines[2:]).replace(" ", ""))


def widest(text: str) -> int:
    return max(width(line) for line in text.splitlines())


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_canned_table_wraps_to_columns(run, columns):
    wide = run("query", "--name", "ntic-list", "--wide", env={"COLUMNS": str(columns)})
    wrapped = run("query", "--name", "ntic-list", env={"COLUMNS": str(columns)})
    assert wide.exit_code == wrapped.exit_code == 0, wrapped.output
    assert widest(wide.stdout) > 300
    assert widest(wrapped.stdout) <= columns, wrapped.stdout
    # nothing is lost or added: the same characters, only placed on more lines
    assert characters(wrapped.stdout) == characters(wide.stdout)
    assert "(20 rows)" in wrapped.stdout


def test_columns_are_never_narrower_than_the_floor():
    from lineage.outputs.terminal import MIN_COLUMN, fit_widths

    assert fit_widths([50, 3, 50], 40) == [19, 3, 18]  # the widest share what is left
    assert fit_widths([50, 50, 50], 10) == [MIN_COLUMN] * 3  # too narrow: wider than asked
    assert fit_widths([5, 6], 40) == [5, 6]


def test_piped_output_and_other_formats_are_not_wrapped(run):
    piped = run("query", "--name", "ntic-list")  # no COLUMNS, not a terminal
    assert widest(piped.stdout) > 300
    for fmt in ("csv", "tsv", "json"):
        plain = run("query", "--name", "ntic-list", "--format", fmt)
        narrow = run("query", "--name", "ntic-list", "--format", fmt, env={"COLUMNS": "60"})
        assert narrow.stdout == plain.stdout, fmt


def test_search_wraps_and_keeps_chinese_columns_aligned(run):
    result = run("search", "小麦", env={"COLUMNS": "70"})
    assert result.exit_code == 0
    assert widest(result.stdout) <= 70
    wide = run("search", "小麦", "--wide", env={"COLUMNS": "70"}).stdout
    assert widest(wide) > 70 and characters(result.stdout) == characters(wide)
    lines = result.stdout.splitlines()
    column = width(lines[0].split("type")[0])  # NETRC and NTIC start under "type"
    starts = {width(line[:line.index(t)]) for line in lines for t in ("NETRC", "NTIC") if t in line}
    assert starts == {column}, result.stdout


def test_wrapped_cells_count_wide_characters_twice():
    cells = [["国家集成电路设计自动化技术创新中心", "Southeast University (lead unit)"]]
    text = table(["中文", "units"], cells, max_width=30)
    lines = text.splitlines()
    assert all(width(line) <= 30 for line in lines), text
    # the second column starts at the same display column on every line that has one
    header_start = width(lines[0].split("units")[0])
    for line in lines[2:]:
        chinese = re.match(r"^[\u4e00-\u9fff]*", line).group(0)
        rest = line[len(chinese):]
        if rest.strip():
            assert width(chinese) + len(rest) - len(rest.lstrip()) == header_start, text
    assert "".join(l[:len(re.match(r"^[\u4e00-\u9fff]*", l).group(0))] for l in lines[2:]) \
        == cells[0][0]


def test_wrap_breaks_at_spaces_then_hyphens_then_anywhere():
    assert wrap("one two three", 7) == ["one two", "three"]
    assert wrap("src:henan-agricultural-university", 12) == ["src:henan-", "agricultural", "-university"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert all(width(part) <= 5 for part in wrap("国家小麦技术创新中心", 5))
    assert "".join(wrap("国家小麦技术创新中心", 5)) == "国家小麦技术创新中心"


def test_a_table_that_fits_is_unchanged():
    rows = [["a", "b"], ["cc", "dd"]]
    assert table(["x", "y"], rows, max_width=80) == table(["x", "y"], rows)


def test_show_words_roles_from_the_institution_side(run):
    centre = run("show", WHEAT_ETRC)
    assert "  supporting unit: Henan Agricultural University (河南农业大学)" in centre.stdout
    assert "SupportingUnit" not in centre.stdout and "(member)" not in centre.stdout
    unit = run("show", "Henan Agricultural University")
    assert f"  supports: {WHEAT_ETRC} (国家小麦工程技术研究中心)" in unit.stdout
    assert "  leads: National Wheat Technology Innovation Center (国家小麦技术创新中心)" in unit.stdout


def test_show_gives_membership_dates_in_words(run, tmp_path):
    data = tmp_path / "dated.ttl"
    data.write_text("""
@prefix org: <http://www.w3.org/ns/org#> .
@prefix lin: <https://w3id.org/lineage/ontology#> .
@prefix inst: <https://w3id.org/lineage/id/inst/> .
@prefix rel: <https://w3id.org/lineage/id/rel/> .
@prefix src: <https://w3id.org/lineage/id/src/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
rel:example-dated a org:Membership ;
    org:member inst:national-wheat-engineering-technology-research-center ;
    org:organization inst:nanchang-university ; org:role lin:CoBuilder ;
    lin:from "2006"^^xsd:gYear ; dcterms:source src:henan-business-daily-2023-01-12 .
rel:example-ended a org:Membership ;
    org:member inst:national-wheat-engineering-technology-research-center ;
    org:organization inst:southeast-university ; org:role lin:CoBuilder ;
    lin:from "2006"^^xsd:gYear ; lin:until "2010-05"^^xsd:gYearMonth ;
    dcterms:source src:henan-business-daily-2023-01-12 .
""", encoding="utf-8")
    centre = run("--data", str(data), "show", WHEAT_ETRC)
    assert centre.exit_code == 0, centre.output
    assert "  co-builder: Nanchang University (南昌大学), since 2006" in centre.stdout
    assert "  co-builder: Southeast University (东南大学), 2006 to 2010-05" in centre.stdout
    unit = run("--data", str(data), "show", "Nanchang University")
    assert f"  co-builds: {WHEAT_ETRC} (国家小麦工程技术研究中心), since 2006" in unit.stdout


def test_show_words_a_programme_role_with_the_role_and_programme_names(run):
    """Regression: 'ManagingUnit of some NationalEngineeringTechnologyResearchCenter'."""
    most = run("show", "MOST")
    assert "  programme role: managing unit of some NETRCs" in most.stdout
    assert "ManagingUnit" not in most.stdout
