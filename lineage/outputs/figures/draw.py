"""Draw a figure plan with matplotlib (Agg, SVG and PDF backends: no browser, no network, no
system libraries) into SVG, PNG or PDF bytes.

One full-figure axes in millimetres (y downwards) holds everything: the rows of institutions
(marker in the programme's colour and shape, label under it), the hops between them (colour
by event kind, line by status: pending dashed, settled solid), the time axis, the legend and
a caption with the sources. Every data string is drawn as plain text: no mathtext, no markup.
"""

from __future__ import annotations

import io
import logging
import warnings
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache

from ...errors import UsageError
from ..views import styles
from . import fonts, pdf, raster
from . import layout as layouts
from .model import EN, ZH, FigurePlan, period

MM_PER_PT = 25.4 / 72
DEFAULT_DPI = 300
MAX_PIXELS = (297 / 25.4 * DEFAULT_DPI) * (210 / 25.4 * DEFAULT_DPI)  # A4 at 300 dpi
A4_LONG, A4_SHORT = 297.0, 210.0
MARGIN = 8.0
MIN_WIDTH = 120.0
NAME_PT, DATE_PT, TICK_PT, LEGEND_PT, CAPTION_PT, TITLE_PT = 7.0, 6.0, 7.0, 6.5, 6.0, 9.0
LINE = 1.2  # line spacing
LABEL_WIDTH = 46.0  # a name wraps beyond this many millimetres
MARKER_PT = 2 * layouts.RADIUS / MM_PER_PT
LEGEND_ENTRY = 13.0  # a legend entry's handle and the space after it, beside its text
CAPTION_LINES = 6  # sources beyond these lines are counted, not listed
GREY, INK, GRID = "#555555", "#222222", "#E8E8E8"
HEAD_LENGTH, HEAD_WIDTH = 1.7, 0.65  # an arrowhead, in millimetres (half its width)

#: vis-network node shapes (the views' styles) as matplotlib markers.
MARKERS = {"dot": "o", "star": "*", "square": "s", "triangle": "^", "diamond": "D",
           "hexagon": "h", "triangleDown": "v"}


@dataclass
class Rendered:
    data: bytes
    format: str
    width_mm: float
    height_mm: float
    warnings: list[str]


def matplotlib_or_error():
    """Import matplotlib, or say which extra installs it."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        raise UsageError("figures need matplotlib, which is not installed: "
                         "pip install 'lineage[figures]' (or pip install matplotlib)") from None
    return matplotlib


def png_dpi(width_mm: float, height_mm: float) -> int:
    """The default PNG resolution: 300 dpi, lowered for a figure larger than A4 so the image
    keeps about the pixels of an A4 page at 300 dpi (a poster-sized PNG at 300 dpi takes
    seconds to draw and tens of megabytes)."""
    import math

    inches = (width_mm / 25.4) * (height_mm / 25.4)
    return max(72, min(DEFAULT_DPI, int(math.sqrt(MAX_PIXELS / inches))))


def render(plan: FigurePlan, fmt: str, dpi: int | None = None) -> Rendered:
    """The figure as bytes in `fmt` (svg, png or pdf), with what the user should be told;
    `dpi` (PNG only) defaults to png_dpi."""
    matplotlib = matplotlib_or_error()
    told: list[str] = []
    cjk = fonts.cjk_family()
    if cjk is None and any(fonts.has_cjk(t) for t in _all_text(plan)):
        told.append(fonts.missing_warning(fmt))
    families = [fonts.LATIN] + ([cjk] if cjk else []) + ["sans-serif"]
    rc = {"font.family": families, "svg.fonttype": "none", "pdf.fonttype": 42,
          "svg.hashsalt": "lineage", "text.parse_math": False, "text.usetex": False,
          "text.hinting": "no_hinting",
          "axes.unicode_minus": False}
    with matplotlib.rc_context(rc), warnings.catch_warnings(), _quiet_fonts():
        warnings.simplefilter("ignore")  # missing glyphs: said once, above
        drawing = _Drawing(plan, cjk)
        fig = drawing.draw()
        dpi = dpi or png_dpi(drawing.width, drawing.height)
        if fmt == "png":  # text and encoding made faster: raster.py says how
            data = raster.draw_png(fig, dpi)
        else:
            buffer = io.BytesIO()
            metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
            with pdf.lean_subsets() if fmt == "pdf" else nullcontext():  # pdf.py says why
                fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata[fmt])
            data = buffer.getvalue()
    if drawing.width > A4_LONG + 0.01 or drawing.height > A4_SHORT + 0.01:
        told.append(f"the figure is {drawing.width:.0f} x {drawing.height:.0f} mm, larger than "
                    "an A4 page (297 x 210 mm): narrow it with a name or --focus")
    return Rendered(data, fmt, drawing.width, drawing.height, told)


@cache
def _figure_class():
    """matplotlib's Figure, drawing its text through raster.FastText on the Agg renderer
    (PNG) and pdf.FastPdfText on matplotlib 3.11's PDF renderer; SVG as matplotlib draws it.
    Made on first use: matplotlib is an optional extra."""
    from matplotlib.figure import Figure

    class FastTextFigure(Figure):
        def draw(self, renderer):
            super().draw(_fast_text(renderer))

    return FastTextFigure


def _fast_text(renderer):
    """The renderer a figure draws with, wrapped for faster text where that is known to be
    safe (see raster.py and pdf.py), else itself."""
    from matplotlib.backends.backend_agg import RendererAgg

    if isinstance(renderer, RendererAgg):
        return raster.FastText(renderer) if raster.FastText.usable(renderer) else renderer
    return pdf.FastPdfText.wrap(renderer)


@contextmanager
def _quiet_fonts():
    """Keep matplotlib's font messages (a face without bold, a missing glyph) off stderr:
    the library never prints, and a missing CJK font is reported as a warning instead."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _all_text(plan: FigurePlan) -> list[str]:
    found = [plan.title, *plan.citations(), *plan.notes]
    for node in plan.nodes.values():
        found += node.names(plan.labels)
    if plan.labels != EN:
        found += [t.zh for t in styles.TYPES]
    return found


class _Measure:
    """Text widths in millimetres from each character's advance in the font that draws it
    (DejaVu Sans, else the CJK face): close to matplotlib's own layout (no kerning) and a
    hundred times cheaper than laying the text out, which matters at a few hundred labels."""

    def __init__(self, cjk: str | None):
        from matplotlib.font_manager import FontProperties, findfont, get_font

        def faces(weight: str) -> list:
            found = [get_font(findfont(FontProperties(family=fonts.LATIN, weight=weight)))]
            if cjk:
                found.append(get_font(findfont(FontProperties(family=cjk, weight=weight))))
            return found

        self.faces = {"normal": faces("normal"), "bold": faces("bold")}
        self.advances: dict[tuple[str, str], float] = {}

    def _advance(self, ch: str, weight: str) -> float:
        """A character's advance, in ems."""
        key = (ch, weight)
        if key not in self.advances:
            from matplotlib import ft2font

            no_scale = (ft2font.LoadFlags.NO_SCALE if hasattr(ft2font, "LoadFlags")
                        else ft2font.LOAD_NO_SCALE)  # matplotlib before 3.10
            self.advances[key] = 1.0 if fonts.has_cjk(ch) else 0.6  # no font has it
            for face in self.faces[weight]:
                if face.get_char_index(ord(ch)):
                    glyph = face.load_char(ord(ch), flags=no_scale)
                    self.advances[key] = glyph.horiAdvance / face.units_per_EM
                    break
        return self.advances[key]

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        return sum(self._advance(ch, weight) for ch in text) * size * MM_PER_PT

    def wrap(self, text: str, limit: float, size: float, weight: str = "normal") -> list[str]:
        """Greedy wrapping at spaces, and between any two CJK characters."""
        if self.width(text, size, weight) <= limit:
            return [text]
        lines, line, used = [], "", 0.0  # widths add up: a line is measured as it grows
        for token in _tokens(text):
            if line and used + self.width(token.rstrip(), size, weight) > limit:
                lines.append(line.rstrip())
                line = token.lstrip()
                used = self.width(line, size, weight)
            else:
                line += token
                used += self.width(token, size, weight)
        if line.strip():
            lines.append(line.rstrip())
        return lines or [text]


def _tokens(text: str) -> list[str]:
    """Words with their trailing space; each CJK character on its own."""
    tokens, word = [], ""
    for ch in text:
        if fonts.has_cjk(ch):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
            if ch == " ":
                tokens.append(word)
                word = ""
    if word:
        tokens.append(word)
    return tokens


def _lines_height(lines: int, size: float) -> float:
    return lines * size * LINE * MM_PER_PT


class _Drawing:
    """One figure being drawn: measure, lay out, draw, then size the page to what is there."""

    def __init__(self, plan: FigurePlan, cjk: str | None):
        self.plan, self.cjk = plan, cjk is not None
        self.measure = _Measure(cjk)
        self.width = self.height = 0.0

    # -- labels and layout -------------------------------------------------------------------
    def _labels(self) -> dict[str, tuple[list[str], str]]:
        found = {}
        for iri, node in self.plan.nodes.items():
            weight = "bold" if node.root else "normal"
            names = [line for name in node.names(self.plan.labels)
                     for line in self.measure.wrap(name, LABEL_WIDTH, NAME_PT, weight)]
            found[iri] = (names, node.date_line())
        return found

    def _boxes(self, labels) -> list[layouts.Box]:
        boxes = []
        for iri, node in self.plan.nodes.items():
            names, date = labels[iri]
            weight = "bold" if node.root else "normal"
            width = max([self.measure.width(n, NAME_PT, weight) for n in names]
                        + [self.measure.width(date, DATE_PT)])
            height = _lines_height(len(names), NAME_PT) + _lines_height(1, DATE_PT) + 0.6
            ends = [p[1] for e in node.terminal if (p := period(e.date.lexical if e.date
                                                                   else None))]
            boxes.append(layouts.Box(iri, node.span, width + 0.4, height,
                                     max(ends) if ends else None))
        return boxes

    def _marks(self) -> list[float]:
        """Times the axis must show besides the institutions: as-of and diff dates."""
        dates = [self.plan.as_of] if self.plan.as_of else []
        dates += list(self.plan.diff or ())
        return [p[1] - 1e-6 for d in dates if (p := period(d))]

    # -- the figure ----------------------------------------------------------------------------
    def draw(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        labels = self._labels()
        boxes = self._boxes(labels)
        hops = [(h.source, h.target) for h in self.plan.hops]
        linked = {k for pair in hops for k in pair}
        room = A4_LONG - 2 * MARGIN
        undated_column = any(b.span is None and b.key in linked for b in boxes)
        axis = layouts.axis_for(boxes, self._marks(), MARGIN, room, undated_column)
        placed = layouts.place(boxes, hops, axis, MARGIN, room)
        self.width = round(float(max(placed.width + MARGIN, MIN_WIDTH)), 2)
        fig = _figure_class()(figsize=(self.width / 25.4, 4))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_autoscale_on(False)  # the limits are set once, to the page, at the end
        top = self._title(ax)
        self._plot(ax, placed, labels, top)
        bottom = top + placed.height + 1.5
        bottom = self._legend(fig, ax, bottom)
        bottom = self._caption(ax, bottom + 1.5)
        self.height = round(float(bottom + MARGIN), 2)
        fig.set_size_inches(self.width / 25.4, self.height / 25.4)
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        return fig

    def _text(self, ax, x, y, text, size, **kw):
        kw.setdefault("color", INK)
        kw.setdefault("va", "top")
        kw.setdefault("ha", "left")
        return ax.text(x, y, text, fontsize=size, parse_math=False, linespacing=LINE, **kw)

    def _title(self, ax) -> float:
        title = self.plan.title
        if self.plan.diff:
            title += f": what changed from {self.plan.diff[0]} to {self.plan.diff[1]}"
        elif self.plan.as_of:
            title += f", as of {self.plan.as_of}"
        lines = self.measure.wrap(title, self.width - 2 * MARGIN, TITLE_PT, "bold")
        self._text(ax, MARGIN, MARGIN, "\n".join(lines), TITLE_PT, weight="bold", gid="title")
        return MARGIN + _lines_height(len(lines), TITLE_PT) + 3.0

    def _plot(self, ax, placed: layouts.Layout, labels, top: float) -> None:
        """Everything between the title and the legend. Lines, bars and markers go in one
        collection per kind (a few artists, not one per institution: a 200-institution
        family draws in a fraction of the time)."""
        from matplotlib.collections import LineCollection, PolyCollection

        axis, y0 = placed.axis, top
        axis_y = y0 + placed.axis_y
        self._time_marks(ax, axis, y0, axis_y)
        ax.add_collection(LineCollection([[(x, y0), (x, axis_y)] for _, x in axis.ticks()],
                                         colors=GRID, linewidths=0.4, zorder=0), autolim=False)
        bars, colours = [], []
        for node in self.plan.nodes.values():
            if node.iri in placed.x and node.span is not None:
                lo, hi = (axis.x(t) for t in node.span)
                if hi - lo > 1.2:
                    y = y0 + placed.y[node.iri]
                    bars.append([(lo, y - 0.75), (hi, y - 0.75), (hi, y + 0.75), (lo, y + 0.75)])
                    colours.append(node.style.color)
        ax.add_collection(PolyCollection(bars, facecolors=colours, edgecolors="none", alpha=0.28,
                                         zorder=1, gid="precision"), autolim=False)
        self._links(ax, placed, y0)
        self._hops(ax, placed, y0)
        self._nodes(ax, placed, labels, y0)
        self._axis(ax, axis, axis_y)
        if placed.band_top is not None:
            self._text(ax, MARGIN, y0 + placed.band_top - layouts.BAND_HEADING + 0.5,
                       "Undated, in no lineage event drawn here", LEGEND_PT, color=GREY,
                       style="italic", gid="undated-band")

    def _time_marks(self, ax, axis: layouts.Axis, y0: float, axis_y: float) -> None:
        """The diff's interval shaded, or the as-of date as a line."""
        from matplotlib.patches import Rectangle

        if self.plan.diff:
            since, until = (period(d) for d in self.plan.diff)
            left, right = axis.x(since[1]), axis.x(until[1])
            ax.add_patch(Rectangle((left, y0 - 1.5), max(right - left, 0.4), axis_y - y0 + 1.5,
                                   facecolor="#FFF1C1", edgecolor="none", zorder=0))
            self._text(ax, right - 0.5, y0 - 1.4, f"changes {self.plan.diff[0]} to "
                       f"{self.plan.diff[1]}", DATE_PT, color=GREY, ha="right", va="bottom")
        elif self.plan.as_of:
            x = axis.x(period(self.plan.as_of)[1])
            ax.plot([x, x], [y0 - 1.5, axis_y], color=GREY, lw=0.7, ls=(0, (3, 2)), zorder=1)
            self._text(ax, x, y0 - 1.4, f"as of {self.plan.as_of}", DATE_PT, color=GREY,
                       ha="right", va="bottom")

    def _axis(self, ax, axis: layouts.Axis, y: float) -> None:
        from matplotlib.collections import LineCollection

        lines = [[(run.x, y), (run.x + (run.end - run.first) * axis.scale, y)]
                 for run in axis.runs]
        lines += [[(x + dx - 0.6, y + 1.0), (x + dx + 0.6, y - 1.0)]
                  for x in axis.breaks() for dx in (-0.9, 0.9)]
        lines += [[(x, y), (x, y + 1.2)] for _, x in axis.ticks()]
        ax.add_collection(LineCollection(lines, colors=INK, linewidths=0.6, zorder=2,
                                         capstyle="butt", gid="axis"), autolim=False)
        for year, x in axis.ticks():
            self._text(ax, x, y + 1.8, str(year), TICK_PT, ha="center", gid=f"year-{year}")
        if axis.undated_x is not None:
            self._text(ax, MARGIN, y + 1.8, "undated", TICK_PT, color=GREY,
                       style="italic", gid="undated-column")
            x = (axis.undated_x + axis.start) / 2 + layouts.RADIUS
            ax.plot([x, x], [y - 2, y + 2], color=GREY, lw=0.5, ls=(0, (1, 1)))

    def _hops(self, ax, placed: layouts.Layout, y0: float) -> None:
        """Hop lines (in plan order, one path each) with filled heads; dissolutions as a
        line to a cross at their date."""
        from matplotlib.collections import LineCollection, PolyCollection

        lines, heads, colours, widths, dashes = [], [], [], [], []
        for hop in self.plan.hops:
            a = (placed.x[hop.source], y0 + placed.y[hop.source])
            b = (placed.x[hop.target], y0 + placed.y[hop.target])
            status = styles.status_style(hop.event.status)
            path, head = _arrow(a, b, bend=a[1] == b[1] and b[0] <= a[0] + 1)
            lines.append(path)
            heads.append(head)
            colours.append(status.color or styles.event_style(hop.event.event_type).color)
            widths.append(status.width * 0.45)
            dashes.append(_dashes(status.dashes))
        ends, crosses, end_colours, end_widths, end_dashes = [], [], [], [], []
        for node in self.plan.nodes.values():
            x_end = placed.extra.get(node.iri)
            for event in node.terminal if node.iri in placed.x and x_end is not None else ():
                y = y0 + placed.y[node.iri]
                status = styles.status_style(event.status)
                ends.append([(placed.x[node.iri] + layouts.RADIUS, y), (x_end, y)])
                crosses.append((x_end, y))
                end_colours.append(status.color or styles.event_style(event.event_type).color)
                end_widths.append(status.width * 0.45)
                end_dashes.append(_dashes(status.dashes))
        ax.add_collection(LineCollection(lines, colors=colours, linewidths=widths,
                                         linestyles=dashes or "solid", zorder=3, gid="hops",
                                         capstyle="butt"), autolim=False)
        ax.add_collection(PolyCollection(heads, facecolors=colours, edgecolors="none", zorder=3,
                                         gid="heads"), autolim=False)
        ax.add_collection(LineCollection(ends, colors=end_colours, linewidths=end_widths,
                                         linestyles=end_dashes or "solid", zorder=3,
                                         gid="dissolutions"), autolim=False)
        if crosses:
            ax.scatter([c[0] for c in crosses], [c[1] for c in crosses], marker="X", s=25,
                       c=end_colours, edgecolors="white", linewidths=0.4, zorder=4)

    def _links(self, ax, placed: layouts.Layout, y0: float) -> None:
        from matplotlib.collections import LineCollection

        drawn = [k for k in self.plan.links if k.member in placed.x and k.unit in placed.x]
        ax.add_collection(LineCollection(
            [[(placed.x[k.member], y0 + placed.y[k.member]),
              (placed.x[k.unit], y0 + placed.y[k.unit])] for k in drawn],
            colors=[styles.role_style(k.role).color for k in drawn], linewidths=0.6, alpha=0.75,
            zorder=1, gid="memberships"), autolim=False)

    def _nodes(self, ax, placed: layouts.Layout, labels, y0: float) -> None:
        """Markers (one artist per look), a faint white ground under each label (one
        collection, so lines behind a label fade), and the labels as text."""
        from collections import defaultdict

        from matplotlib.collections import PolyCollection

        looks: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
        grounds = []
        for i, (iri, node) in enumerate(sorted(self.plan.nodes.items())):
            x, y = placed.x[iri], y0 + placed.y[iri]
            looks[self._look(node)].append((x, y))
            names, date = labels[iri]
            top = y + layouts.RADIUS + 0.5
            left = x - layouts.RADIUS
            weight = "bold" if node.root else "normal"
            self._text(ax, left, top, "\n".join(names), NAME_PT, zorder=5, weight=weight,
                       gid=f"label-{i}")
            below = top + _lines_height(len(names), NAME_PT) + 0.3
            self._text(ax, left, below, date, DATE_PT, color=GREY, zorder=5, gid=f"date-{i}")
            width = max([self.measure.width(n, NAME_PT, weight) for n in names]
                        + [self.measure.width(date, DATE_PT)])
            bottom = below + _lines_height(1, DATE_PT)
            grounds.append([(left - 0.3, top - 0.2), (left + width + 0.3, top - 0.2),
                            (left + width + 0.3, bottom), (left - 0.3, bottom)])
        if not self.plan.diff:  # on the diff's shading a white ground would show as a patch
            ax.add_collection(PolyCollection(grounds, facecolors="white", edgecolors="none",
                                             alpha=0.75, zorder=3.5), autolim=False)
        for (marker, size, face, edge, edge_width), points in looks.items():
            ax.plot([p[0] for p in points], [p[1] for p in points], marker=marker, ms=size,
                    ls="none", mfc=face, mec=edge, mew=edge_width, zorder=4)

    def _look(self, node) -> tuple:
        """How a node's marker looks: programme shape and colour; a diff's new ones ringed
        in black, its ended ones hollow."""
        shape = MARKERS.get(node.style.shape, "o")
        size = MARKER_PT * (1.35 if node.style.shape == "star" else 1)
        if node.change == "new":
            return shape, size, node.style.color, INK, 1.3
        if node.change == "ended":
            return shape, size, "white", node.style.color, 1.0
        return shape, size, node.style.color, "#333333", 0.4

    # -- legend and caption ----------------------------------------------------------------------
    def _legend(self, fig, ax, y: float) -> float:
        handles = self._legend_handles()
        if not handles:
            return y
        columns = self._legend_columns([h.get_label() for h in handles])
        legend = fig.legend(handles=handles, loc="upper left", ncols=columns, frameon=False,
                            fontsize=LEGEND_PT, bbox_to_anchor=(MARGIN - 1.5, y),
                            bbox_transform=ax.transData, handlelength=2.6,
                            columnspacing=1.2, labelspacing=0.35, borderaxespad=0.0,
                            borderpad=0.2)
        legend.set_gid("legend")
        for text in legend.get_texts():
            text.set_parse_math(False)
        height = legend.get_window_extent(fig.canvas.get_renderer()).height / fig.dpi * 25.4
        return y + height

    def _legend_columns(self, labels: list[str]) -> int:
        """The most columns (filled top to bottom, as matplotlib does) that fit the width."""
        room = self.width - 2 * MARGIN
        widths = [self.measure.width(label, LEGEND_PT) + LEGEND_ENTRY for label in labels]
        for columns in range(len(widths), 1, -1):
            rows, large = divmod(len(widths), columns)  # matplotlib: `large` columns get one more
            sizes = [rows + 1] * large + [rows] * (columns - large)
            starts = [sum(sizes[:i]) for i in range(columns)]
            if sum(max(widths[a:a + n]) for a, n in zip(starts, sizes) if n) <= room:
                return columns
        return 1

    def _bilingual(self, style) -> str:
        """A type's or relation's legend name in the figure's label language."""
        if self.plan.labels == EN or not self.cjk or not style.zh:
            return style.en
        return style.zh if self.plan.labels == ZH else f"{style.en} {style.zh}"

    def _legend_handles(self) -> list:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        nodes = self.plan.nodes.values()
        handles = []
        shown = {n.style.key for n in nodes}
        for style in styles.TYPES:
            if style.key in shown:
                handles.append(Line2D([], [], marker=MARKERS.get(style.shape, "o"), ls="none",
                                      ms=MARKER_PT * 1.1, mfc=style.color, mec="#333333",
                                      mew=0.4, label=self._bilingual(style)))
        events = [h.event for h in self.plan.hops] + [e for n in nodes for e in n.terminal]
        kinds = {styles.event_style(e.event_type).key for e in events}
        for relation in styles.RELATIONS:
            if relation.key in kinds:
                handles.append(Line2D([], [], color=relation.color, lw=1.2,
                                      label=self._bilingual(relation)))
        statuses = {styles.status_style(e.status).key for e in events}
        for status in styles.STATUSES:
            if status.key in statuses:
                handles.append(Line2D([], [], color=status.color or GREY, lw=status.width * 0.45,
                                      ls=_dashes(status.dashes), label=status.label))
        roles = {styles.role_style(k.role).key for k in self.plan.links}
        for role in (*styles.RELATIONS, styles.OTHER_ROLE):
            if role.kind == "membership" and role.key in roles:
                handles.append(Line2D([], [], color=role.color, lw=0.6,
                                      label=f"{self._bilingual(role)} (membership)"))
        if any(n.span and n.start.date.precision in ("year", "month") for n in nodes):
            handles.append(Patch(facecolor=GREY, alpha=0.28,
                                 label="bar: the year or month a date is known to"))
        if any(n.terminal for n in nodes):
            handles.append(Line2D([], [], marker="X", ls="none", ms=5, color=INK,
                                  label="dissolved"))
        if any(n.change == "new" for n in nodes):
            handles.append(Line2D([], [], marker="o", ls="none", ms=MARKER_PT, mfc=GREY,
                                  mec=INK, mew=1.3, label="new in the interval"))
        if any(n.change == "ended" for n in nodes):
            handles.append(Line2D([], [], marker="o", ls="none", ms=MARKER_PT, mfc="white",
                                  mec=GREY, mew=1.0, label="ended in the interval"))
        return handles

    def _caption(self, ax, y: float) -> float:
        width = self.width - 2 * MARGIN
        cited = self.plan.citations()
        text = "Sources: " + ("; ".join(cited) if cited else "none recorded") + "."
        lines = self.measure.wrap(text, width, CAPTION_PT)
        if len(lines) > CAPTION_LINES:
            lines = self._shortened(cited, width)
        notes = list(self.plan.notes)
        if any(n.translated for n in self.plan.nodes.values()) and self.plan.labels != ZH:
            notes.append("* English name translated by the lineage project.")
        for note in notes:
            lines += self.measure.wrap(note, width, CAPTION_PT)
        self._text(ax, MARGIN, y, "\n".join(lines), CAPTION_PT, color="#333333", gid="caption")
        return y + _lines_height(len(lines), CAPTION_PT)

    def _shortened(self, cited: list[str], width: float) -> list[str]:
        """As many citations as fit in CAPTION_LINES, and how many more there are."""
        shown = len(cited)
        while shown > 1:
            shown -= 1
            text = (f"Sources: {'; '.join(cited[:shown])}; and {len(cited) - shown} more "
                    "(lineage show lists each institution's sources).")
            lines = self.measure.wrap(text, width, CAPTION_PT)
            if len(lines) <= CAPTION_LINES:
                return lines
        return self.measure.wrap(f"Sources: {len(cited)} (lineage show lists them).", width,
                                 CAPTION_PT)


def _arrow(a: tuple[float, float], b: tuple[float, float], bend: bool = False):
    """A hop from marker a to marker b in millimetres: the line (a polyline, bowed when it
    would run back along its own row) and its head, both stopping short of the markers."""
    import math

    if bend:  # a quadratic curve bowing upwards, sampled
        mid = ((a[0] + b[0]) / 2, min(a[1], b[1]) - max(4.0, abs(b[0] - a[0]) * 0.3))
        points = [((1 - t) ** 2 * a[0] + 2 * (1 - t) * t * mid[0] + t ** 2 * b[0],
                   (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * mid[1] + t ** 2 * b[1])
                  for t in (i / 16 for i in range(17))]
    else:
        points = [a, b]
    gap = layouts.RADIUS + 0.4

    def towards(p, q, d):
        length = math.dist(p, q) or 1.0
        return (p[0] + (q[0] - p[0]) * d / length, p[1] + (q[1] - p[1]) * d / length)

    start, tip = towards(points[0], points[1], gap), towards(points[-1], points[-2], gap)
    base = towards(tip, points[-2], HEAD_LENGTH)
    dx, dy = tip[0] - base[0], tip[1] - base[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * HEAD_WIDTH, dx / length * HEAD_WIDTH
    head = [tip, (base[0] + nx, base[1] + ny), (base[0] - nx, base[1] - ny)]
    return [start, *points[1:-1], base], head


def _dashes(dashes) -> str | tuple:
    """A vis-network dash pattern (pixels) as a matplotlib line style (points)."""
    if not dashes:
        return "solid"
    return (0, tuple(d / 2.5 for d in dashes))
