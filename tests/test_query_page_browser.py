"""The query page of `lineage serve` in headless Chromium, against a real server on 127.0.0.1.

Pick a canned query, run it, click an institution and land on its view; reopen a shared link
and find the same query; see a syntax error's caret; hostile labels stay text. Every request
the page makes must go to the server itself. Debian's `chromium` driven by playwright-python
(skips without them, fails under CI, as in test_views_browser.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pytest
from conftest import _free_port, wait_for_endpoint

from test_views import HOSTILE, PAYLOAD_MARK
from test_views_browser import ARTIFACTS, browser, until  # noqa: F401 - browser is a fixture

WHEAT = "National Wheat Engineering Technology Research Center"
WHEAT_ZH = "国家小麦工程技术研究中心"
INNOVATION = "National Wheat Technology Innovation Center"


@pytest.fixture(scope="module")
def served(bundled):
    """`lineage serve` over the bundled graph plus the hostile-labels fixture, as a user runs
    it, on a free port. A separate process: query workers forked from the test process would
    inherit its pipes to the browser driver and keep the driver from seeing them close."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", "from lineage.cli import main; main()",
                                "--data", str(HOSTILE), "serve", "--port", str(port),
                                "--timeout", "20"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_endpoint(base + "/sparql", process, "lineage serve")
    except RuntimeError as exc:
        process.kill()
        pytest.fail(str(exc))
    yield base, bundled
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)


def rows_from_server(base: str, **fields) -> int:
    """How many rows the server's own JSON answer for the page holds (the page must show them)."""
    body = urllib.parse.urlencode({**fields, "format": "page"}).encode()
    with urllib.request.urlopen(base + "/run", body, timeout=60) as response:
        return len(json.load(response)["rows"])


@dataclass
class Tab:
    """An open page, with every request that left for another origin and every page error."""

    page: object
    base: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        self.page.click("#run")
        until(lambda: self.page.locator("#run").is_enabled()
              and self.page.locator("#answer > *").count() > 0, 30, "an answer")

    def editor(self) -> str:
        return self.page.input_value("#query")

    def assert_clean(self) -> None:
        assert self.foreign == [], f"the page reached beyond its server: {self.foreign}"
        assert self.errors == [], self.errors
        assert self.page.evaluate(f"window.{PAYLOAD_MARK}") is None


def open_tab(browser, base: str, path: str = "/") -> Tab:  # noqa: F811 - the fixture
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    tab = Tab(page, base)

    def route(route):
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            tab.foreign.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    # a 400 answer is logged as a failed resource: expected for a bad query, not a page error
    page.on("console", lambda m: tab.errors.append(m.text)
            if m.type == "error" and "status of 400" not in m.text else None)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    page.goto(base + path)
    page.wait_for_selector("#canned-list button")
    return tab


def test_pick_a_canned_query_run_it_and_open_an_institution(browser, served):  # noqa: F811
    base, lineage = served
    tab = open_tab(browser, base)
    tab.page.click("button.canned[data-name='lineage-of']")
    assert tab.editor() == lineage.canned_query("lineage-of").text
    assert tab.page.input_value("input[name='p.institution']") == WHEAT
    assert tab.page.get_attribute("button[data-name='lineage-of']", "aria-pressed") == "true"
    tab.run()
    rows = tab.page.locator("table.results tbody tr")
    assert rows.count() == rows_from_server(base, canned="lineage-of", **{"p.institution": WHEAT}) > 0
    # institutions read as labels (English, with the Chinese below), not IRIs; list cells
    # (originals, results, sources) as `lineage query` prints them
    results = tab.page.locator("table.results a.institution", has_text=WHEAT)
    assert results.count() > 0
    assert WHEAT_ZH in tab.page.inner_text("table.results")
    assert f"{INNOVATION} (国家小麦技术创新中心)" in tab.page.inner_text("table.results")
    assert "https://w3id.org" not in tab.page.inner_text("table.results")
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "query-page.png"))
    with tab.page.expect_navigation():
        results.first.click()
    target = lineage.resolve(WHEAT).iri
    assert tab.page.url == base + "/view?focus=" + urllib.parse.quote(target, safe="")
    tab.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
    assert WHEAT in tab.page.inner_text("#view-title")
    tab.assert_clean()


def test_a_parameter_changes_the_answer(browser, served):  # noqa: F811
    base, _ = served
    tab = open_tab(browser, base)
    tab.page.click("button.canned[data-name='by-supporting-unit']")
    tab.page.fill("input[name='p.unit']", "Nanchang University")
    tab.run()
    expected = rows_from_server(base, canned="by-supporting-unit", **{"p.unit": "Nanchang University"})
    everyone = rows_from_server(base, canned="by-supporting-unit", **{"p.unit": ""})
    assert tab.page.locator("table.results tbody tr").count() == expected > 0
    assert everyone > expected
    assert "Nanchang University" in tab.page.inner_text("table.results")
    tab.assert_clean()


def test_a_shared_link_reopens_the_same_query(browser, served):  # noqa: F811
    base, _ = served
    tab = open_tab(browser, base)
    tab.page.click("button.canned[data-name='sources-of']")
    tab.page.fill("input[name='p.institution']", "国家小麦技术创新中心")
    tab.page.click("#query")
    tab.page.keyboard.press("Control+End")
    tab.page.keyboard.type("\n# my note: 小麦")
    tab.page.click("#share")
    link = tab.page.url
    assert "#" in link and "sources-of" in link
    written = tab.editor()
    assert written.endswith("# my note: 小麦")

    other = open_tab(browser, base, link[len(base):])
    assert other.editor() == written
    assert other.page.input_value("input[name='p.institution']") == "国家小麦技术创新中心"
    assert other.page.get_attribute("button[data-name='sources-of']", "aria-pressed") == "true"
    assert other.page.locator("#answer > *").count() == 0, "a shared link must not run by itself"
    other.run()
    expected = rows_from_server(base, canned="sources-of", query=written,
                                **{"p.institution": "国家小麦技术创新中心"})
    assert other.page.locator("table.results tbody tr").count() == expected > 0
    tab.assert_clean()
    other.assert_clean()


def test_a_syntax_error_shows_line_column_and_caret(browser, served):  # noqa: F811
    base, _ = served
    tab = open_tab(browser, base)
    query = "SELECT ?s WHERE {\n  ?s a lin:University\n  FILTER(?s = \n}"
    tab.page.fill("#query", query)
    tab.run()
    error = tab.page.locator("#answer .error")
    assert error.count() == 1
    where = tab.page.inner_text(".error-where")
    line, column = (int(n) for n in where.replace("at line ", "").split(", column "))
    assert 1 <= line <= 4 and column >= 1
    shown, caret = tab.page.inner_text(".error-caret").split("\n")[:2]
    assert shown == query.split("\n")[line - 1]
    assert caret == " " * (column - 1) + "^"
    # the editor marks the same place, and the caret of the textarea sits there
    marked = tab.page.locator("#highlight .c-error")
    assert marked.count() == 1
    offset = sum(len(row) + 1 for row in query.split("\n")[:line - 1]) + column - 1
    assert tab.page.evaluate("document.getElementById('query').selectionStart") == offset
    # editing clears the mark
    tab.page.type("#query", " ")
    assert tab.page.locator("#highlight .c-error").count() == 0
    tab.assert_clean()


def test_the_editor_highlights_and_numbers_lines(browser, served):  # noqa: F811
    base, _ = served
    tab = open_tab(browser, base)
    tab.page.fill("#query", 'SELECT ?x # note\nWHERE {\n ?x rdfs:label "a" }')
    classes = tab.page.evaluate("""Array.from(document.querySelectorAll('#highlight span'))
        .map(s => s.className + '=' + s.textContent)""")
    assert {"c-keyword=SELECT", "c-var=?x", "c-comment=# note", "c-keyword=WHERE",
            "c-pname=rdfs:label", 'c-string="a"'} <= set(classes)
    assert tab.page.inner_text("#gutter").split() == ["1", "2", "3"]
    # the painted copy shows exactly the text of the editor underneath
    assert tab.page.evaluate("document.getElementById('highlight').textContent") == \
        tab.editor() + "\n"
    assert "PREFIX lin: <https://w3id.org/lineage/ontology#>" in \
        tab.page.text_content("#prefix-list")
    tab.assert_clean()


def test_hostile_labels_are_shown_as_text(browser, served):  # noqa: F811
    base, _ = served
    tab = open_tab(browser, base)
    tab.page.fill("#query", "SELECT ?i ?l WHERE { ?i rdfs:label ?l "
                            'FILTER(CONTAINS(STR(?l), "__pwned")) } ORDER BY ?i ?l')
    tab.run()
    table = tab.page.inner_text("table.results")
    assert "<img src=x onerror=window.__pwned=1>" in table
    assert "</script><script>window.__pwned=2</script>" in table
    for link in tab.page.locator("table.results a").all():
        assert link.get_attribute("href").startswith("/view?focus=")
        link.hover()
    assert tab.page.locator("table.results img, table.results svg, table.results script").count() == 0
    tab.assert_clean()
