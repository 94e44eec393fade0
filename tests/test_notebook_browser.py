"""What a notebook shows, in headless Chromium: the HTML tables of hostile data run nothing,
and a rendered view drawn inline through its sandboxed iframe works offline under its own CSP."""

from __future__ import annotations

from pathlib import Path

from test_api_notebook import HOSTILE, hostile_reprs
from test_views_browser import browser, until  # noqa: F401 - the browser fixture

from lineage import Lineage

VIEW_READY = "body[data-ready='1']"


def test_inline_view_and_hostile_tables_in_a_browser(browser, tmp_path):  # noqa: F811
    with Lineage.open(data=[HOSTILE]) as lg:
        tables = hostile_reprs(lg)
        view = lg.render(lineage="https://w3id.org/lineage/id/inst/hostile-img")
        wheat = lg.render(lineage="国家小麦技术创新中心")
    page_file = tmp_path / "notebook.html"
    body = "".join(f"<section id='{name}'>{fragment}</section>" for name, fragment in tables.items())
    page_file.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                         f"{body}{view._repr_html_()}{wheat._repr_html_()}</body></html>",
                         encoding="utf-8")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    blocked, errors = [], []

    def route(request_route):
        if request_route.request.url.startswith(("file://", "about:")):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(Path(page_file).as_uri())
    frames = until(lambda: [f for f in page.frames if f != page.main_frame] if len(page.frames) == 3
                   else None, what="two view frames")
    for frame in frames:
        frame.wait_for_selector(VIEW_READY, state="attached", timeout=60_000)
    counts = sorted(frame.evaluate("lineageView.nodeCount()") for frame in frames)
    assert counts[0] >= 2 and counts[1] >= 2
    for selector in ("td", "span", "a"):
        for element in page.query_selector_all(selector)[:200]:
            element.hover()
    for frame in [page.main_frame, *frames]:
        assert frame.evaluate("typeof window.__pwned") == "undefined"
    assert "onerror=window.__pwned=1" in page.inner_text("#trace")
    assert blocked == [] and errors == [], (blocked, errors)
