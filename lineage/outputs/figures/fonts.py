"""Fonts for figures: matplotlib's own DejaVu Sans for Latin text, and the first CJK face
installed for Chinese (matplotlib falls back to it glyph by glyph).

Without a CJK face, Chinese would come out as empty boxes in PNG and PDF; the figure is still
made, and the caller is told which package to install.
"""

from __future__ import annotations

import re

LATIN = "DejaVu Sans"  # ships inside matplotlib, so it is always there

#: Common CJK faces of Linux, Windows and macOS, simplified Chinese first.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC",
    "Hiragino Sans GB", "Heiti SC", "SimHei", "DengXian", "Noto Sans CJK TC",
    "Noto Sans CJK JP", "Source Han Sans", "Droid Sans Fallback", "AR PL UMing CN",
    "Noto Serif CJK SC",
)

_CJK = re.compile("[\u2e80-\u2fff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                  "\uff00-\uffef\U00020000-\U0003134f]")


def has_cjk(text: str) -> bool:
    """Whether a text needs a CJK font (Chinese characters, CJK or full-width punctuation)."""
    return bool(_CJK.search(text))


def cjk_family() -> str | None:
    """The first installed face of CJK_FAMILIES, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def missing_warning(fmt: str) -> str:
    """What to tell a user whose figure needs Chinese glyphs that no installed font has."""
    where = ("the SVG keeps the text as text, so a viewer with a CJK font shows it"
             if fmt == "svg" else f"Chinese text in this {fmt.upper()} shows as empty boxes")
    return (f"no CJK font found (looked for {', '.join(CJK_FAMILIES[:6])} and others): {where}. "
            "Install one (Debian/Ubuntu: apt install fonts-noto-cjk; Fedora: "
            "google-noto-sans-cjk-fonts) or use --labels en")


def height_metrics(prop, dpi: float) -> tuple:
    """(ascent, descent, line gap) of a matplotlib font at a dpi, in pixels, exactly as
    matplotlib 3.11's Text._get_layout computes them from the font's OS/2 or hhea table for
    every text it lays out (the figures' renderers give them once per font: raster.FastText,
    pdf.FastPdfText); (None, None, None) for a font without those tables."""
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap_key, ascent_key, descent_key in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
            ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * prop.get_size_in_points() * dpi / 72  # matplotlib's order
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


class DrawFonts:
    """The FT2Fonts of one draw, found once per font (matplotlib searches its font list per
    family on every lookup) and cleared and sized again for each later line. Fonts are told
    apart by their hash, as matplotlib's own font caches tell them apart."""

    def __init__(self, find, dpi: float):
        self._find, self._dpi, self._found, self._heights = find, dpi, {}, {}

    def heights(self, prop) -> tuple:
        """height_metrics of a font at this draw's dpi, read once per font in the draw."""
        key = hash(prop)
        if key not in self._heights:
            self._heights[key] = height_metrics(prop, self._dpi)
        return self._heights[key]

    def __call__(self, prop):
        key = hash(prop)
        font = self._found.get(key)
        if font is None:
            font = self._found[key] = self._find(prop)  # found cleared and sized
        else:
            font.clear()
            font.set_size(prop.get_size_in_points(), self._dpi)
        return font
