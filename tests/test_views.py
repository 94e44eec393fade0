"""HTML views without a browser: what is drawn, the page's structure, CSP, escaping, atomic
UTF-8 writes. (tests/test_views_browser.py drives the pages in headless Chromium.)"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lineage.atomic import write_atomic
from lineage.errors import InputError
from lineage.namespaces import INST, shorten
from lineage.analysis.network import DOWN, UP, all_institutions, reach
from lineage.outputs.views import (LARGE_VIEW, build_view, default_filename, render_page, styles,
                           write_view)
from lineage.outputs.views import layout as layouts
from lineage.outputs.views.build import safe_url
from lineage.outputs.views.page import json_island

FIXTURES = Path(__file__).parent / "fixtures" / "views"
HOSTILE = FIXTURES / "hostile.ttl"
HISTORY = FIXTURES / "history.ttl"
WHEAT = "National Wheat Engineering Technology Research Center"
WHEAT_ZH = "国家小麦工程技术研究中心"
PAYLOAD_MARK = "__pwned"

_ISLAND = re.compile(r'<script type="application/json" id="lineage-data">(.*?)</script>', re.S)


# -- helpers shared with the browser tests ------------------------------------------------

def island(page: str) -> tuple[dict, str]:
    """The view data in a page, and the page with the data island cut out."""
    match = _ISLAND.search(page)
    assert match, "no JSON data island"
    return json.loads(match.group(1)), page[:match.start(1)] + page[match.end(1):]


def expected_whole_nodes(store) -> set[str]:
    """Institutions plus everything a membership links them to (people, untyped units)."""
    rows = store.select("""SELECT ?x WHERE { ?m a org:Membership ; org:role ?r .
        { ?m org:member ?x } UNION { ?m org:organization ?x } }""")
    return all_institutions(store) | {str(x) for (x,) in rows}


def expected_lineage_nodes(store, iri: str) -> set[str]:
    """Predecessors and successors, plus the other parties of the events between them."""
    line = reach(store, [iri], DOWN) | reach(store, [iri], UP)
    iris = " ".join(f"<{i}>" for i in sorted(line))
    rows = store.select(f"""SELECT ?x WHERE {{ VALUES ?a {{ {iris} }} VALUES ?b {{ {iris} }}
        ?e org:originalOrganization ?a ; org:resultingOrganization ?b .
        {{ ?e org:originalOrganization ?x }} UNION {{ ?e org:resultingOrganization ?x }} }}""")
    return line | {str(x) for (x,) in rows}


CENTRE_TYPES = ["NationalEngineeringTechnologyResearchCenter", "NationalTechnologyInnovationCenter",
                "NationalEngineeringResearchCenter", "NationalEngineeringLaboratory",
                "ResearchInstitute", "Enterprise"]
STATUSES = ["Approved", "Completed", "Applied", "Planned", "Rejected", "InProgress", "Withdrawn"]


def synthetic_turtle(n: int) -> str:
    """A generated graph of n institutions: universities and ministries as units, centres in
    conversion chains and mergers with every status, memberships, 20 shared sources."""
    out = [textwrap.dedent("""\
        @prefix lin: <https://w3id.org/lineage/ontology#> .
        @prefix inst: <https://w3id.org/lineage/id/inst/> .
        @prefix event: <https://w3id.org/lineage/id/event/> .
        @prefix rel: <https://w3id.org/lineage/id/rel/> .
        @prefix src: <https://w3id.org/lineage/id/src/> .
        @prefix org: <http://www.w3.org/ns/org#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix schema: <https://schema.org/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        """)]
    out += [f'src:syn-{s} a lin:Source ; dcterms:title "Synthetic source {s}" ; '
            f'dcterms:date "{2000 + s}"^^xsd:gYear ; schema:url <https://example.org/s/{s}> .'
            for s in range(20)]

    def institution(i: int, cls: str, en: str, zh: str) -> None:
        est = f' ; lin:established "{1990 + i % 30}"^^xsd:gYear' if i % 10 < 7 else ""
        out.append(f'inst:syn-{i} a lin:{cls} ; rdfs:label "{en} {i}"@en , "{zh}{i}"@zh ; '
                   f'skos:altLabel "S{i}" ; dcterms:source src:syn-{i % 20}{est} .')

    universities = list(range(max(1, n // 20)))
    ministries = list(range(len(universities), len(universities) + max(1, n // 100)))
    for i in universities:
        institution(i, "University", "Synthetic University", "合成大学")
    for i in ministries:
        institution(i, "GovernmentBody", "Synthetic Ministry", "合成部")
    centres = list(range(len(universities) + len(ministries), n))
    for k, i in enumerate(centres):
        institution(i, CENTRE_TYPES[k % len(CENTRE_TYPES)], "Synthetic Centre", "合成中心")
        out.append(f"rel:syn-su-{i} a org:Membership ; org:member inst:syn-{i} ; "
                   f"org:organization inst:syn-{universities[k % len(universities)]} ; "
                   f'org:role lin:SupportingUnit ; lin:from "{1995 + k % 25}"^^xsd:gYear ; '
                   f"dcterms:source src:syn-{k % 20} .")
        if k % 3 == 0:
            out.append(f"rel:syn-mu-{i} a org:Membership ; org:member inst:syn-{i} ; "
                       f"org:organization inst:syn-{ministries[k % len(ministries)]} ; "
                       f"org:role lin:ManagingUnit ; dcterms:source src:syn-{k % 20} .")
        if k % 4 and k > 2:
            kind = "Merger" if k % 10 == 5 else "Conversion"
            originals = f"inst:syn-{centres[k - 1]}" + (
                f" , inst:syn-{centres[k - 2]}" if kind == "Merger" else "")
            out.append(f"event:syn-{i} a lin:{kind} ; org:originalOrganization {originals} ; "
                       f"org:resultingOrganization inst:syn-{i} ; "
                       f"lin:status lin:{STATUSES[k % len(STATUSES)]} ; "
                       f'dcterms:date "{2000 + k % 24}"^^xsd:gYear ; dcterms:source src:syn-{k % 20} .')
    return "\n".join(out) + "\n"


# -- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def history():
    """Only the ontology and tests/fixtures/views/history.ttl: exact expectations."""
    from lineage import Lineage

    return Lineage.open(data=[HISTORY], bundled=False)


@pytest.fixture(scope="module")
def hostile():
    from lineage import Lineage

    return Lineage.open(data=[HOSTILE])


def view_of(lin, **options):
    refs = {k: lin.resolve(v) for k, v in options.items() if k in ("focus", "lineage") and v}
    return build_view(lin.store, **{**options, **refs})


def labels(view) -> set[str]:
    return {n.get("en") for n in view.nodes}


def node(view, en: str) -> dict:
    return next(n for n in view.nodes if n.get("en") == en)


# -- what a view draws --------------------------------------------------------------------------

def test_whole_graph_draws_every_institution_and_unit(bundled):
    view = build_view(bundled.store)
    assert {n["iri"] for n in view.nodes} == expected_whole_nodes(bundled.store)
    assert view.meta["counts"] == {"nodes": len(view.nodes), "edges": len(view.edges)}
    ids = {n["id"] for n in view.nodes}
    assert all(e["from"] in ids and e["to"] in ids for e in view.edges)
    wheat = next(n for n in view.nodes if n.get("en") == WHEAT)
    assert wheat["zh"] == WHEAT_ZH and wheat["group"] == "NETRC" and wheat["sources"]


def test_the_wheat_lineage_is_both_directions_through_events(bundled):
    view = view_of(bundled, lineage=WHEAT)
    wheat = bundled.resolve(WHEAT).iri
    assert {n["iri"] for n in view.nodes} == expected_lineage_nodes(bundled.store, wheat)
    [root] = [n for n in view.nodes if n.get("root")]
    assert root["iri"] == wheat and view.meta["root"] == root["id"]
    conversion = next(e for e in view.edges if e["rel"] == shorten(str(styles.LIN.Conversion)))
    event = view.events[conversion["event"]]
    assert event["status"] == "applied" and event["pending"] and conversion["status"] == "pending"
    assert all("unit" not in e for e in view.edges), "a lineage view draws events only"


def test_a_lineage_keeps_the_other_parties_of_its_mergers(history):
    view = view_of(history, lineage="History Laboratory")
    assert labels(view) == {"History Laboratory", "History New Centre", "History Innovation Centre",
                            "History Old Centre"}
    assert "History Rejected Target" not in labels(view)


def test_as_of_drops_later_events_and_institutions_not_yet_established(history):
    assert labels(view_of(history, lineage="History Laboratory", as_of="2020")) == {
        "History Laboratory"}
    # A merger dated 2021-08 is not certainly after "2021": kept, as in trace.
    assert labels(view_of(history, lineage="History Laboratory", as_of="2021")) == {
        "History Laboratory", "History New Centre", "History Old Centre"}
    early = view_of(history, lineage="History New Centre", as_of="2010")
    assert labels(early) == {"History New Centre"}
    assert early.meta["notes"] == ["History New Centre (历史新中心) was not yet established on 2010"]
    whole = view_of(history, as_of="2000")
    # the two NTICs are known only from events that would create them (2019, 2024): the
    # existence rule starts them there, so they are not yet on the record in 2000
    assert labels(whole) == {"History Old Centre", "History University", "History Ministry"}
    assert whole.edges == [] and whole.meta["asOf"] == "2000"


def test_focus_takes_depth_hops_through_events_and_memberships(history):
    assert labels(view_of(history, focus="History New Centre", depth=0)) == {"History New Centre"}
    near = {"History New Centre", "History Laboratory", "History Old Centre",
            "History Innovation Centre", "History University"}
    assert labels(view_of(history, focus="History New Centre", depth=1)) == near
    assert labels(view_of(history, focus="History New Centre", depth=2)) == near | {
        "History Ministry", "History Rejected Target"}
    # as of 2020 the new centre's merger and membership have not happened yet
    assert labels(view_of(history, focus="History Laboratory", depth=1, as_of="2020")) == {
        "History Laboratory", "History Ministry"}


def test_node_details_carry_units_events_and_dissolutions(history):
    view = build_view(history.store)
    lab = node(view, "History Laboratory")
    [unit] = [view.units[i] for i in lab["units"]]
    assert unit["role"] == "managing unit 主管部门" and unit["member"] == lab["id"]
    closed = node(view, "History Closed Institute")
    [dissolution] = [view.events[i] for i in closed["events"]]
    assert dissolution["type"] == "dissolution 撤销" and dissolution["date"] == {
        "v": "2015", "p": "year"}
    assert node(view, "History Old Centre")["alt"] == ["HOC"]
    source = view.sources[lab["sources"][0]]
    assert source["url"] == "https://example.org/fixtures/history"


def test_edges_are_styled_by_relation_and_status_from_one_table(history):
    view = build_view(history.store)
    by_status = {view.events[e["event"]]["status"]: e for e in view.edges if "event" in e}
    assert by_status["completed"]["status"] == "settled"
    assert by_status["planned"]["status"] == "pending"
    assert by_status["rejected"]["status"] == "closed"
    table = view.meta["edgeStyles"]
    pending = table[f"{by_status['planned']['rel']}|pending"]
    settled = table[f"{by_status['completed']['rel']}|settled"]
    closed = table[f"{by_status['rejected']['rel']}|closed"]
    assert pending["dashes"] and not settled["dashes"] and closed["dashes"] != pending["dashes"]
    assert closed["color"]["color"] != table[f"{by_status['rejected']['rel']}|settled"]["color"]["color"]
    for edge in view.edges:
        assert f"{edge['rel']}|{edge['status']}" in table
    # the legend lists exactly what is drawn, with the colours the drawing uses
    assert {t["key"] for t in view.legend["types"]} == {n["group"] for n in view.nodes}
    assert {r["key"] for r in view.legend["relations"]} == {e["rel"] for e in view.edges}
    for entry in view.legend["types"]:
        assert view.groups[entry["key"]]["color"]["background"] == entry["color"]
    for entry in view.legend["relations"]:
        used = [table[f"{e['rel']}|{e['status']}"] for e in view.edges if e["rel"] == entry["key"]]
        assert any(style["color"]["color"] == entry["color"] for style in used)


def test_every_type_has_a_style_and_unknown_ones_fall_back():
    assert [t.key for t in styles.TYPES] == ["NETRC", "NTIC", "NERC", "NEL", "NMIC", "NIIC",
                                             "University", "Enterprise", "ResearchInstitute",
                                             "GovernmentBody", "other"]
    assert styles.type_style(()).key == "other"
    assert styles.type_style((str(styles.LIN.University), str(styles.LIN.NationalEngineeringLaboratory))).key == "NEL"
    assert styles.event_style("lin:SomethingNew") is styles.OTHER_EVENT
    assert styles.role_style("lin:SomethingNew") is styles.OTHER_ROLE
    assert styles.status_style(None).key == "unknown"


def test_timeline_places_institutions_by_time_and_undated_ones_apart(history):
    view = view_of(history, layout="timeline")
    assert view.meta["axis"][0] == {"year": 1950, "x": 0.0}
    assert [t["year"] for t in view.meta["axis"]] == list(range(1950, 2025))
    axis = {t["year"]: t["x"] for t in view.meta["axis"]}
    # a year in which something starts is a full step wide, a quiet one narrow
    assert axis[1951] - axis[1950] == layouts.YEAR_STEP
    assert axis[1952] - axis[1951] == layouts.EMPTY_YEAR
    band = view.meta["undatedBand"]
    for n in view.nodes:
        if "start" in n:  # x at the precision known: 2008-05 sits a third into 2008
            year, *rest = [int(p) for p in n["start"]["v"].split("-")]
            fraction = (rest[0] - 1) / 12 if rest else 0
            assert n["x"] == round(axis[year] + fraction * layouts.YEAR_STEP, 1), n
            assert n["y"] < band
        else:
            assert n["undated"] and n["y"] > band, n
    # established date first, else the event that made it (here a planned conversion)
    assert node(view, "History Laboratory")["year"] == 2008
    # said in plain words in the panel (no property names)
    assert node(view, "History Innovation Centre")["start"]["from"] == "the conversion event"
    assert "year" not in node(view, "History Ministry")
    assert view.meta["undated"] == 1


def test_timeline_rows_keep_labels_a_cell_apart():
    times = {"a": 2000.0, "b": 2000.05, "c": 2000.5, "d": 2010.0, "e": None, "f": 2000.0}
    placement = layouts.timeline_layout(times, [("a", "b"), ("b", "c"), ("c", "d")], times)
    pos = placement.positions
    nodes = list(times)
    for i, m in enumerate(nodes):
        for n in nodes[i + 1:]:
            same_row = pos[m][1] == pos[n][1]
            assert not same_row or abs(pos[m][0] - pos[n][0]) >= layouts.CELL_WIDTH, (m, n)
    # one family (a-d) keeps its rows together; the unrelated f sits in a row of its own
    assert {pos[k][1] for k in "abcd"} <= {0.0, layouts.ROW_STEP, 2 * layouts.ROW_STEP}
    assert pos["e"][1] >= placement.undated_band > max(pos[k][1] for k in "abcdf")


@pytest.mark.timeout(120)  # a hang guard; its speed is measured in benchmarks/, not here
def test_packed_layout_gives_every_node_its_own_place():
    n = 20_000
    nodes = list(range(n))
    edges = [(i, i // 3) for i in range(1, n) if i % 7]  # a forest of trees and singletons
    placement = layouts.packed_layout(nodes, edges)
    assert set(placement.positions) == set(nodes)
    assert len(set(placement.positions.values())) == n


def test_large_views_get_python_positions_and_no_physics(tmp_path):
    from lineage import Lineage

    data = tmp_path / "big.ttl"
    data.write_text(synthetic_turtle(LARGE_VIEW + 100), encoding="utf-8")
    view = build_view(Lineage.open(data=[data], bundled=False).store)
    assert len(view.nodes) > LARGE_VIEW
    assert view.meta["large"] and not view.meta["physics"]
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in view.nodes)
    assert len({(n["x"], n["y"]) for n in view.nodes}) == len(view.nodes)


def test_small_force_views_settle_with_physics_then_stop(bundled):
    meta = build_view(bundled.store, focus=bundled.resolve(WHEAT), depth=2).meta
    assert meta["physics"] and not meta["large"] and meta["layout"] == "force"
    assert not meta["overview"]
    # the whole graph is the overview instead: laid out in the page, no physics
    whole = build_view(bundled.store).meta
    assert whole["overview"] and not whole["physics"]
    script = (Path(styles.__file__).parent / "view.js").read_text(encoding="utf-8")
    assert "stabilizationIterationsDone" in script and "physics: { enabled: false }" in script


# -- the page --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(bundled) -> str:
    return bundled.render()


def test_the_page_is_self_contained_with_no_url_outside_the_data(page):
    data, rest = island(page)
    assert not re.search(r"https?://", rest, re.I)
    markup = re.sub(r"<(script|style)\b([^>]*)>.*?</\1>", r"<\1\2>", rest, flags=re.S)
    # vis-network in the head (it runs while the data still loads), the data, our script
    assert re.findall(r"<script[^>]*>", markup) == [
        "<script>", '<script type="application/json" id="lineage-data">', "<script>"]
    assert not re.search(r"\b(src|href|action)\s*=", markup, re.I), "nothing loads by URL"
    assert "<link" not in markup.lower() and "@import" not in rest
    assert "vis-network" in rest and "lineageView" in rest  # vis-network and our script inline
    assert data["meta"]["counts"]["nodes"] == len(data["nodes"])


def test_the_csp_allows_exactly_the_inline_scripts_and_styles(page):
    head = page[:page.index("<style>")]
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', head)
    assert match, "CSP meta must come before any style or script"
    policy = dict(d.strip().split(" ", 1) for d in html.unescape(match.group(1)).split(";"))
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'none'"
    assert policy["img-src"] == "data:" and policy["base-uri"] == "'none'"
    assert "unsafe" not in policy["script-src"] and "unsafe" not in policy["style-src"]

    def hashes(tag: str) -> set[str]:
        bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        return {"'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
                for b in bodies}

    assert set(policy["script-src"].split()) == hashes("script") and len(hashes("script")) == 2
    assert set(policy["style-src"].split()) == hashes("style") and len(hashes("style")) == 2
    assert "\r" not in page, "the browser hashes scripts after normalising line ends"


def test_the_page_script_inserts_data_only_as_text():
    script = (Path(styles.__file__).parent / "view.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setAttribute('style'", "javascript:"):
        assert sink not in script, sink
    assert "textContent" in script and "JSON.parse" in script


def test_the_json_island_escapes_what_could_end_or_break_it():
    hostile = {"a": "</script><script>x</script>", "b": "<!-- & -->", "c": "line\u2028para\u2029"}
    text = json_island(hostile)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == hostile


def test_the_page_data_round_trips_exactly(bundled):
    view = build_view(bundled.store)
    data, _ = island(render_page(view))
    assert data == json.loads(json.dumps(view.data()))


@pytest.mark.parametrize("url, safe", [
    ("https://example.org/a?b=<c>", "https://example.org/a?b=<c>"),
    ("HTTP://EXAMPLE.ORG/", "HTTP://EXAMPLE.ORG/"),
    ("javascript:alert(1)", None), ("JAVASCRIPT:alert(1)", None),
    (" javascript:alert(1)", None), ("data:text/html,x", None), ("https://a b", None),
    ("https://a\nb", None), ("//example.org", None), ("", None), (None, None),
])
def test_only_http_urls_become_links(url, safe):
    assert safe_url(url) == safe


@pytest.mark.parametrize("kind", ["whole", "lineage"])
def test_hostile_strings_stay_inside_the_json_data(hostile, kind):
    options = {"lineage": INST["hostile-img"]} if kind == "lineage" else {}
    page = hostile.render(**{k: str(v) for k, v in options.items()})
    data, rest = island(page)
    title = re.search(r"<title>(.*?)</title>", rest, re.S).group(1)
    outside = rest.replace(title, "")
    assert PAYLOAD_MARK not in outside
    markup = re.sub(r"<(script|style)\b([^>]*)>.*?</\1>", r"<\1\2>", outside, flags=re.S)
    assert "onerror" not in markup and "<svg" not in markup and "<img" not in markup
    assert "<" not in title and ">" not in title
    if kind == "lineage":
        assert html.unescape(title).startswith("lineage: lineage of <img src=x onerror=")
    urls = {s["title"]: s.get("url") for s in data["sources"]}
    assert urls["</script><script>window.__pwned=24</script>"] is None  # javascript:
    assert urls["a data: URL must not become a link"] is None
    if kind == "whole":
        assert urls["an upper-case JAVASCRIPT: URL must not become a link"] is None
    assert all(u.lower().startswith(("http://", "https://")) for u in urls.values() if u)
    assert any(u and u.startswith("https://example.org/?q=%3Cimg") for u in urls.values())
    iris = {n["iri"] for n in data["nodes"]}
    assert "javascript:window.__pwned=6" in iris  # kept as data, shown as text


# -- files: names, atomic writes, encoding -----------------------------------------------------

def test_default_file_names_say_what_the_view_shows(bundled):
    wheat = bundled.resolve(WHEAT)
    assert default_filename() == "lineage-view.html"
    assert default_filename(lineage=wheat) == \
        "lineage-national-wheat-engineering-technology-research-center.html"
    assert default_filename(focus=wheat, as_of="2021-08", layout="timeline") == \
        "neighbourhood-national-wheat-engineering-technology-research-center-as-of-2021-08-timeline.html"
    hostile = type(wheat)("javascript:../../etc/<x>", None, None)
    name = default_filename(lineage=hostile)
    assert re.fullmatch(r"lineage-[a-z0-9-]+\.html", name) and "/" not in name


def test_write_atomic_replaces_whole_files_and_keeps_permissions(tmp_path):
    target = tmp_path / "view.html"
    write_atomic(target, b"first")
    target.chmod(0o640)
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["view.html"]


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_a_failed_write_leaves_the_previous_file_intact(tmp_path, monkeypatch, failing):
    target = tmp_path / "view.html"
    target.write_bytes(b"previous view")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "write":  # the disk fills up halfway through the new file
        monkeypatch.setattr("lineage.atomic.os.fdopen", _failing_fdopen(after=5))
    else:
        monkeypatch.setattr(f"lineage.atomic.os.{failing}", boom)
    with pytest.raises(InputError, match="cannot write"):  # exit 2, the path named
        write_atomic(target, b"new view that is long enough")
    assert target.read_bytes() == b"previous view"
    assert [p.name for p in tmp_path.iterdir()] == ["view.html"], "temp file not cleaned up"


def _failing_fdopen(after: int):
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        handle = real(fd, mode, *args, **kwargs)

        class Half:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()
                return False

            def write(self, data):
                handle.write(data[:after])
                handle.flush()
                raise OSError(5, "Input/output error")

        return Half()

    return fdopen


def test_a_killed_writer_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "view.html"
    target.write_bytes(b"previous view")
    child = textwrap.dedent(f"""
        import os, sys, time
        import lineage.atomic as atomic
        real = os.fsync
        def slow(fd):
            sys.stdout.write("writing\\n"); sys.stdout.flush(); time.sleep(30); real(fd)
        atomic.os.fsync = slow
        atomic.write_atomic({str(target)!r}, b"x" * 5_000_000)
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert target.read_bytes() == b"previous view"


def test_write_view_reports_unwritable_paths(tmp_path):
    with pytest.raises(InputError, match="directory"):
        write_view(tmp_path, "<html>")
    with pytest.raises(InputError, match="cannot write"):
        write_view(tmp_path / "missing" / "view.html", "<html>")


def test_render_failing_midway_keeps_the_previous_file(run, tmp_path, monkeypatch):
    from lineage.api import Lineage

    target = tmp_path / "all.html"
    target.write_text("previous view", encoding="utf-8")

    def broken(self, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(Lineage, "render", broken)
    result = run("render", "-o", str(target))
    assert result.exit_code == 3 and "internal error" in result.stderr
    assert target.read_text(encoding="utf-8") == "previous view"


def test_render_under_an_ascii_locale_writes_utf8(tmp_path):
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii",
           "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    probe = subprocess.run([sys.executable, "-c",
                            "import locale; print(locale.getpreferredencoding(False))"],
                           env=env, capture_output=True, text=True, check=True)
    assert "utf" not in probe.stdout.lower(), "the probe should see a non-UTF-8 locale"
    result = subprocess.run([sys.executable, "-m", "lineage.cli", "render", "--lineage", WHEAT,
                             "-o", "wheat.html"], cwd=tmp_path, env=env, capture_output=True)
    assert result.returncode == 0, result.stderr.decode("ascii", "replace")
    text = (tmp_path / "wheat.html").read_bytes().decode("utf-8")  # strict: raises if not UTF-8
    assert WHEAT_ZH in text and '<meta charset="utf-8">' in text
    assert result.stdout.decode("ascii").strip() == str(tmp_path / "wheat.html")


# -- the command -------------------------------------------------------------------------------

def test_render_writes_the_default_name_and_prints_its_path(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("render")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "lineage-view.html")
    result = run("render", "--lineage", WHEAT_ZH, "--as-of", "2024")
    assert result.stdout.strip() == str(
        tmp_path / "lineage-national-wheat-engineering-technology-research-center-as-of-2024.html")
    data, _ = island(Path(result.stdout.strip()).read_text(encoding="utf-8"))
    assert data["meta"]["asOf"] == "2024" and len(data["nodes"]) == 2


def test_render_writes_the_named_file(run, tmp_path):
    target = tmp_path / "focus.html"
    result = run("render", "--focus", WHEAT, "--depth", "2", "--layout", "timeline", "-o",
                 str(target))
    assert result.exit_code == 0 and result.stdout.strip() == str(target)
    data, _ = island(target.read_text(encoding="utf-8"))
    assert data["meta"]["layout"] == "timeline" and data["meta"]["axis"]
    assert data["meta"]["title"].startswith(f"neighbourhood of {WHEAT}")


@pytest.mark.parametrize("args, message", [
    (["--lineage", "Wheat Centre That Does Not Exist"], "no institution named"),
    (["--focus", "National Wheat Engineering Technology Research Centre"], "Did you mean"),
    (["--depth", "2"], "--depth applies only with --focus"),
    (["--focus", WHEAT, "--lineage", WHEAT], "either --focus or --lineage"),
    (["--as-of", "2021-13"], "not a real date"),
    (["--layout", "circle"], "circle"),
])
def test_render_rejects_bad_requests_with_exit_2(run, tmp_path, args, message):
    result = run("render", *args, "-o", str(tmp_path / "x.html"))
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_render_help_has_an_example(run):
    result = run("render", "--help")
    assert "Example" in result.stdout and "--lineage" in result.stdout


# -- pyvis writes the page; the overview; plain words -----------------------------------------

def test_the_written_page_comes_from_pyvis_generate_html_with_our_template(run, tmp_path,
                                                                            monkeypatch):
    from pyvis.network import Network

    calls = []
    original = Network.generate_html

    def recording(self, *args, **kwargs):
        html_text = original(self, *args, **kwargs)
        calls.append((self, self.templateEnv.get_template(self.path).filename, html_text))
        return html_text

    monkeypatch.setattr(Network, "generate_html", recording)
    target = tmp_path / "wheat.html"
    result = run("render", "--lineage", WHEAT, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1
    network, template, generated = calls[0]
    assert isinstance(network, Network)
    assert Path(template) == Path(styles.__file__).parent / "template.html"
    assert target.read_text(encoding="utf-8") == generated
    data, _ = island(generated)
    # the Network holds the view's own lists, handed over in bulk
    assert network.nodes == data["nodes"] and network.edges == data["edges"]
    assert network.node_ids == [n["id"] for n in data["nodes"]]


def test_to_pyvis_gives_a_network_whose_restyling_reaches_the_page(bundled):
    from pyvis.network import Network

    network = bundled.to_pyvis(lineage=WHEAT)
    assert isinstance(network, Network)
    wheat = next(n for n in network.nodes if n.get("en") == WHEAT)
    wheat["color"] = "#123456"
    wheat["label"] = "Wheat, restyled"
    page = network.generate_html()
    data, rest = island(page)
    drawn = next(n for n in data["nodes"] if n.get("en") == WHEAT)
    assert drawn["color"] == "#123456" and drawn["label"] == "Wheat, restyled"
    assert "Content-Security-Policy" in rest and not re.search(r"https?://", rest, re.I)
    assert data["nodes"] == network.nodes and data["edges"] == network.edges


def test_the_overview_opens_on_the_lineage_with_units_folded(bundled):
    view = build_view(bundled.store)
    by_id = {n["id"]: n for n in view.nodes}
    hop_ends = {end for e in view.edges if "event" in e for end in (e["from"], e["to"])}
    assert hop_ends and all(by_id[i]["part"] == "lineage" for i in hop_ends)
    programmes = {key for key, _, _ in styles.PROGRAMMES}
    for n in view.nodes:
        assert n["w"] == len(n.get("events", ())) + len(n.get("units", ()))
        if n["part"] == "programme":
            assert n["prog"] in programmes and not n.get("events")
        elif n["part"] == "unit":
            assert "prog" not in n and n["id"] not in hop_ends
    assert {n["part"] for n in view.nodes} == {"lineage", "programme", "unit"}
    # only the whole graph is an overview
    assert "part" not in build_view(bundled.store, lineage=bundled.resolve(WHEAT)).nodes[0]


def test_confidence_and_date_origins_are_plain_words(bundled):
    view = build_view(bundled.store)
    confidences = {e.get("confidence") for e in view.events} - {None}
    assert confidences and confidences <= {"high", "medium", "low"}
    origins = {n[k]["from"] for n in view.nodes for k in ("start", "end", "knownBy") if n.get(k)}
    assert origins and not any(":" in o for o in origins), origins
    assert [c["label"] for c in view.meta["confidence"]] == ["high", "medium", "low"]


def test_one_cjk_font_stack_for_the_page_and_the_canvas(bundled):
    for face in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                 "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB"):
        assert f'"{face}"' in styles.FONT_STACK
    css = (Path(styles.__file__).parent / "view.css").read_text(encoding="utf-8")
    assert styles.FONT_STACK + ";" in css
    assert build_view(bundled.store).meta["font"] == styles.FONT_STACK
    assert "fonts-noto-cjk" in styles.CJK_FONT_HINT
