"""The whole-graph overview, fonts, shared links, downloads and the pyvis Network, in headless
Chromium (the same harness as tests/test_views_browser.py: file://, every request blocked)."""

from __future__ import annotations

import struct
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from test_views import WHEAT, WHEAT_ZH
from test_views_browser import (CHROMIUM_ARGS, _chromium, _unavailable, browser, load,  # noqa: F401
                                overlapping, render, screenshot, until)

#: Every item drawn (nodes, and programme bubbles that fold several) with its box in the
#: canvas (shape and label), and whether the label is large enough on screen to be drawn.
DRAWN_BOXES = """() => {
  const net = lineageView.network;
  return net.body.nodeIndices.map(id => Object.assign({id: String(id)}, net.getBoundingBox(id)));
}"""
#: The DOM position of both ends of every lineage hop, and whether each end is drawn itself.
HOP_ENDS = """(hops) => {
  const net = lineageView.network;
  const drawn = new Set(net.body.nodeIndices.map(String));
  return hops.map(([a, b]) => [a, b].map(id => Object.assign(
    {drawn: drawn.has(String(id))}, net.canvasToDOM(net.getPosition(id)))));
}"""


@pytest.fixture
def overview(browser, run, tmp_path):
    return load(browser, render(run, tmp_path, "all.html", "render"))


def lineage_hops() -> int:
    """The lineage events (with an original and a result) of the bundled graph, by SPARQL."""
    from lineage import Lineage

    query = """SELECT (COUNT(*) AS ?n) WHERE { ?e a lin:ChangeEvent ;
      org:originalOrganization ?o ; org:resultingOrganization ?r .
      FILTER NOT EXISTS { ?e a lin:Establishment } FILTER NOT EXISTS { ?e a lin:Acceptance } }"""
    return int(Lineage.open().query(query).rows[0][0])


def hops(view) -> list[tuple[int, int]]:
    return [(e["from"], e["to"]) for e in view.data["edges"] if "event" in e]


def assert_readable(view, what: str, labels_drawn: bool = False) -> None:
    """No two drawn boxes (shape and label) meet; with labels_drawn, the zoom also keeps the
    labels large enough to be drawn (13 px at this zoom is 7 px or more; smaller ones are left
    to the tooltip)."""
    boxes = view.js(DRAWN_BOXES)
    clashes = overlapping(boxes)
    assert clashes == [], f"{what}: {len(clashes)} labels overlap, e.g. {clashes[:2]}"
    if labels_drawn:
        assert 13 * view.js("lineageView.network.getScale()") >= 9, f"{what}: labels too small"


def test_the_overview_shows_every_lineage_event_and_no_label_overlaps(overview):
    view = overview
    screenshot(view, "overview.png")
    assert view.errors == [] and view.blocked == []
    box = view.page.locator("#graph").bounding_box()
    ends = view.page.evaluate(HOP_ENDS, [list(h) for h in hops(view)])
    assert len(ends) == lineage_hops() > 0, "every lineage hop of the bundled graph is in the view"
    for a, b in ends:
        for end in (a, b):
            assert end["drawn"], "a lineage event's party is folded away"
            assert 0 <= end["x"] <= box["width"] and 0 <= end["y"] <= box["height"], end
    assert_readable(view, "default view", labels_drawn=True)
    nodes = view.data["nodes"]
    assert view.js("lineageView.visibleNodeCount()") == sum(1 for n in nodes
                                                            if n["part"] != "unit")
    # programmes are folded into bubbles: fewer items drawn than nodes shown
    bubbles = view.js("lineageView.network.body.nodeIndices.filter("
                      "id => lineageView.isBubble(id)).length")
    assert bubbles == len({n["prog"] for n in nodes if n["part"] == "programme"})
    # the filters are above the fold at 1400x900
    for selector in ("#year-from", "#year-to", "#hide-isolated", "#show-satellites",
                     "#reset-filters"):
        assert view.page.locator(selector).bounding_box()["y"] + 20 < 900, selector


def test_opening_programmes_units_and_hiding_isolated_lays_out_again(overview):
    view = overview
    nodes = view.data["nodes"]
    view.page.locator("#programmes input[type=checkbox]").first.check()
    assert_readable(view, "one programme open")
    view.page.locator("#show-satellites").check()
    assert view.js("lineageView.visibleNodeCount()") == len(nodes)
    assert_readable(view, "units and bodies drawn")
    view.page.locator("#hide-isolated").check()
    linked = {end for e in view.data["edges"] for end in (e["from"], e["to"])}
    assert view.js("lineageView.visibleNodeCount()") == len(linked)
    assert_readable(view, "isolated hidden")
    view.page.screenshot(path=str(Path(__file__).resolve().parent.parent / "test-artifacts"
                                  / "overview-units-no-isolated.png"))
    # a bubble opens when clicked
    view.page.locator("#show-satellites").uncheck()
    view.page.locator("#hide-isolated").uncheck()
    bubble = view.js("lineageView.network.body.nodeIndices.find("
                     "id => lineageView.isBubble(id))")
    assert bubble is not None
    point = view.js(f"lineageView.network.canvasToDOM(lineageView.network.getPosition({bubble!r}))")
    view.page.mouse.click(*view.graph_point(point))
    until(lambda: not view.js(f"lineageView.network.body.nodeIndices.includes({bubble!r})"),
          what="the bubble to open")
    assert_readable(view, "a bubble opened")
    assert view.errors == []


#: The items drawn, and the ends of the lines drawn, as the network holds them.
DRAWN = """() => {
  const body = lineageView.network.body;
  return {nodes: body.nodeIndices,
          ends: body.edgeIndices.flatMap(id => [body.edges[id].fromId, body.edges[id].toId])};
}"""


def test_units_linked_only_to_folded_centres_fold_with_them(overview):
    """With units and bodies drawn, one linked only to centres folded into a programme's
    bubble is in that bubble too: no unit is drawn without a line; selecting one opens its
    bubble, and opening every programme draws every unit with its lines."""
    view = overview
    nodes = view.data["nodes"]
    links: dict[int, set[int]] = {}
    for e in view.data["edges"]:
        if "unit" in e:
            for a, b in ((e["from"], e["to"]), (e["to"], e["from"])):
                if nodes[a]["part"] == "unit":
                    links.setdefault(a, set()).add(b)
    behind = sorted(u for u, ends in links.items()
                    if all(nodes[m]["part"] == "programme" for m in ends))
    assert behind, "the bundled graph has units linked only to centres without events"
    bubbles = "lineageView.network.body.nodeIndices.filter(id => lineageView.isBubble(id))"
    closed = view.js(bubbles)
    view.js(f"lineageView.selectNode({behind[0]})")  # folded into its institutions anyway
    assert view.js(bubbles) == closed and view.js("lineageView.selectedNodes()") == []
    view.page.locator("#show-satellites").check()
    drawn = view.js(DRAWN)
    assert not set(behind) & set(drawn["nodes"])
    assert all(u in drawn["ends"] for u in links if u in drawn["nodes"]), "a unit without lines"
    assert view.js("lineageView.visibleNodeCount()") == len(nodes), "folded ones count as shown"
    view.js(f"lineageView.selectNode({behind[0]})")
    assert view.js("lineageView.selectedNodes()") == [behind[0]]
    assert behind[0] in view.js(DRAWN)["ends"]
    for box in view.page.locator("#programmes input[type=checkbox]").all():
        box.check()
    drawn = view.js(DRAWN)
    assert set(links) <= set(drawn["nodes"]) and set(links) <= set(drawn["ends"])
    assert not any(view.js(f"lineageView.isBubble({n!r})") for n in drawn["nodes"])
    assert_readable(view, "every programme open, units and bodies drawn")
    assert view.errors == []


def test_the_search_list_closes_on_a_pick_or_when_focus_leaves(overview):
    view = overview
    view.page.fill("#search", "小麦")
    until(lambda: view.page.locator("#search-results li").count() > 0, what="results")
    view.page.press("#search", "Enter")
    assert view.page.locator("#search-results li").count() == 0
    view.page.fill("#search", "小麦技术")
    until(lambda: view.page.locator("#search-results li").count() > 0, what="results")
    view.page.click("#year-from")  # focus leaves the search box
    assert view.page.locator("#search-results li").count() == 0


def test_the_panel_speaks_plain_words_with_notes_folded(overview):
    view = overview
    wheat = next(i for i, e in enumerate(view.data["edges"])
                 if "event" in e and WHEAT in str(view.data["nodes"][e["from"]].get("en")))
    view.js(f"lineageView.showEdge({wheat})")
    text = view.page.inner_text("#details")
    event = view.data["events"][view.data["edges"][wheat]["event"]]
    assert "Confidence" in text and f"\n{event['confidence']}" in text.replace("\t", "\n")
    assert "high = " in text and "pending" in text  # the small legends
    assert "lin:" not in text and "dcterms:" not in text
    wheat_node = next(n for n in view.data["nodes"] if n.get("en") == WHEAT)
    view.js(f"lineageView.showNode({wheat_node['id']})")
    text = view.page.inner_text("#details")
    assert "lin:" not in text
    order = text.lower()  # headings are upper-cased by the style sheet
    assert order.index("exists from") < order.index("sources") < order.index("curator notes")
    assert view.js("document.querySelector('#details details').open") is False
    assert view.js("document.querySelector('#details details').contains("
                   "document.querySelector('#details .iri'))")


def test_a_shared_link_reopens_the_same_filters_search_and_selection(overview, browser):
    view = overview
    view.page.locator("#legend-types input[data-key=NEL]").uncheck()
    view.page.fill("#year-from", "2000")
    view.page.dispatch_event("#year-from", "change")
    view.page.locator("#hide-isolated").check()
    view.page.fill("#search", "小麦")
    until(lambda: view.page.locator("#search-results li").count() > 0, what="results")
    view.page.press("#search", "Enter")
    until(lambda: WHEAT_ZH in view.page.inner_text("#details"), what="a selection")
    view.page.click("#copy-link")
    link = view.page.locator("#share-link").input_value()
    assert link == view.js("lineageView.link()") and "#" in link
    before = {"visible": view.js("lineageView.visibleNodeCount()"),
              "selected": view.js("lineageView.selectedNodes()"),
              "boxes": view.js("[...document.querySelectorAll('#side input[type=checkbox]')]"
                               ".map(b => b.checked)"),
              "from": view.page.input_value("#year-from"),
              "search": view.page.input_value("#search")}
    assert before["selected"]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        "file://") else route.abort())
    page.goto(link)
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
    after = {"visible": page.evaluate("lineageView.visibleNodeCount()"),
             "selected": page.evaluate("lineageView.selectedNodes()"),
             "boxes": page.evaluate("[...document.querySelectorAll('#side input[type=checkbox]')]"
                                    ".map(b => b.checked)"),
             "from": page.input_value("#year-from"),
             "search": page.input_value("#search")}
    assert after == before
    assert WHEAT_ZH in page.inner_text("#details")
    assert page.locator("#search-results li").count() == 0
    context.close()


def test_downloads_save_what_is_on_screen_as_png_and_svg(overview, tmp_path):
    view = overview
    with view.page.expect_download() as png_download:
        view.page.click("#download-png")
    png = tmp_path / "view.png"
    png_download.value.save_as(png)
    raw = png.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", raw[16:24])
    canvas = view.js("[document.querySelector('#graph canvas').width,"
                     " document.querySelector('#graph canvas').height]")
    assert [width, height] == canvas
    with view.page.expect_download() as svg_download:
        view.page.click("#download-svg")
    svg = tmp_path / "view.svg"
    svg_download.value.save_as(svg)
    assert svg_download.value.suggested_filename.endswith(".svg")
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    lines = root.findall(f".//{ns}g[@class='edges']/{ns}line")
    assert len(lines) >= len(hops(view))
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{ns}text"))
    assert "National Wheat" in texts and "国家小麦" in texts
    circles = root.findall(f".//{ns}g[@class='node']")
    assert len(circles) == view.js("lineageView.network.body.nodeIndices.filter("
                                   "id => !lineageView.isBubble(id)).length")


def test_to_pyvis_generate_html_opens_offline(browser, bundled, tmp_path):
    network = bundled.to_pyvis(lineage=WHEAT)
    page_file = tmp_path / "from-pyvis.html"
    page_file.write_text(network.generate_html(), encoding="utf-8")
    view = load(browser, page_file)
    assert view.blocked == [] and view.errors == []
    assert view.js("lineageView.nodeCount()") == len(network.nodes)
    assert view.js("lineageView.network.body.nodeIndices.length") == len(network.nodes)


# -- fonts ---------------------------------------------------------------------------------

def test_chinese_renders_as_glyphs_and_no_notice_shows(overview):
    view = overview
    widths = view.js("lineageView.glyphWidths()")
    assert abs(widths["cjk"] - widths["missing"]) > 1, "CJK text is as wide as missing glyphs"
    assert view.js("lineageView.cjkFontRenders()") is True
    until(lambda: view.js("lineageView.fontsChecked"), what="the page's own font check")
    assert not view.page.locator("#font-notice").is_visible()


@pytest.fixture
def browser_without_cjk(browser, tmp_path):
    """Chromium seeing only the DejaVu fonts (a fontconfig of its own): no CJK font at all."""
    fonts = Path("/usr/share/fonts/truetype/dejavu")
    path = _chromium()
    if path is None or not fonts.is_dir():
        _unavailable("Chromium or the DejaVu fonts are missing")
    config = tmp_path / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>
""", encoding="utf-8")
    chromium = browser.browser_type.launch(executable_path=path, args=CHROMIUM_ARGS,
                                           env={"FONTCONFIG_FILE": str(config),
                                                "HOME": str(tmp_path)})
    yield chromium
    chromium.close()


def test_without_a_cjk_font_the_page_says_what_to_install(browser_without_cjk, run, tmp_path):
    view = load(browser_without_cjk, render(run, tmp_path, "all.html", "render"))
    assert view.js("lineageView.cjkFontRenders()") is False
    notice = view.page.locator("#font-notice")
    until(notice.is_visible, what="the notice (checked once the view is drawn)")
    assert "fonts-noto-cjk" in notice.inner_text()
    assert notice.bounding_box()["height"] < 26, "one line"
    screenshot(view, "overview-no-cjk-font.png")


@pytest.fixture
def large_overview(browser, tmp_path):
    """The overview of a synthetic graph of 2,100 institutions (over 2,000 nodes: large)."""
    import importlib.util

    from lineage import Lineage

    spec = importlib.util.spec_from_file_location(
        "generate", Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    graph = tmp_path / "large.nt"
    generate.generate(2100, 1, graph)
    page_file = tmp_path / "large.html"
    Lineage.open(data=[graph]).render().write(page_file)
    return load(browser, page_file)


def test_a_large_overview_hands_labels_over_once_the_zoom_shows_them(large_overview):
    """A large overview (over 2,000 nodes) opens too far out for labels to be drawn: its nodes
    get no label until the zoom shows labels, then those in and around the view get theirs
    (the network measures every label it is given, which was a third of the first frame)."""
    view = large_overview
    assert view.data["meta"]["large"] and view.data["meta"]["overview"]
    assert view.errors == [] and view.blocked == []
    labelled = """() => {
      const net = lineageView.network;
      return net.body.nodeIndices.filter(id => !lineageView.isBubble(id) &&
        typeof net.body.nodes[id].options.label === 'string');
    }"""
    assert 13 * view.js("lineageView.network.getScale()") < 6, "opens too far out for labels"
    time.sleep(0.3)  # a few frames
    assert view.js(labelled) == []
    assert "<text" not in view.js("lineageView.svg()").split("</title>", 1)[1]
    # zoomed in on one node: it and its neighbours get their labels, drawn and in the SVG
    node = view.js("lineageView.network.body.nodeIndices.find("
                   "id => !lineageView.isBubble(id))")
    view.js(f"lineageView.network.moveTo({{position: lineageView.network.getPosition({node}),"
            " scale: 1, animation: false})")
    until(lambda: node in view.js(labelled), what="the node's label")
    record = view.data["nodes"][node]
    label = view.js(f"lineageView.network.body.nodes[{node}].options.label")
    assert label.split("\n")[0].rstrip("…") in record["en"]
    assert 0 < len(view.js(labelled)) < len(view.data["nodes"]) / 2, "only around the view"
    assert label.split("\n")[0] in view.js("lineageView.svg()")
    assert view.errors == []


def test_a_large_overview_gives_its_lines_arrowheads_once_they_would_show(large_overview):
    """Zoomed out as a large overview opens, an arrowhead would be a pixel or two long: its
    lines get theirs (the relation's own style) once they are 3 px or more, in and around
    the view."""
    view = large_overview
    pointed = """() => {
      const body = lineageView.network.body;
      return body.edgeIndices.filter(id => body.edges[id].options.arrows.to.enabled);
    }"""
    assert view.js("lineageView.network.getScale()") < 0.25
    time.sleep(0.3)  # a few frames
    assert view.js(pointed) == []
    line = view.js("lineageView.network.body.edgeIndices[0]")
    end = view.js(f"lineageView.network.body.edges[{line}].fromId")
    view.js(f"lineageView.network.moveTo({{position: lineageView.network.getPosition({end}),"
            " scale: 0.3, animation: false})")
    until(lambda: line in view.js(pointed), what="the line's arrowhead")
    record = view.data["edges"][line]
    styled = view.data["meta"]["edgeStyles"][f"{record['rel']}|{record['status']}"]["arrows"]
    drawn = view.js(f"lineageView.network.body.edges[{line}].options.arrows.to")
    assert {k: drawn[k] for k in styled["to"]} == styled["to"]
    assert 0 < len(view.js(pointed)) < len(view.data["edges"]) / 2, "only around the view"
    assert view.errors == []
