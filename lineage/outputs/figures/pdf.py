"""PDF figures written faster than matplotlib 3.11 writes them, with the same fonts (TrueType,
Type 42: publishers' checkers refuse Type 3) and the same page.

Three costs dominate a large PDF figure, and all are cut here:

- Shaping. matplotlib 3.11 lays every line out twice with FreeType and libraqm: once to
  measure it, once to draw it (about 20 us a character). `FastPdfText` lays it out once,
  reads the line's size off that layout (the pen's advance; the glyphs' control boxes,
  loaded once per glyph and size) exactly as FreeType measures it, and draws the same
  layout. A line whose size the layout does not tell exactly (combining marks, format
  characters, right-to-left text: `_measurable`) is measured by FreeType as before.
- Writing. For every glyph matplotlib's PDF backend loads the glyph's outline (which the
  PDF never uses), looks the glyph up in its font tracker afresh and formats each operand
  through its general pdfRepr. `FastPdfText` writes the same operators without those: the
  content stream comes out byte for byte as matplotlib's (tests/test_figure.py compares
  them, and compares the measures line by line).
- Font subsetting. fontTools reads every table of each embedded font in full before it
  subsets it (some 50,000 glyphs' metrics, names and characters in a CJK face: 0.3 s).
  `lean_subsets` has `truetype.subset` copy just the kept glyphs of a static TrueType face
  instead, without the layout and vertical tables a PDF never reads; any other face is
  subset by fontTools, without those tables (UNUSED_TABLES). Outlines, advances, hinting
  and the characters' cmap stay as they were; PDFium (tests/test_figure.py) and MuPDF
  draw the page pixel for pixel as they draw matplotlib's.

All of it is used only with the matplotlib these were written against (3.11); any other
version, or anything unusual (mathtext, links, the 14 core fonts, Type 3), is drawn by
matplotlib.
"""

from __future__ import annotations

import functools
import math
import struct
import threading
from contextlib import contextmanager

from . import fonts, truetype

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
        self._layouts: dict[tuple, list] = {}  # (font, line) -> libraqm's layout
        self._boxes: dict[tuple, tuple] = {}  # (face, size, glyph) -> (control box, advance)

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
        """As RendererPdf measures a line (the pen's advance, FreeType's ink box in height,
        in points), from the layout draw_text then draws: each line is shaped once, not
        twice. A line `_measurable` does not vouch for is measured by FreeType itself."""
        if ismath or not self._plain():
            return self._base.get_text_width_height_descent(s, prop, ismath)
        from matplotlib.ft2font import LoadFlags

        items = self._laid_out(prop, s) if _measurable(s) else None
        if not items:
            font = self._font(prop)
            font.set_text(s, 0.0, flags=LoadFlags.NO_HINTING)
            width, height = font.get_width_height()
            return width / 64, height / 64, font.get_descent() / 64
        width, height, descent = self._measure(items, prop)
        return width / 64, height / 64, descent / 64

    def _laid_out(self, prop, s) -> list:
        """libraqm's layout of a line (no font features, no language), made once per draw."""
        from matplotlib.ft2font import LoadFlags

        key = (hash(prop), s)
        items = self._layouts.get(key)
        if items is None:
            items = self._layouts[key] = self._font(prop)._layout(s, LoadFlags.NO_HINTING)
        return items

    def _measure(self, items, prop) -> tuple:
        """(advance, height, descent) in 26.6 units, as FT2Font.set_text finds them: the pen
        after the last glyph, and the union of every glyph's control box (an empty glyph's
        is its pen position) placed where the layout puts it."""
        y_min = y_max = None
        for item in items:
            (_, bottom, _, top), _ = self._box(item, prop)
            pen_y = round(item.y * 64)
            bottom, top = bottom + pen_y, top + pen_y
            y_min = bottom if y_min is None or bottom < y_min else y_min
            y_max = top if y_max is None or top > y_max else y_max
        last = items[-1]
        advance = round(last.x * 64) + self._box(last, prop)[1]
        return advance, y_max - y_min, -y_min

    def _box(self, item, prop) -> tuple:
        """A glyph's unhinted control box and advance at the font's size, in 26.6 units,
        loaded once per draw."""
        key = (item.ft_object, prop.get_size_in_points(), item.glyph_index)
        found = self._boxes.get(key)
        if found is None:
            from matplotlib.ft2font import LoadFlags

            self._font(prop)  # sized (with its fallback faces) as the text is
            glyph = item.ft_object.load_glyph(item.glyph_index, LoadFlags.NO_HINTING)
            found = self._boxes[key] = (glyph.bbox, glyph.horiAdvance)
        return found

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
                                     subset).pdfRepr()
            found = self._glyphs[key] = (subset, code, name)
        return found

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """RendererPdf.draw_text of matplotlib 3.11 for TrueType text: the same operators,
        their operands written as pdfRepr writes them (`_real`, `_shown`)."""
        if ismath or gc.get_url() is not None or not self._plain():
            return self._base.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        from matplotlib.backends.backend_pdf import _fill
        from matplotlib.ft2font import LoadFlags

        pdf, written = self._pdf, []

        def output(*data):  # PdfFile.output, into one write a line (see below)
            written.append(_fill(data))
            written.append(b"\n")

        pdf.check_gc(gc, gc._rgb)
        size = prop.get_size_in_points()
        size_repr = _real(size)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        chunk: list = []  # [kern, code, code, ...] of one font, zero kerns left out

        def flush():
            if chunk:
                output(_fill([b"[", *_shown(chunk, size), b"]"]), b"TJ")
                chunk.clear()

        output(b"q")
        a = math.radians(angle)
        output(*map(_real, (math.cos(a), math.sin(a), -math.sin(a), math.cos(a), x, y)), b"cm")
        output(b"BT")
        previous, start_x = None, 0
        if features is None and language is None:
            laid_out = self._laid_out(prop, s)
        else:
            font = self._font(prop)
            laid_out = font._layout(s, LoadFlags.NO_HINTING, features=features, language=language)
        for item in laid_out:
            subset, code, name = self._glyph(item)
            if (item.ft_object, subset) != previous:
                flush()
                output(name, size_repr, b"Tf")
                output(_real(item.x - start_x), b"0", b"Td")  # RendererPdf._setup_textpos
                previous, start_x = (item.ft_object, subset), item.x
            if item.y:
                flush()
                output(_real(item.y), b"Ts")
            if item.prev_kern:
                chunk.append(item.prev_kern)
            chunk.append(code)
            if item.y:
                flush()
                output(b"0", b"Ts")
        flush()
        output(b"ET")
        output(b"Q")
        pdf.file.write(b"".join(written))  # one write (and one compress call), not 20 a line

    def _get_font_height_metrics(self, prop):
        """A font's ascent, descent and line gap as matplotlib 3.11's Text._get_layout reads
        them from the font's OS/2 or hhea table when the renderer does not give them (at 72
        dpi, the PDF's), read once per font in a draw instead of once per text."""
        if not self._plain():
            return self._base._get_font_height_metrics(prop)
        return self._font.heights(prop)


#: Bidirectional classes of right-to-left text, marks and embedding controls, whose layout
#: can move the pen back or give the last glyph an advance its font does not have.
_UNSURE_BIDI = frozenset(("R", "AL", "AN", "NSM", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI",
                          "RLI", "FSI", "PDI"))


def _measurable(s: str) -> bool:
    """Whether a line's size can be read off its layout exactly as FreeType measures it:
    printable left-to-right text without marks or format characters. Anything else (an
    accent typed as a combining mark, a zero-width space, Arabic) FreeType measures."""
    return (s.isascii() and s.isprintable()) or all(_plain_char(c) for c in s)


@functools.lru_cache(maxsize=4096)
def _plain_char(c: str) -> bool:
    import unicodedata

    return (unicodedata.category(c)[0] not in "MC"
            and unicodedata.bidirectional(c) not in _UNSURE_BIDI)


def _shown(chunk: list, size: float) -> list:
    """A TJ array's items as matplotlib writes them: runs of glyph codes as two-byte PDF
    strings, kerns between them in thousandths of the text size (of kerns in a row, the
    first, as matplotlib's grouping keeps)."""
    shown: list[bytes] = []
    run: list[bytes] = []
    kerned = False
    for item in chunk:
        if type(item) is float:
            if not kerned:
                if run:
                    shown.append(b"(" + b"".join(run) + b")")
                    run = []
                shown.append(_real(-1000 * item / size))
            kerned = True
        else:
            run.append(_code(item))
            kerned = False
    if run:
        shown.append(b"(" + b"".join(run) + b")")
    return shown


@functools.lru_cache(maxsize=None)
def _code(code: int) -> bytes:
    """A glyph code's two bytes as they appear inside a PDF string, escaped (escaping works
    byte by byte, so a run's string is its codes' joined)."""
    return _string(struct.pack(">H", code))[1:-1]


def _real(number) -> bytes:
    """A number as matplotlib's pdfRepr writes a float (an int comes out the same)."""
    if not math.isfinite(number):
        raise ValueError("Can only output finite numbers in PDF")
    return (b"%.10f" % number).rstrip(b"0").rstrip(b".")


#: pdfRepr's escapes in a PDF string: backslash, parentheses, and CR and LF (which some
#: readers take for a line end).
_ESCAPES = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)", "\n": "\\n", "\r": "\\r"})


def _string(data: bytes) -> bytes:
    """Bytes as a PDF string, escaped as pdfRepr escapes them."""
    return b"(" + data.decode("latin-1").translate(_ESCAPES).encode("latin-1") + b")"


@contextmanager
def lean_subsets():
    """While this thread writes a PDF, embed fonts subset by `truetype.subset` (a static
    TrueType face) or by fontTools without the tables of UNUSED_TABLES (any other face);
    matplotlib 3.11 only, any other version subsets as it always does. matplotlib's
    subsetting function is replaced while any thread is inside this block (so figures drawn
    at the same time do not wait for each other), and hands every other thread's fonts
    (another PDF, a PostScript file) to matplotlib's own subsetting."""
    if not supported():
        yield
        return
    _install()
    _here.depth = getattr(_here, "depth", 0) + 1
    try:
        yield
    finally:
        _here.depth -= 1
        _uninstall()


_patch = {"users": 0, "original": None}
_here = threading.local()  # .depth: how many lean_subsets blocks this thread is in


def _install() -> None:
    from matplotlib.backends import _backend_pdf_ps as shared

    with _patch_lock:
        if _patch["users"] == 0:
            original = _patch["original"] = shared.get_glyphs_subset
            shared.get_glyphs_subset = lambda fontfile, glyphs: (
                _subset(shared, fontfile, glyphs) if getattr(_here, "depth", 0)
                else original(fontfile, glyphs))
        _patch["users"] += 1


def _uninstall() -> None:
    from matplotlib.backends import _backend_pdf_ps as shared

    with _patch_lock:
        _patch["users"] -= 1
        if _patch["users"] == 0:
            shared.get_glyphs_subset = _patch["original"]
            _patch["original"] = None


def _subset(shared, fontfile, glyphs):
    """A subset for matplotlib 3.11's PDF writer: truetype.subset's, else fontTools'."""
    from matplotlib.font_manager import get_font

    try:
        made = truetype.subset(fontfile.path, fontfile.face_index, glyphs,
                               get_font(fontfile).get_charmap())
    except truetype.Unsupported:
        return _fonttools_subset(shared, fontfile, glyphs)
    return shared.SubsetResults(_Written(made.data), made.glyph_index_map)._as_cm()


class _Written:
    """A subset font already written, as the PDF writer uses a subset: saved into a file."""

    def __init__(self, data: bytes):
        self.data = data

    def save(self, file, reorderTables=False):  # noqa: N803  (fontTools' name)
        file.write(self.data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _fonttools_subset(shared, fontfile, glyphs):
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
