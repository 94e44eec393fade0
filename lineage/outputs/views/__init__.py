"""Self-contained interactive HTML views of the graph (docs/architecture.md, views): build, render, write.

`build_view` picks what to draw (the whole graph, a neighbourhood, one lineage; as of a date)
and lays it out; `to_network` hands it to a pyvis Network that writes our page;
`render_page` turns it into one offline HTML page (through that Network); `write_view` writes
that page as UTF-8, atomically. `Lineage.render` and `Lineage.to_pyvis` are the facade.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...gcpause import paused_gc
from ...atomic import write_atomic
from ...errors import UsageError
from ...model import InstitutionRef
from ..filenames import shown_stem
from ...store.local import Store
from . import build as _build
from .build import FORCE, LARGE_VIEW, LAYOUTS, TIMELINE, View

__all__ = ["FORCE", "LARGE_VIEW", "LAYOUTS", "TIMELINE", "View", "build_view", "default_filename",
           "render_page", "to_network", "ViewNetwork", "write_view"]


def build_view(store: Store, focus: InstitutionRef | None = None, depth: int = 1,
               lineage: InstitutionRef | None = None, as_of: str | None = None,
               layout: str = FORCE, diff_from: str | None = None) -> View:
    """The nodes, edges, legend and layout of a view.

    The whole graph by default; with `focus`, institutions within `depth` hops of it through
    lineage events and memberships; with `lineage`, its predecessors and successors (both
    directions) through events. `as_of` (a checked YYYY[-MM[-DD]]) drops later events and
    memberships and institutions not yet established, as `trace` does. With `diff_from`
    as well, the view is the record as of `as_of`, each institution and event marked new,
    ended or unchanged since `diff_from` (as `lineage diff` reads them).
    """
    if diff_from is not None and as_of is None:
        raise UsageError("a diff view needs both dates")
    if diff_from is not None:
        from ...analysis.diff import check_order

        check_order(diff_from, as_of)
    if layout not in LAYOUTS:
        raise UsageError(f"layout {layout!r} is not one of: {', '.join(LAYOUTS)}")
    if focus is not None and lineage is not None:
        raise UsageError("give either a focus or a lineage, not both")
    if depth < 0:
        raise UsageError(f"depth must be 0 or more, not {depth}")
    with paused_gc():
        return _select_and_build(store, focus, depth, lineage, as_of, layout, diff_from)


def _select_and_build(store: Store, focus: InstitutionRef | None, depth: int,
                      lineage: InstitutionRef | None, as_of: str | None, layout: str,
                      diff_from: str | None = None) -> View:
    selection = _build.select(store, lineage, focus, depth, as_of, _build.whole)
    return _build.build(store, selection, layout, as_of, diff_from)


def __getattr__(name: str):
    """ViewNetwork, imported with the page module (pyvis, jinja2) at first use: a figure or
    an export needs views.build, not the page."""
    if name == "ViewNetwork":
        from .page import ViewNetwork

        return ViewNetwork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_network(view: View) -> "ViewNetwork":
    """The view as a pyvis Network (nodes and edges assigned in bulk, our template set)."""
    from .page import view_network

    return view_network(view.data(), f"lineage: {view.meta['title']}")


def render_page(view: View) -> str:
    """The complete HTML page for a view: offline, CSP-locked, every data string as text,
    written by pyvis's generate_html from our template."""
    with paused_gc():
        return to_network(view).generate_html()


def write_view(path: str | os.PathLike, html: str) -> Path:
    """Write a page as UTF-8 (never the locale's encoding), atomically: a failure leaves any
    previous file as it was. Raises InputError when the path cannot be written."""
    target = Path(path)
    return write_atomic(target, html.encode("utf-8"))


def default_filename(focus: InstitutionRef | None = None, lineage: InstitutionRef | None = None,
                     as_of: str | None = None, layout: str = FORCE,
                     diff_from: str | None = None) -> str:
    """A file name that says what the view shows, e.g. lineage-<slug>.html or lineage-view.html."""
    stem = shown_stem(lineage, focus, "lineage-view", as_of=as_of, diff_from=diff_from)
    if layout == TIMELINE:
        stem += "-timeline"
    return stem + ".html"
