"""Figures for papers: a lineage diagram on a time axis, as SVG, PNG or PDF, made without a
browser or the network (matplotlib's own backends; the `figures` extra installs it).

`make_figure` picks what to draw with the views' selection code (one lineage, a
neighbourhood, or every institution in a lineage event; as of a date or as a diff), lays it
out left to right by date at the precision known, and draws it in the views' programme
colours with their legend, pending events dashed, and the sources in a caption.
`Lineage.figure` is the facade over it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ...atomic import write_atomic
from ...errors import InputError, UsageError
from ...model import InstitutionRef
from ..filenames import shown_stem
from ...store.local import Store
from .model import BOTH, EN, LABEL_MODES, ZH, FigurePlan, plan

__all__ = ["BOTH", "EN", "FORMATS", "LABEL_MODES", "ZH", "FigureFile", "FigurePlan",
           "check_output", "default_filename", "format_for", "make_figure", "plan", "write_figure"]

FORMATS = ("svg", "png", "pdf")


@dataclass
class FigureFile:
    """A finished figure: its bytes, format, page size, what it shows, and what the user
    should be told (a missing CJK font, a page larger than A4); `path` once written."""

    data: bytes
    format: str
    width_mm: float
    height_mm: float
    institutions: int
    hops: int
    warnings: list[str]
    path: Path | None = None


def make_figure(store: Store, root: InstitutionRef | None = None,
                focus: InstitutionRef | None = None, depth: int = 1, as_of: str | None = None,
                diff_from: str | None = None, labels: str = EN, fmt: str = "svg",
                dpi: int | None = None) -> FigureFile:
    """Select, lay out and draw; `as_of` is the diff's TO date when `diff_from` is given;
    `dpi` (PNG) defaults to 300, less for a figure larger than A4 (draw.png_dpi)."""
    from .draw import matplotlib_or_error, render

    if labels not in LABEL_MODES:
        raise UsageError(f"labels {labels!r} is not one of: {', '.join(LABEL_MODES)}")
    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r} is not one of: {', '.join(FORMATS)}")
    if dpi is not None and not 50 <= dpi <= 1200:
        raise UsageError("dpi must be between 50 and 1200")
    if root is not None and focus is not None:
        raise UsageError("give either a name (its lineage) or a focus, not both")
    if depth < 0:
        raise UsageError("depth must be 0 or more")
    if diff_from is not None:
        from ...analysis.diff import check_order

        check_order(diff_from, as_of)
    matplotlib_or_error()  # before any work: say at once that the extra is missing
    chosen = plan(store, root, focus, depth, as_of, diff_from, labels)
    if not chosen.nodes:
        when = f" as of {as_of}" if as_of else ""
        raise UsageError(f"nothing to draw: no lineage events in the graph{when}")
    drawn = render(chosen, fmt, dpi)
    return FigureFile(drawn.data, fmt, drawn.width_mm, drawn.height_mm, len(chosen.nodes),
                      len(chosen.hops), drawn.warnings)


def format_for(output: str | os.PathLike | None, fmt: str | None) -> str:
    """The format a figure is written in: --format, else the output's suffix, else svg.
    A suffix that disagrees with --format, or names no figure format, is a usage error."""
    suffix = Path(output).suffix.lower().lstrip(".") if output not in (None, "-") else ""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"format {fmt!r} is not one of: {', '.join(FORMATS)}")
    if suffix and suffix not in FORMATS:
        if fmt is None:
            raise UsageError(f"{output}: cannot tell the format from '.{suffix}'; name the "
                             f"file .svg, .png or .pdf, or give the format")
        return fmt
    if fmt is not None and suffix and suffix != fmt:
        raise UsageError(f"{output} ends in .{suffix} but the format asked for is {fmt}")
    return fmt or suffix or "svg"


def check_output(path: str | os.PathLike) -> Path:
    """Refuse, before any drawing, a path that names a folder or sits in no folder."""
    target = Path(path)
    if target.is_dir():
        raise InputError("is a directory, not a file", file=str(target))
    if not target.parent.is_dir():
        raise InputError("cannot write: its folder does not exist", file=str(target))
    return target


def write_figure(path: str | os.PathLike, data: bytes) -> Path:
    """Write figure bytes atomically: a failure leaves any previous file as it was.
    Raises InputError naming the path when it cannot be written."""
    return write_atomic(check_output(path), data)


def default_filename(root: InstitutionRef | None = None, focus: InstitutionRef | None = None,
                     as_of: str | None = None, diff_from: str | None = None,
                     fmt: str = "svg") -> str:
    """A file name that says what the figure shows: figure-lineage-<slug>.svg,
    figure-neighbourhood-<slug>.png, figure-lineage-events.pdf, with the dates."""
    stem = shown_stem(root, focus, "figure-lineage-events", "figure-", as_of, diff_from, "figure")
    return f"{stem}.{fmt}"
