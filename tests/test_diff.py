"""`lineage diff FROM TO` and Lineage.diff(): what changed between two dates, read with the
existence rule. Expectations come from SPARQL over the bundled graph or the history fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lineage.namespaces import INST

HISTORY = Path(__file__).parent / "fixtures" / "views" / "history.ttl"
SCHEMA = Path(__file__).parent.parent / "lineage" / "schemas" / "diff.schema.json"


@pytest.fixture(scope="module")
def history():
    from lineage import Lineage

    return Lineage.open(data=[HISTORY], bundled=False)


def one_event(bundled, where: str):
    """(event IRI, date lexical, status) of the single event the SPARQL pattern finds."""
    [(event, date, status)] = bundled.store.select(
        f"SELECT ?e ?d ?s WHERE {{ ?e dcterms:date ?d ; lin:status ?s . {where} }}")
    return str(event), str(date), str(status)


def test_diff_2022_06_2023_lists_the_asic_to_eda_conversion_with_sources(run, bundled):
    event, date, status = one_event(bundled, """?e a lin:Conversion ;
        org:originalOrganization/rdfs:label "National ASIC System Engineering Technology Research Center"@en""")
    assert (date, status.rsplit("#")[-1]) == ("2022-12-30", "Approved")
    result = run("diff", "2022-06", "2023")
    assert result.exit_code == 0
    assert ("[Conversion, 2022-12-30 (day), APPROVED] National ASIC System Engineering Technology "
            "Research Center") in result.output
    data = json.loads(run("diff", "2022-06", "2023", "--format", "json").output)
    [conversion] = [e for e in data["events"] if e["iri"] == event]
    assert conversion["status"] == "lin:Approved" and conversion["date"]["precision"] == "day"
    assert [r["label"] for r in conversion["results"]] == [
        "National Integrated Circuit Design Automation Technology Innovation Center"]
    cited = {str(s) for (s,) in bundled.store.select(f"SELECT ?s WHERE {{ <{event}> dcterms:source ?s }}")}
    assert {s["iri"] for s in conversion["sources"]} == cited and cited
    ended = {c["institution"]["iri"] for c in data["ended"]}
    assert str(INST["national-asic-system-engineering-technology-research-center"]) in ended


def test_diff_2015_2016_lists_the_high_speed_train_approval(run, bundled):
    rows = bundled.store.select("""SELECT ?e ?d WHERE { ?e a lin:Establishment ; dcterms:date ?d ;
        lin:status lin:Approved ; org:resultingOrganization/rdfs:label
        "National High-speed Train Technology Innovation Center"@en }""")
    expected = {str(e) for e, d in rows if str(d).startswith("2016-09")}
    assert expected
    data = bundled.diff("2015", "2016")
    assert expected <= {e.iri for e in data.events if e.event_type == "lin:Establishment"}
    assert "National High-speed Train Technology Innovation Center" in {
        c.institution.label for c in data.appeared}
    assert "2016-09-05 (day)" in run("diff", "2015", "2016").output
    # nothing from 2016 is in the diff from 2016 on
    assert not bundled.diff("2016", "2016").events


def test_json_follows_its_schema(run):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    for args in (["2022-06", "2023"], ["2015", "2016"],
                 ["2000", "2024", "--focus", "国家小麦技术创新中心", "--depth", "2"]):
        result = run("diff", *args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        jsonschema.validate(json.loads(result.output), schema)


def test_coarser_dates_are_not_taken_as_later(history):
    # the merger is dated 2021-08: as of 2021 it has happened, as of 2021-07 it has not
    assert {e.iri.rsplit("/")[-1] for e in history.diff("2021-07", "2021").events} == {"history-merger"}
    assert not history.diff("2021-08", "2022").events
    # an event of "2021-08" is not taken as later than "2021-08-15"
    assert not history.diff("2021-08-15", "2022").events


def test_appeared_ended_memberships_pending_and_counts(history):
    d = history.diff("2020", "2024")
    assert {c.institution.label for c in d.appeared} == {"History Innovation Centre",
                                                         "History New Centre"}
    assert {c.institution.label for c in d.ended} == {"History Old Centre", "History Laboratory"}
    assert [m.unit.label for m in d.memberships_began] == ["History University"]
    assert [e.iri.rsplit("/")[-1] for e in d.pending] == ["history-planned-conversion"]
    counts = {p.label: (p.at_from, p.at_to, p.undated) for p in d.programmes}
    # NTICs: the rejected target (2019) and the planned one (2024) by their earliest events
    assert counts["NTIC"] == (1, 2, 0) and counts["NETRC"] == (1, 0, 0)
    assert counts["NEL"] == (1, 0, 0) and counts["NERC"] == (0, 1, 0)
    assert d.undated["institutions"] == 1  # the ministry


def test_focus_limits_the_diff_to_a_neighbourhood(history):
    near = history.diff("1990", "2024", focus="History Closed Institute", depth=1)
    assert [e.event_type for e in near.events] == ["lin:Dissolution"]
    assert {c.institution.label for c in near.ended} == {"History Closed Institute"}
    university = history.diff("1990", "2024", focus="History University", depth=0)
    assert not university.events and not university.appeared
    assert [m.member.label for m in university.memberships_began] == ["History New Centre"]
    assert [p.at_to for p in university.programmes] == [0, 0, 0, 0]


@pytest.mark.parametrize("args, message", [
    (["2023", "2020"], "later than TO"),
    (["2020-13", "2021"], "not a real date"),
    (["2020", "soon"], "not a date"),
    (["2020", "2021", "--depth", "2"], "--depth applies only with --focus"),
])
def test_bad_input_is_a_usage_error(run, args, message):
    result = run("diff", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_render_diff_colours_new_ended_and_unchanged(run, bundled, tmp_path):
    from test_views import island

    target = tmp_path / "diff.html"
    result = run("render", "--diff", "2022-06", "2023", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    data, _ = island(target.read_text(encoding="utf-8"))
    assert data["meta"]["diff"] == ["2022-06", "2023"]
    changes = {n["iri"]: n["change"] for n in data["nodes"]}
    d = bundled.diff("2022-06", "2023")
    # ended wins over new for an institution that did both in the window
    ended = {c.institution.iri for c in d.ended}
    assert {i for i, c in changes.items() if c == "ended"} == ended
    assert {i for i, c in changes.items() if c == "new"} == {c.institution.iri for c in d.appeared} - ended
    # the view is the record as of TO: nothing the rule starts later
    assert set(changes) == {n["iri"] for n in island(bundled.render(as_of="2023"))[0]["nodes"]}
    new_edges = [e for e in data["edges"] if e.get("change") == "new"]
    assert {data["events"][e["event"]]["iri"] for e in new_edges} == {
        e.iri for e in d.events if e.event_type not in ("lin:Establishment", "lin:Acceptance")}
    default = run("render", "--diff", "2020", "2023", "--layout", "timeline")
    assert default.exit_code == 0 and default.output.strip().endswith(
        "lineage-view-diff-2020-2023-timeline.html")
    Path(default.output.strip()).unlink()
    bad = run("render", "--diff", "2023", "2020")
    assert bad.exit_code == 2 and "later than TO" in bad.stderr
    both = run("render", "--diff", "2020", "2023", "--as-of", "2021")
    assert both.exit_code == 2 and "not both" in both.stderr
