"""PNG figures drawn faster than `savefig` draws them, and the same to a reader.

Two costs dominate a large PNG figure with matplotlib 3.11, and both are avoided here:

- Text. Matplotlib 3.11's Agg backend lays every line out with libraqm and then rasterises
  its glyphs one at a time in a Python loop (a 200-institution family has some 17,600 glyphs:
  about 2.5 s). `FastText` draws each line with FreeType in one call instead, as matplotlib
  itself did up to 3.10 (`FT2Font.set_text` and `draw_glyphs_to_bitmap`: the same layout,
  kerning and font fallback; the line placed to the whole pixel, so it may sit up to half a
  pixel from where 3.11 puts it), and keeps the bitmap it
  made while the line was measured, so a line is laid out once, not twice.
- Encoding. Pillow tries all five PNG filters on every row of an RGBA image (about 0.75 s
  for A4 at 300 dpi). `png_bytes` writes the opaque page as RGB with the "up" filter, which
  suits a figure of horizontal rows and lines, at zlib level 1: about a third of the time,
  and a smaller file.

Anything `FastText` does not handle (mathtext, TeX, non-antialiased text, font features or
languages, a matplotlib without these calls) goes to matplotlib's own drawing.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass

from . import fonts

SOFTWARE = "lineage, with Matplotlib {version}"


@dataclass
class _Line:
    """One line of text as FreeType laid it out and rasterised it (sizes in pixels)."""

    width: float
    height: float
    descent: float
    image: object  # 2-D uint8 coverage
    offset: tuple[float, float]


class FastText:
    """A RendererAgg for one draw of a figure, except that lines of text are rasterised
    whole and measured and drawn from one layout. Everything else goes to the wrapped
    renderer unchanged, so paths, markers and collections draw exactly as they would."""

    def __init__(self, base):
        self._base = base
        self._lines: dict[tuple, _Line] = {}
        self._font = fonts.DrawFonts(base._prepare_font, base.dpi)

    def __getattr__(self, name):
        return getattr(self._base, name)

    @staticmethod
    def usable(renderer) -> bool:
        """Whether this matplotlib has the calls FastText draws with."""
        from matplotlib import ft2font

        font = getattr(ft2font, "FT2Font", None)
        return (font is not None and hasattr(renderer, "_prepare_font")
                and hasattr(getattr(renderer, "_renderer", None), "draw_text_image")
                and all(hasattr(font, name) for name in (
                    "set_text", "draw_glyphs_to_bitmap", "get_image", "get_bitmap_offset",
                    "get_width_height", "get_descent")))

    def _line(self, s: str, prop, antialiased: bool) -> _Line:
        """Lay out (and rasterise) a line once per draw, for both measuring and drawing."""
        key = (s, hash(prop), prop.get_size_in_points(), antialiased)
        found = self._lines.get(key)
        if found is None:
            from matplotlib.backends.backend_agg import get_hinting_flag

            font = self._font(prop)
            font.set_text(s, 0.0, flags=get_hinting_flag())
            width, height = font.get_width_height()
            font.draw_glyphs_to_bitmap(antialiased=antialiased)
            x_off, y_off = font.get_bitmap_offset()
            import numpy as np

            found = _Line(width / 64, height / 64, font.get_descent() / 64,
                          np.array(font.get_image(), dtype=np.uint8), (x_off / 64, y_off / 64))
            self._lines[key] = found
        return found

    def _get_font_height_metrics(self, prop):
        """A font's ascent, descent and line gap as matplotlib 3.11's Text._get_layout would
        read them for each text, read once per font in a draw (earlier versions never ask)."""
        return self._font.heights(prop)

    def get_text_width_height_descent(self, s, prop, ismath):
        """As RendererAgg measures a line (FreeType's ink box, in pixels), from the layout
        that will also draw it."""
        if ismath:
            return self._base.get_text_width_height_descent(s, prop, ismath)
        import matplotlib as mpl

        line = self._line(s, prop, bool(mpl.rcParams["text.antialiased"]))
        return line.width, line.height, line.descent

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """One line of text as one bitmap, placed as matplotlib 3.10's Agg placed it."""
        if ismath or _shaped(mtext):
            return self._base.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        line = self._line(s, prop, bool(gc.get_antialiased()))
        x_off, y_off = line.offset
        x_d = line.descent * math.sin(math.radians(angle))
        y_d = line.descent * math.cos(math.radians(angle))
        left = round(x + x_off + x_d)
        bottom = round(y + y_off + y_d)
        self._base._renderer.draw_text_image(line.image, left, bottom + 1, angle, gc)


def _shaped(mtext) -> bool:
    """Whether a text asks for OpenType features or a language (matplotlib 3.11), which
    only matplotlib's own layout applies."""
    if mtext is None:
        return False
    features = getattr(mtext, "get_fontfeatures", lambda: None)()
    language = getattr(mtext, "get_language", lambda: None)()
    return bool(features) or bool(language)


def draw_png(fig, dpi: float) -> bytes:
    """The figure drawn at `dpi` as PNG bytes (png_bytes), without matplotlib's PNG writer."""
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    renderer = canvas.get_renderer()
    renderer.clear()
    fig.draw(renderer)  # a figure of draw.py wraps the renderer in FastText
    pixels = np.asarray(renderer.buffer_rgba())
    return png_bytes(pixels, dpi, SOFTWARE.format(version=matplotlib.__version__))


def png_bytes(rgba, dpi: float, software: str) -> bytes:
    """A PNG of an RGBA pixel array (rows top down): RGB when every pixel is opaque, rows
    filtered "up" (each minus the one above), zlib level 1; the resolution in pHYs."""
    import numpy as np

    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    height, width, _ = rgba.shape
    opaque = bool((rgba[..., 3] == 255).all())
    pixels = rgba[..., :3] if opaque else rgba
    rows = pixels.reshape(height, -1)
    filtered = np.empty((height, rows.shape[1] + 1), dtype=np.uint8)
    filtered[:, 0] = 2  # the "up" filter on every row (the first row's "above" is zeros)
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8: wraps modulo 256
    per_metre = int(dpi / 0.0254 + 0.5)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return b"".join([
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", header),
        _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        _chunk(b"tEXt", b"Software\x00" + software.encode("latin-1", "replace")),
        _chunk(b"IDAT", zlib.compress(filtered.tobytes(), 1)),
        _chunk(b"IEND", b""),
    ])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
