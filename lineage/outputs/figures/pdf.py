"""PDF figures written faster than matplotlib 3.11 writes them, with the same fonts (TrueType,
Type 42: publishers' checkers refuse Type 3) and the same page.

Two costs dominate a large PDF figure, and both are cut here:

- Text. For every glyph matplotlib 3.11's PDF backend loads the glyph's outline (which the
  PDF never uses) and looks the glyph up in its font tracker afresh. `FastPdfText` writes
  the same operators from the same libraqm layout without either: the content stream comes
  out byte for byte as matplotlib's (tests/test_figure.py compares them). It also finds each
  font once per draw instead of once per line measured.
- Font subsetting. fontTools reads each embedded font's OpenType layout tables (GSUB, GPOS,
  GDEF, kern) in full and closes the glyph set over them, and reads the vertical metrics of
  every glyph (some 50,000 in a CJK face). A PDF never shapes text (every glyph is placed by
  the content stream), nor sets it vertically here, so `lean_subsets` embeds subsets without
  those tables. The outlines, horizontal metrics, hinting, glyph names and cmap stay as they
  were.

Both are used only with the matplotlib these were written against (3.11); any other version,
or anything unusual (mathtext, links, the 14 core fonts, Type 3), is drawn by matplotlib.
"""

from __future__ import annotations

import itertools
import math
import struct
import threading
from contextlib import contextmanager

from . import fonts

#: The matplotlib series whose PDF text drawing FastPdfText reproduces.
SERIES = "3.11."
#: Tables a PDF viewer never reads from an embedded TrueType font written horizontally
#: (Identity-H): OpenType layout, and vertical metrics (the CJK faces' vmtx has a row per
#: glyph of the whole font, some 50,000, read in full before subsetting).
UNUSED_TABLES = ["GSUB", "GPOS", "GDEF", "kern", "BASE", "JSTF", "MATH", "vhea", "vmtx", "VORG"]

_patch_lock = threading.Lock()


def supported() -> bool:
    """Whether this matplotlib is the one FastPdfText and lean_subsets reproduce."""
    import matplotlib

    return matplotlib.__version__.startswith(SERIES)


class FastPdfText:
    """A PDF renderer (matplotlib's MixedModeRenderer around RendererPdf) for one draw of a
    figure, with matplotlib 3.11's draw_text and text measuring minus their per-glyph and
    per-line overheads. Everything else goes to the wrapped renderer unchanged."""

    def __init__(self, base):
        self._base = base
        self._pdf = base._renderer  # the RendererPdf (nothing here is rasterised)
        self._font = fonts.DrawFonts(self._pdf._get_font_ttf, 72)  # as RendererPdf finds them
        self._glyphs: dict[tuple, tuple] = {}  # (font, chars, glyph) -> (subset, code, name)
        self._heights: dict[int, tuple] = {}

    def __getattr__(self, name):
        return getattr(self._base, name)

    @staticmethod
    def wrap(renderer):
        """The renderer wrapped when it is matplotlib 3.11's PDF renderer, else itself."""
        from matplotlib.backends.backend_mixed import MixedModeRenderer
        from matplotlib.backends.backend_pdf import RendererPdf

        if (supported() and isinstance(renderer, MixedModeRenderer)
                and isinstance(getattr(renderer, "_renderer", None), RendererPdf)):
            return FastPdfText(renderer)
        return renderer

    def _plain(self) -> bool:
        """Whether text goes the TrueType way this class reproduces."""
        import matplotlib as mpl

        return (not mpl.rcParams["pdf.use14corefonts"] and mpl.rcParams["pdf.fonttype"] == 42
                and self._base._renderer is self._pdf)

    def get_text_width_height_descent(self, s, prop, ismath):
        """As RendererPdf measures a line (FreeType's ink box, in points)."""
        if ismath or not self._plain():
            return self._base.get_text_width_height_descent(s, prop, ismath)
        from matplotlib.ft2font import LoadFlags

        font = self._font(prop)
        font.set_text(s, 0.0, flags=LoadFlags.NO_HINTING)
        width, height = font.get_width_height()
        return width / 64, height / 64, font.get_descent() / 64

    def _glyph(self, item) -> tuple:
        """The tracked (subset, code in the subset, PDF font name) of a laid-out glyph: the
        font tracker and the font's name asked once per glyph of the figure, not per use."""
        key = (item.ft_object, item.char, item.glyph_index)
        found = self._glyphs.get(key)
        if found is None:
            from matplotlib.font_manager import FontPath

            pdf_file = self._pdf.file
            subset, code = pdf_file._character_tracker.track_glyph(
                item.ft_object, item.char, item.glyph_index)
            name = pdf_file.fontName(FontPath(item.ft_object.fname, item.ft_object.face_index),
                                     subset)
            found = self._glyphs[key] = (subset, code, name)
        return found

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """RendererPdf.draw_text of matplotlib 3.11 for TrueType text: the same operators."""
        if ismath or gc.get_url() is not None or not self._plain():
            return self._base.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        from matplotlib.backends.backend_pdf import Op, _fill, pdfRepr
        from matplotlib.ft2font import LoadFlags

        pdf, written = self._pdf, []

        def output(*data):  # PdfFile.output, into one write a line (see below)
            written.append(_fill([pdfRepr(x) for x in data]))
            written.append(b"\n")

        pdf.check_gc(gc, gc._rgb)
        size = prop.get_size_in_points()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        font = self._font(prop)
        chunk: list = []  # [kern, code, code, ...] of one font, zero kerns left out

        def flush():
            if chunk:
                output(_shown(chunk, size), Op.showkern)
                chunk.clear()

        output(Op.gsave)
        a = math.radians(angle)
        output(math.cos(a), math.sin(a), -math.sin(a), math.cos(a), x, y, Op.concat_matrix)
        output(Op.begin_text)
        previous, start_x = None, 0
        for item in font._layout(s, LoadFlags.NO_HINTING, features=features, language=language):
            subset, code, name = self._glyph(item)
            if (item.ft_object, subset) != previous:
                flush()
                output(name, size, Op.selectfont)
                output(item.x - start_x, 0 - 0, Op.textpos)  # RendererPdf._setup_textpos
                previous, start_x = (item.ft_object, subset), item.x
            if item.y:
                flush()
                output(item.y, Op.textrise)
            if item.prev_kern:
                chunk.append(item.prev_kern)
            chunk.append(code)
            if item.y:
                flush()
                output(0, Op.textrise)
        flush()
        output(Op.end_text)
        output(Op.grestore)
        pdf.file.write(b"".join(written))  # one write (and one compress call), not 20 a line

    def _get_font_height_metrics(self, prop):
        """A font's ascent, descent and line gap as matplotlib 3.11's Text._get_layout reads
        them from the font's OS/2 or hhea table when the renderer does not give them (at 72
        dpi, the PDF's), read once per font in a draw instead of once per text."""
        if not self._plain():
            return self._base._get_font_height_metrics(prop)
        key = hash(prop)
        if key not in self._heights:
            self._heights[key] = fonts.height_metrics(prop, 72)
        return self._heights[key]


def _shown(chunk: list, size: float) -> list:
    """A TJ array, as matplotlib builds it: runs of glyph codes as two-byte strings, kerns
    between them in thousandths of the text size."""
    shown = []
    for kind, group in itertools.groupby(chunk, type):
        if kind is float:
            shown.append(-1000 * next(group) / size)
        else:
            codes = list(group)
            shown.append(struct.pack(f">{len(codes)}H", *codes))
    return shown


@contextmanager
def lean_subsets():
    """While a PDF is written, embed fonts subset without the tables of UNUSED_TABLES
    (matplotlib 3.11 only; any other version subsets as it always does). The replacement
    stays in place while any thread is writing a figure's PDF, so figures drawn at the same
    time do not wait for each other; a PDF another thread writes meanwhile gets the same
    lean, valid subsets."""
    if not supported():
        yield
        return
    _install()
    try:
        yield
    finally:
        _uninstall()


_patch = {"users": 0, "original": None}


def _install() -> None:
    from matplotlib.backends import _backend_pdf_ps as shared

    with _patch_lock:
        if _patch["users"] == 0:
            _patch["original"] = shared.get_glyphs_subset
            shared.get_glyphs_subset = lambda fontfile, glyphs: _subset(shared, fontfile, glyphs)
        _patch["users"] += 1


def _uninstall() -> None:
    from matplotlib.backends import _backend_pdf_ps as shared

    with _patch_lock:
        _patch["users"] -= 1
        if _patch["users"] == 0:
            shared.get_glyphs_subset = _patch["original"]
            _patch["original"] = None


def _subset(shared, fontfile, glyphs):
    """matplotlib 3.11's get_glyphs_subset, with UNUSED_TABLES dropped. (Glyph names are
    kept, as matplotlib keeps them: without them fontTools makes names from the cmap, which
    takes longer than reading them.)"""
    from fontTools import subset

    options = subset.Options(glyph_names=True, recommended_glyphs=True)
    options.drop_tables += [
        "FFTM", "PfEd", "BDF", "meta", "MERG", "TSIV", "Zapf", "bdat", "bloc", "cidg", "fdsc",
        "feat", "fmtx", "fond", "just", "kerx", "ltag", "morx", "trak", "xref",  # as matplotlib
        *UNUSED_TABLES]
    options.layout_features = []
    options.font_number = fontfile.face_index
    font = subset.load_font(fontfile, options)
    for tag in UNUSED_TABLES:  # before subsetting: fontTools 4.6x reads the layout tables in
        if tag in font:  # full (to compact them) before it drops anything
            del font[tag]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(gids=glyphs)
    subsetter.subset(font)
    return shared.SubsetResults(font, subsetter.glyph_index_map)._as_cm()
