"""Views in headless Chromium: they load from file:// with every network request blocked, draw,
count the expected nodes, search, show sources, and no hostile string ever runs.

Debian's `chromium` driven by playwright-python (`executable_path`; no browser download).
Without Chromium or playwright these tests skip with the reason; under CI (the CI variable
set) they fail instead, so a CI run can never pass without running them.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lineage.graph.sources import citations
from test_views import (HOSTILE, PAYLOAD_MARK, WHEAT, WHEAT_ZH, expected_lineage_nodes,
                        expected_whole_nodes, island)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
HOSTILE_ROOT = "https://w3id.org/lineage/id/inst/hostile-img"

#: Non-transparent pixels on the graph canvas (the page's own canvas: never tainted).
DRAWN_PIXELS = """() => {
  const canvas = document.querySelector('#graph canvas');
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn++;
  return drawn;
}"""


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (the browser tests must run under CI)")
    pytest.skip(reason)


def _chromium() -> str | None:
    found = os.environ.get("LINEAGE_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (it is in the test extra: pip install '.[test]')")
    path = _chromium()
    if path is None:
        _unavailable("Chromium not found (Debian: apt-get install chromium; .ci/run does this)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser"
            _unavailable(f"Chromium at {path} did not start: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


@dataclass
class Loaded:
    """An open view, with every request it tried (all blocked) and every console error."""

    page: object
    data: dict
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def node_id(self, iri: str) -> int:
        return next(n["id"] for n in self.data["nodes"] if n["iri"] == iri)

    def graph_point(self, position: dict) -> tuple[float, float]:
        box = self.page.locator("#graph").bounding_box()
        return box["x"] + position["x"], box["y"] + position["y"]


def load(browser, path: Path, bypass_csp: bool = False) -> Loaded:
    """Open a view from file:// with the network blocked; wait until it has drawn."""
    data, _ = island(path.read_text(encoding="utf-8"))
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=bypass_csp)
    page = context.new_page()
    loaded = Loaded(page, data)

    def route(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            loaded.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    context.route_web_socket("**/*", lambda ws: loaded.blocked.append(ws.url))
    page.on("console", lambda m: loaded.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: loaded.errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
    return loaded


def until(condition, timeout: float = 10.0, what: str = "condition"):
    """Poll from Python (the page's CSP forbids playwright's in-page wait_for_function)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def assert_sound(view: Loaded, expected_nodes: int) -> None:
    assert view.blocked == [], f"the page tried the network: {view.blocked}"
    assert view.errors == [], view.errors
    assert view.js("lineageView.nodeCount()") == expected_nodes
    assert view.js(DRAWN_PIXELS) > 500, "the canvas is blank"


def screenshot(view: Loaded, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / name))


def render(run, tmp_path: Path, name: str, *args: str) -> Path:
    """Run `lineage ARGS -o tmp_path/name` (ARGS ends with the render command and its options)."""
    target = tmp_path / name
    result = run(*args, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(target)
    return target


# -- acceptance: the whole graph and the wheat lineage -------------------------------------------

def search_and_open_wheat(view: Loaded, bundled) -> None:
    wheat = bundled.resolve(WHEAT).iri
    wheat_id = view.node_id(wheat)
    view.page.fill("#search", "小麦")
    until(lambda: view.js("lineageView.selectedNodes()") == [wheat_id], what="the wheat centre")
    # wait for the focus animation to end, then click the node itself
    last = None
    for _ in range(40):
        position = view.js(f"lineageView.domPosition({wheat_id})")
        if position == last:
            break
        last = position
        time.sleep(0.05)
    view.page.mouse.click(*view.graph_point(last))
    until(lambda: WHEAT in view.page.inner_text("#details"), what="the details panel")
    details = view.page.inner_text("#details")
    assert WHEAT_ZH in details and "NETRC" in details
    sources = citations(bundled.store, [wheat])[wheat]
    assert sources
    for source in sources:
        assert source.title in details
        if source.url and source.url.startswith(("http://", "https://")):
            link = view.page.locator(f'#details a[href="{source.url}"]').first
            assert link.get_attribute("rel") == "noopener noreferrer"
            assert link.inner_text() == source.title


def test_the_whole_graph_opens_offline_and_finds_the_wheat_centre(browser, run, bundled,
                                                                  tmp_path):
    page_file = render(run, tmp_path, "all.html", "render")
    view = load(browser, page_file)
    assert_sound(view, len(expected_whole_nodes(bundled.store)))
    search_and_open_wheat(view, bundled)
    screenshot(view, "all.png")


def test_the_wheat_lineage_opens_offline_and_shows_its_sources(browser, run, bundled, tmp_path):
    page_file = render(run, tmp_path, "wheat.html", "render", "--lineage", WHEAT)
    view = load(browser, page_file)
    expected = expected_lineage_nodes(bundled.store, bundled.resolve(WHEAT).iri)
    assert_sound(view, len(expected))
    # the applied-for conversion is drawn dashed: pending, not approved
    assert view.js("lineageView.network.body.data.edges.get().map(e => e.status)") == ["pending"]
    assert view.js("lineageView.network.body.data.edges.get()[0].dashes") == [8, 6]
    search_and_open_wheat(view, bundled)
    screenshot(view, "wheat.png")


def test_filters_hide_and_show_again(browser, run, bundled, tmp_path):
    view = load(browser, render(run, tmp_path, "all.html", "render"))
    nodes = view.data["nodes"]
    drawn = [n for n in nodes if n["part"] != "unit"]  # the overview folds units and bodies
    total = view.js("lineageView.visibleNodeCount()")
    assert total == len(drawn)
    view.page.locator("#legend-types input[type=checkbox]").first.uncheck()
    hidden = total - view.js("lineageView.visibleNodeCount()")
    assert hidden == sum(1 for n in drawn if n["group"] == view.data["legend"]["types"][0]["key"])
    view.page.click("#reset-filters")
    assert view.js("lineageView.visibleNodeCount()") == total
    years = view.data["meta"]["years"]
    view.page.fill("#year-to", str(years[0]))
    view.page.dispatch_event("#year-to", "change")
    shown = view.js("lineageView.visibleNodeCount()")
    assert shown == sum(1 for n in drawn if n.get("year") in (None, years[0]))
    assert view.errors == []


# -- the XSS matrix --------------------------------------------------------------------------

def is_hostile(record: dict) -> bool:
    return PAYLOAD_MARK in repr(record)


#: Open every details panel in turn; count elements that only HTML parsing could have made.
OPEN_ALL_DETAILS = """() => {
  const bad = 'img, svg, iframe, script, object, embed, a:not([href^="http"])';
  let found = 0;
  for (const id of lineageView.nodeIds()) {
    lineageView.showNode(id);
    found += document.querySelectorAll('#details ' + bad.split(', ').join(', #details ')).length;
  }
  for (const id of lineageView.edgeIds()) {
    lineageView.showEdge(id);
    found += document.querySelectorAll('#details ' + bad.split(', ').join(', #details ')).length;
  }
  return found;
}"""


def exercise_everything(view: Loaded, hover_all: bool) -> int:
    """Hover and click every node and edge (hostile ones long enough for their tooltip to
    show), open every details panel, and search for the payloads. Returns the number of
    hostile tooltips seen."""
    data = view.data
    if data["meta"].get("overview"):  # draw everything: units and bodies, open programmes
        view.page.locator("#show-satellites").check()
        for box in view.page.locator("#programmes input[type=checkbox]").all():
            box.check()
    hostile_events = {i for i, e in enumerate(data["events"]) if is_hostile(e)}
    hostile_units = {i for i, u in enumerate(data["units"]) if is_hostile(u)}
    nodes = view.js("lineageView.nodeIds().map(id => [id, lineageView.domPosition(id)])")
    edges = view.js("lineageView.edgeIds().map(id => [id, lineageView.edgeMidpoint(id)])")
    targets = [(position, is_hostile(data["nodes"][item])) for item, position in nodes]
    targets += [(position, data["edges"][item].get("event") in hostile_events
                 or data["edges"][item].get("unit") in hostile_units) for item, position in edges]
    tooltips = 0
    box = view.page.locator("#graph").bounding_box()
    for position, hostile in targets:
        if not (hover_all or hostile):
            continue
        x, y = box["x"] + position["x"], box["y"] + position["y"]
        if hostile:  # a click also hovers; hostile items stay hovered until their tooltip shows
            view.page.mouse.move(x, y)
            time.sleep(0.25)  # the tooltip shows after 150 ms
            tooltip = view.js("""(() => { const t = document.querySelector('div.vis-tooltip');
                return t && t.style.visibility !== 'hidden' ? t.innerText : null; })()""")
            if tooltip is not None and PAYLOAD_MARK in tooltip:
                tooltips += 1  # innerText turns line breaks into <br>, and nothing else
                assert view.js("document.querySelectorAll('div.vis-tooltip *:not(br)').length") \
                    == 0, "a tooltip holds elements: it was rendered as HTML"
        view.page.mouse.click(x, y)
    assert view.js(OPEN_ALL_DETAILS) == 0, "the details panel holds elements made from data"
    view.page.fill("#search", "<img")  # typed once; the other searches call the page's API
    time.sleep(0.15)  # the search runs 120 ms after the last key
    for text in ("svg onload", "</script>", "href", "javascript:", "小麦", "<img"):
        assert view.js(f"lineageView.search({text!r}).length") > 0
        assert view.js("document.querySelectorAll('#search-results li :not(button):not(span)')"
                       ".length") == 0, "a search result holds elements made from data"
    view.page.fill("#search", "")
    return tooltips


def assert_nothing_ran(view: Loaded, expected_nodes: int) -> None:
    assert view.js(f"typeof window.{PAYLOAD_MARK}") == "undefined", "a payload ran"
    protocols = view.js("[...document.querySelectorAll('a[href]')].map(a => a.protocol)")
    assert set(protocols) <= {"http:", "https:"}, protocols
    assert view.js("lineageView.nodeCount()") == expected_nodes
    assert view.js(DRAWN_PIXELS) > 500, "the graph no longer draws"
    assert view.blocked == [], f"the page tried the network: {view.blocked}"


@pytest.mark.parametrize("kind", ["whole", "lineage"])
def test_hostile_strings_never_run(browser, run, tmp_path, kind):
    from lineage import Lineage

    options = ["--lineage", HOSTILE_ROOT] if kind == "lineage" else []
    page_file = render(run, tmp_path, f"hostile-{kind}.html", "--data", str(HOSTILE), "render",
                       *options)
    store = Lineage.open(data=[HOSTILE]).store
    expected = (expected_lineage_nodes(store, HOSTILE_ROOT) if kind == "lineage"
                else expected_whole_nodes(store))
    # Without the CSP the text-only insertion alone must hold; with it, not even a blocked
    # attempt (which Chromium reports as a console error) may happen.
    for bypass_csp in (True, False):
        view = load(browser, page_file, bypass_csp=bypass_csp)
        assert exercise_everything(view, hover_all=bypass_csp) > 0, "no hostile tooltip shown"
        assert_nothing_ran(view, len(expected))
        assert view.errors == [], view.errors
        view.js(f"lineageView.showNode({view.node_id(HOSTILE_ROOT)})")
        details = view.page.inner_text("#details")
        assert "<img src=x onerror=window.__pwned=1>" in details  # shown, as text
        assert "</script><script>window.__pwned=2</script>" in details
        if not bypass_csp:
            screenshot(view, f"hostile-{kind}.png")
        view.page.context.close()


# -- the timeline ----------------------------------------------------------------------------

BOXES = """() => lineageView.nodeIds().map(id => lineageView.network.getBoundingBox(id))"""
YEAR_LABELS = """() => Array.from(document.querySelectorAll('.axis-year')).map(e => {
  const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top,
  bottom: r.bottom, text: e.textContent}; })"""


def overlapping(boxes: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs of boxes (left/right/top/bottom) that share some area."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (a["left"] < b["right"] and b["left"] < a["right"]
                    and a["top"] < b["bottom"] and b["top"] < a["bottom"]):
                found.append((a, b))
    return found


def check_timeline(view: Loaded) -> None:
    """No two year labels and no two node labels overlap; undated nodes sit in their band."""
    years = view.js(YEAR_LABELS)
    assert len(years) >= 2 or len(view.data["meta"]["axis"]) < 2
    assert overlapping(years) == []
    boxes = view.js(BOXES)
    assert len(boxes) == len(view.data["nodes"])
    clashes = overlapping(boxes)
    assert clashes == [], f"{len(clashes)} node labels overlap, e.g. {clashes[:2]}"
    band = view.data["meta"]["undatedBand"]
    for n in view.data["nodes"]:
        if n.get("undated"):
            assert n["y"] > band
        elif band is not None:
            assert n["y"] < band


@pytest.mark.parametrize("name, args", [
    ("timeline-all.png", []),
    ("timeline-eda-family.png",
     ["--lineage", "National Integrated Circuit Design Automation Technology Innovation Center"]),
    ("timeline-vacuum-metallurgy-family.png",
     ["--lineage", "National Engineering Research Center of Vacuum Metallurgy"]),
    ("timeline-diff-2020-2023.png", ["--diff", "2020", "2023"]),
])
def test_timeline_labels_never_overlap_and_undated_ones_stand_apart(browser, run, tmp_path,
                                                                    name, args):
    page_file = render(run, tmp_path, "timeline.html", "render", "--layout", "timeline", *args)
    view = load(browser, page_file)
    assert view.errors == [] and view.blocked == []
    screenshot(view, name)
    check_timeline(view)
    undated = sum(1 for n in view.data["nodes"] if n.get("undated"))
    if undated:
        assert view.page.locator(".undated-band-label").is_visible()
        total = view.js("lineageView.visibleNodeCount()")
        view.page.locator("#show-undated").uncheck()
        assert view.js("lineageView.visibleNodeCount()") == total - undated
        assert not view.page.locator(".undated-band-label").is_visible()
