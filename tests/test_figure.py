"""Figures for papers: what `lineage figure` selects, how it lays it out on the time axis, and
the SVG, PNG and PDF it writes (parsed, opened and measured here, never compared to images)."""

from __future__ import annotations

import io
import random
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lineage.errors import UsageError
from lineage.outputs.figures import fonts, format_for, plan
from lineage.outputs.figures import layout as layouts
from lineage.outputs.views import styles

from conftest import FIXTURES, TURTLE_PREFIXES

pytest.importorskip("matplotlib")

ASIC = "National ASIC System Engineering Technology Research Center"
ASIC_NTIC = "National Integrated Circuit Design Automation Technology Innovation Center"
WHEAT_ZH = "国家小麦工程技术研究中心"
HISTORY = FIXTURES / "views" / "history.ttl"
SVG = "{http://www.w3.org/2000/svg}"
A4_PT = (841.89, 595.28)  # A4 landscape in points
PT_PER_MM = 72 / 25.4


# -- reading what was written --------------------------------------------------------------

def svg_tree(data: bytes) -> ET.Element:
    """The parsed SVG (ElementTree raises on anything that is not well-formed XML)."""
    return ET.fromstring(data)


def group(root: ET.Element, gid: str) -> ET.Element | None:
    return next((g for g in root.iter(f"{SVG}g") if g.get("id") == gid), None)


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def joined(element: ET.Element) -> str:
    """Every text of an element, wrapped lines joined by spaces."""
    return " ".join(" ".join(texts(element)).split())


def year_ticks(root: ET.Element) -> list[tuple[int, float]]:
    """(year, x) of each labelled tick of the time axis, in document order."""
    found = []
    for g in root.iter(f"{SVG}g"):
        gid = g.get("id") or ""
        if re.fullmatch(r"year-\d+", gid):
            text = next(g.iter(f"{SVG}text"))
            found.append((int(text.text), float(text.get("x"))))
    return found


def font_sizes(root: ET.Element) -> list[float]:
    return [float(m.group(1)) for t in root.iter(f"{SVG}text")
            if (m := re.search(r"font-size: ([\d.]+)px", t.get("style", "")))]


def page_points(root: ET.Element) -> tuple[float, float]:
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


def fits_a4(width: float, height: float) -> bool:
    long, short = A4_PT
    return (width <= long + 0.5 and height <= short + 0.5) or (
        width <= short + 0.5 and height <= long + 0.5)


# -- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def history():
    """The ontology and tests/fixtures/views/history.ttl only: a completed merger, a planned
    and a rejected conversion, a dissolution, memberships, an undated unit."""
    from lineage import Lineage

    return Lineage.open(data=[HISTORY], bundled=False)


@pytest.fixture(scope="module")
def asic_svg(tmp_path_factory):
    """`lineage figure ASIC` run as a user runs it: the default file in the current folder."""
    from click.testing import CliRunner

    from lineage.cli import main

    folder = tmp_path_factory.mktemp("asic")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        result = CliRunner().invoke(main, ["figure", ASIC], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = Path(result.stdout.strip())
    assert written.parent == folder.resolve() and written.suffix == ".svg"
    return written.read_bytes()


@pytest.fixture(scope="module")
def whole_svg(bundled):
    return bundled.figure(fmt="svg")


@pytest.fixture(scope="module")
def history_svg(history):
    return history.figure(fmt="svg")


# -- the acceptance: the ASIC lineage as SVG and PNG, the whole lineage part on A4 --------------

def test_the_asic_figure_is_well_formed_svg_with_labels_as_text(asic_svg):
    root = svg_tree(asic_svg)
    everything = joined(root)
    assert ASIC in everything and ASIC_NTIC in everything
    labels = [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("label-")]
    assert len(labels) == 2, "one label per institution"


def test_the_time_axis_ticks_are_years_in_order_left_to_right(asic_svg):
    ticks = year_ticks(svg_tree(asic_svg))
    assert len(ticks) >= 2
    years, xs = [y for y, _ in ticks], [x for _, x in ticks]
    assert years == sorted(years) and len(set(years)) == len(years)
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert years[0] <= 2022 < years[-1], "the conversion of 2022-12-30 lies on the axis"


def test_the_undated_predecessor_stands_in_its_own_column(asic_svg):
    root = svg_tree(asic_svg)
    assert group(root, "undated-column") is not None
    assert "undated" in joined(root), "the ASIC centre has no date of its own: said, not guessed"
    assert "ended 2022-12-30" in joined(root)


def test_the_png_opens_with_the_page_size_at_the_resolution(run, tmp_path):
    from PIL import Image

    target = tmp_path / "asic.png"
    result = run("figure", ASIC, "-o", str(target), "--dpi", "150")
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        width, height = image.size
    assert 100 / 25.4 * 150 <= width <= 297 / 25.4 * 150 + 1
    assert 40 / 25.4 * 150 <= height <= 210 / 25.4 * 150 + 1


def test_png_defaults_to_300_dpi_and_fewer_pixels_past_a4(bundled):
    from PIL import Image

    from lineage.outputs.figures.draw import MAX_PIXELS, png_dpi

    figure = bundled.figure(ASIC, fmt="png")
    with Image.open(io.BytesIO(figure.data)) as image:
        width, height = image.size
    assert width == pytest.approx(figure.width_mm / 25.4 * 300, abs=2)
    assert height == pytest.approx(figure.height_mm / 25.4 * 300, abs=2)
    assert png_dpi(297, 210) == 300 and png_dpi(180, 90) == 300
    poster = png_dpi(296, 870)
    assert poster < 300 and (296 / 25.4 * poster) * (870 / 25.4 * poster) <= MAX_PIXELS


def test_the_whole_lineage_part_fits_one_a4_page_at_readable_size(whole_svg, bundled):
    root = svg_tree(whole_svg.data)
    assert fits_a4(*page_points(root)), page_points(root)
    sizes = font_sizes(root)
    assert sizes and min(sizes) >= 6.0, min(sizes)
    parties = bundled.store.select("""SELECT DISTINCT ?x WHERE {
        ?e a ?t FILTER(?t IN (lin:Conversion, lin:Merger, lin:Split, lin:Renaming,
                              lin:Dissolution))
        { ?e org:originalOrganization ?x } UNION { ?e org:resultingOrganization ?x } }""")
    assert whole_svg.institutions == len(parties) >= 10 and whole_svg.hops >= 5
    everything = joined(root)
    for name in ("Ministry of Science and Technology", ASIC_NTIC,
                 "National Wheat Technology Innovation Center"):
        assert name in everything


def test_the_whole_lineage_pdf_is_one_page_no_larger_than_a4(bundled):
    pdf = bundled.figure(fmt="pdf").data
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox \[ *0 0 ([\d.]+) ([\d.]+) *\]", pdf)
    assert len(boxes) == 1, "one page"
    assert fits_a4(float(boxes[0][0]), float(boxes[0][1]))
    assert re.search(rb"/FontFile2", pdf), "TrueType fonts embedded: the text stays selectable"


# -- drawn faster, looking the same (raster.py and pdf.py) -----------------------------------------

def as_matplotlib_draws(monkeypatch) -> None:
    """From here on, figures are drawn as matplotlib draws them: its own text drawing and
    its own font subsets (what raster.FastText, pdf.FastPdfText and pdf.lean_subsets replace)."""
    from contextlib import nullcontext

    from lineage.outputs.figures import draw, pdf

    monkeypatch.setattr(draw, "_fast_text", lambda renderer: renderer)
    monkeypatch.setattr(pdf, "lean_subsets", nullcontext)


def embedded_fonts(data: bytes) -> list:
    """The TrueType font programs of a PDF (its streams with a /Length1), opened."""
    import zlib

    from fontTools.ttLib import TTFont

    found = []
    for match in re.finditer(rb"\d+ 0 obj\s*<<(.*?)>>\s*stream\r?\n", data, re.S):
        if b"/Length1" in match.group(1):
            length = int(re.search(rb"/Length (\d+)", match.group(1)).group(1))
            stream = data[match.end():match.end() + length]
            found.append(TTFont(io.BytesIO(zlib.decompress(stream))))
    return found


def test_png_text_drawn_a_line_at_a_time_looks_as_matplotlib_draws_it(bundled, monkeypatch):
    np = pytest.importorskip("numpy")
    from PIL import Image

    def pixels(data: bytes):
        with Image.open(io.BytesIO(data)) as image:
            return 255 - np.asarray(image.convert("L"), dtype=float)  # ink

    fast = pixels(bundled.figure(WHEAT_ZH, labels="both", fmt="png", dpi=150).data)
    as_matplotlib_draws(monkeypatch)
    slow = pixels(bundled.figure(WHEAT_ZH, labels="both", fmt="png", dpi=150).data)
    assert fast.shape == slow.shape
    assert fast.sum() == pytest.approx(slow.sum(), rel=0.01), "no glyph lost, none doubled"
    rows, columns = np.indices(fast.shape)
    for where in (rows, columns):  # where the ink is: lines move by under a pixel, at most
        assert (where * fast).sum() / fast.sum() == pytest.approx(
            (where * slow).sum() / slow.sum(), abs=0.5)
    assert np.abs(fast - slow).mean() < 6


def test_png_bytes_keep_every_pixel_and_the_resolution():
    np = pytest.importorskip("numpy")
    from PIL import Image

    from lineage.outputs.figures.raster import png_bytes

    rng = np.random.default_rng(1)
    opaque = rng.integers(0, 256, (9, 7, 4), dtype=np.uint8)
    opaque[..., 3] = 255
    see_through = rng.integers(0, 256, (9, 7, 4), dtype=np.uint8)
    for rgba, mode in ((opaque, "RGB"), (see_through, "RGBA")):
        with Image.open(io.BytesIO(png_bytes(rgba, 150, "lineage test"))) as image:
            image.load()
            assert image.mode == mode and image.info["Software"] == "lineage test"
            assert image.info["dpi"] == pytest.approx((150, 150), abs=0.05)  # in pixels a metre
            assert (np.asarray(image) == rgba[..., :len(mode)]).all()


def test_pdf_text_is_written_byte_for_byte_as_matplotlib_writes_it(bundled, monkeypatch):
    from lineage.outputs.figures import draw, pdf

    if not pdf.supported():
        pytest.skip("FastPdfText reproduces matplotlib 3.11 only; others draw as matplotlib")
    from contextlib import nullcontext

    monkeypatch.setattr(pdf, "lean_subsets", nullcontext)  # the fonts as matplotlib subsets
    fast = bundled.figure(labels="both", fmt="pdf").data
    monkeypatch.setattr(draw, "_fast_text", lambda renderer: renderer)
    assert bundled.figure(labels="both", fmt="pdf").data == fast


def test_pdf_fonts_stay_truetype_with_matplotlibs_outlines_and_widths(bundled, monkeypatch):
    pytest.importorskip("fontTools")
    lean = bundled.figure(labels="both", fmt="pdf").data
    as_matplotlib_draws(monkeypatch)
    full = bundled.figure(labels="both", fmt="pdf").data
    assert b"/Type3" not in lean and b"/Type1" not in lean
    ours, theirs = embedded_fonts(lean), embedded_fonts(full)
    assert len(ours) == len(theirs) == lean.count(b"/CIDFontType2") == lean.count(b"/FontFile2")
    assert any("WenQuanYi" in f["name"].getDebugName(4) or "CJK" in f["name"].getDebugName(4)
               for f in ours) or fonts.cjk_family() is None, "the Chinese labels' face"

    def glyph(font, name) -> tuple:
        return font["glyf"][name].compile(font["glyf"]), font["hmtx"][name]

    for mine, matplotlibs in zip(ours, theirs):
        assert "glyf" in mine
        assert mine["name"].getDebugName(4) == matplotlibs["name"].getDebugName(4)
        mapped, expected = mine.getBestCmap(), matplotlibs.getBestCmap()
        assert mapped.keys() == expected.keys()
        for code, name in expected.items():  # every character: the same outline and advance
            assert glyph(mine, mapped[code]) == glyph(matplotlibs, name)
        theirs_all = {glyph(matplotlibs, name) for name in matplotlibs.getGlyphOrder()}
        assert {glyph(mine, name) for name in mine.getGlyphOrder()} <= theirs_all  # ligatures


def test_pdf_readers_draw_our_pdf_as_they_draw_matplotlibs(bundled, monkeypatch):
    """PDFium (Chrome's PDF reader) draws every pixel and reads every character of the
    figure alike, with our text drawing and font subsets or with matplotlib's."""
    pdfium = pytest.importorskip("pypdfium2")

    def read(data: bytes):
        page = pdfium.PdfDocument(data)[0]
        return page.render(scale=1.5).to_numpy().copy(), page.get_textpage().get_text_range()

    ours = read(bundled.figure(labels="both", fmt="pdf").data)
    as_matplotlib_draws(monkeypatch)
    theirs = read(bundled.figure(labels="both", fmt="pdf").data)
    assert ours[0].shape == theirs[0].shape and (ours[0] == theirs[0]).all()
    assert ours[1] == theirs[1] and WHEAT_ZH in ours[1].replace("\r\n", "")


#: Labels whose size FreeType measures in ways a layout alone does not tell: glyphs all above
#: or all below the baseline, a combining accent, a zero-width space, right-to-left text.
AWKWARD_LABELS = ("\u2018\u2019 \u00b0", "____", "Cafe\u0301 Lab", "Zero\u200bWidth\u200b",
                  "\u0645\u0631\u0643\u0632 AVATAR", "ffi fl \u201c\u56fd\u5bb6\u201d")


def test_pdf_lines_are_measured_as_freetype_measures_them(tmp_path, monkeypatch):
    """FastPdfText reads a line's size off the layout it draws (or, for lines it does not
    vouch for, asks FreeType): the page comes out byte for byte as matplotlib's."""
    from contextlib import nullcontext

    from lineage import Lineage
    from lineage.outputs.figures import draw, pdf

    if not pdf.supported():
        pytest.skip("FastPdfText reproduces matplotlib 3.11 only; others draw as matplotlib")
    data = tmp_path / "awkward.ttl"
    institutions = "\n".join(
        f'inst:i{n} a lin:NationalEngineeringResearchCenter ; rdfs:label "{label}"@en ; '
        f'lin:established "{2000 + n}"^^xsd:gYear ; dcterms:source src:s .'
        for n, label in enumerate(AWKWARD_LABELS))
    events = "\n".join(
        f"event:e{n} a lin:Conversion ; org:originalOrganization inst:i{n} ; "
        f"org:resultingOrganization inst:i{n + 1} ; lin:status lin:Approved ; "
        f'dcterms:date "{2010 + n}"^^xsd:gYear ; dcterms:source src:s .'
        for n in range(len(AWKWARD_LABELS) - 1))
    data.write_text(TURTLE_PREFIXES + f"""
src:s a lin:Source ; dcterms:title "\u00e9\u0301 \u2018T\u2019" ; dcterms:publisher "P" .
{institutions}
{events}
""", encoding="utf-8")
    lin = Lineage.open(data=[data], bundled=False)
    monkeypatch.setattr(pdf, "lean_subsets", nullcontext)
    fast = lin.figure(fmt="pdf").data
    monkeypatch.setattr(draw, "_fast_text", lambda renderer: renderer)
    assert lin.figure(fmt="pdf").data == fast


def test_a_line_measures_as_matplotlibs_pdf_renderer_measures_it():
    """Width (the pen's advance), height and descent of a line: FastPdfText's, read off the
    layout, and RendererPdf's, from FreeType, for awkward lines and random mixed ones."""
    import matplotlib
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_pdf import PdfFile, RendererPdf
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    from lineage.outputs.figures import pdf

    if not pdf.supported():
        pytest.skip("FastPdfText reproduces matplotlib 3.11 only")
    families = [fonts.LATIN] + ([fonts.cjk_family()] if fonts.cjk_family() else []) + ["sans-serif"]
    rng = random.Random(18)
    alphabet = ("AVWTaofifl .,-_()'\"Ljgypq\u56fd\u5bb6\uff08\uff09\uff1a\u00c5\u00e9\u2013\u2022"
                "\u00b0^~")
    lines = [*AWKWARD_LABELS, "", " ", "\u200b", "e\u0301", "Zero\u200b", "\u2018", "_", "\u00af"]
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(400)]
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        pdf_file = PdfFile(io.BytesIO())
        pdf_file.newPage(100, 100)
        renderer = MixedModeRenderer(Figure(), 100, 100, 72, RendererPdf(pdf_file, 72, 100, 100))
        fast = pdf.FastPdfText.wrap(renderer)
        assert fast is not renderer
        for size, weight in ((7, "normal"), (5.5, "bold"), (11, "normal")):
            prop = FontProperties(family=families, size=size, weight=weight)
            for line in lines:
                assert fast.get_text_width_height_descent(line, prop, False) == \
                    renderer.get_text_width_height_descent(line, prop, False), (line, size)


def test_a_thread_writing_another_file_meanwhile_gets_matplotlibs_own_subsets():
    """While one thread writes our PDF, another thread's PDF or PostScript (which reads the
    subset's tables) gets matplotlib's fontTools subsets, untouched."""
    import threading

    from matplotlib.backends import _backend_pdf_ps as shared
    from matplotlib.font_manager import FontPath, FontProperties, findfont, get_font

    from lineage.outputs.figures import pdf

    if not pdf.supported():
        pytest.skip("the subsetting is replaced on matplotlib 3.11 only")
    path = FontPath(findfont(FontProperties(family=fonts.LATIN)), 0)
    glyphs = {get_font(path).get_char_index(ord(c)) for c in "Wheat"}
    seen = {}

    def elsewhere():
        with shared.get_glyphs_subset(path, glyphs) as made:
            seen["other"] = type(made.font).__name__, "GSUB" in made.font

    with pdf.lean_subsets():
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
        with shared.get_glyphs_subset(path, glyphs) as made:
            data = shared.font_as_file(made.font).getvalue()
    assert seen["other"] == ("TTFont", True), "matplotlib's subset, layout tables and all"
    assert data.startswith(b"\0\1\0\0") and b"GSUB" not in data[:400], "ours, in this thread"


def test_lean_subsets_put_matplotlibs_subsetting_back_when_the_last_pdf_is_written():
    from matplotlib.backends import _backend_pdf_ps as shared

    from lineage.outputs.figures import pdf

    before = shared.get_glyphs_subset
    with pdf.lean_subsets():
        with pdf.lean_subsets():  # two figures at once (threads): one replacement
            replaced = shared.get_glyphs_subset
        assert shared.get_glyphs_subset is replaced
        assert (replaced is not before) == pdf.supported()
    assert shared.get_glyphs_subset is before


# -- what is drawn ----------------------------------------------------------------------------------

def test_the_lineage_part_is_every_institution_in_a_hop_or_dissolution(history):
    chosen = plan(history.store)
    names = {n.ref.label_en for n in chosen.nodes.values()}
    assert names == {"History Old Centre", "History Laboratory", "History New Centre",
                     "History Innovation Centre", "History Rejected Target",
                     "History Closed Institute"}, "units and the ministry are not lineage"
    closed = next(n for n in chosen.nodes.values() if n.ref.label_en == "History Closed Institute")
    assert [e.event_type for e in closed.terminal] == ["lin:Dissolution"]


def test_pending_hops_are_dashed_and_settled_ones_solid(history, history_svg):
    root = svg_tree(history_svg.data)
    chosen = plan(history.store)
    assert chosen.hops
    paths = list(group(root, "hops").iter(f"{SVG}path"))
    assert len(paths) == len(chosen.hops), "one line per hop, in the plan's order"
    for hop, path in zip(chosen.hops, paths):
        style = path.get("style", "")
        status = styles.status_style(hop.event.status)
        assert ("stroke-dasharray" in style) == bool(status.dashes), (hop.event.status, style)
        colour = (status.color or styles.event_style(hop.event.event_type).color).lower()
        assert f"stroke: {colour}" in style
    statuses = {h.event.status for h in chosen.hops}
    assert {"lin:Planned", "lin:Completed"} <= statuses


def test_programme_colours_and_the_views_legend(history_svg):
    root = svg_tree(history_svg.data)
    legend = joined(group(root, "legend"))
    svg = history_svg.data.decode()
    for key in ("NETRC", "NERC", "NEL", "NTIC"):
        style = next(t for t in styles.TYPES if t.key == key)
        assert style.en in legend
        assert f"fill: {style.color.lower()}" in svg
    for words in ("merger", "conversion", "dissolution", "approved or completed",
                  "pending: planned, applied, in progress (dashed)"):
        assert words in legend


def test_the_caption_cites_the_sources_shortly(history_svg, bundled):
    caption = joined(svg_tree(history_svg.data).find(".//*[@id='caption']"))
    assert caption.startswith("Sources: lineage test suite, 2024")
    asic = bundled.figure(ASIC)
    caption = joined(group(svg_tree(asic.data), "caption"))
    assert "2023-02-07" in caption, "the conversion's sources are cited"
    assert "translated" in caption and ASIC + "*" in joined(svg_tree(asic.data))


def test_dates_keep_their_precision_on_the_axis(history):
    chosen = plan(history.store)
    lab = next(n for n in chosen.nodes.values() if n.ref.label_en == "History Laboratory")
    assert lab.span == pytest.approx((2008 + 4 / 12, 2008 + 5 / 12), abs=0.01)
    new = next(n for n in chosen.nodes.values() if n.ref.label_en == "History New Centre")
    assert new.span == (2021.0, 2022.0) and new.date_line() == "est. 2021"
    assert layouts.Axis([layouts.Run(2020, 2023, 0.0)], 10.0, None).x(2021.5) == 15.0


def test_as_of_leaves_out_what_came_later(history):
    chosen = plan(history.store, as_of="2020")
    names = {n.ref.label_en for n in chosen.nodes.values()}
    assert "History New Centre" not in names and "History Innovation Centre" not in names
    assert {"History Old Centre", "History Rejected Target", "History Closed Institute"} <= names
    figure = history.figure(as_of="2020")
    assert "as of 2020" in joined(group(svg_tree(figure.data), "title"))


def test_a_diff_marks_what_is_new_and_what_ended(history):
    chosen = plan(history.store, as_of="2022", diff_from="2020")
    change = {n.ref.label_en: n.change for n in chosen.nodes.values()}
    assert change["History New Centre"] == "new"
    assert change["History Old Centre"] == change["History Laboratory"] == "ended"
    assert change["History Closed Institute"] is None
    legend = joined(group(svg_tree(history.figure(diff=("2020", "2022")).data), "legend"))
    assert "new in the interval" in legend and "ended in the interval" in legend


def test_focus_draws_memberships_and_undated_units_in_a_band(history):
    figure = history.figure(focus="History Laboratory", depth=1)
    root = svg_tree(figure.data)
    assert "History Ministry" in joined(root)
    assert group(root, "undated-band") is not None
    assert "managing unit (membership)" in joined(group(root, "legend"))


@pytest.mark.parametrize("labels, present, absent", [
    ("zh", ["国家小麦工程技术研究中心", "国家小麦技术创新中心"], ["National Wheat Engineering"]),
    ("both", ["国家小麦工程技术研究中心", "National Wheat Engineering"], []),
    ("en", ["National Wheat Engineering"], ["国家小麦技术创新中心"]),
])
def test_label_languages(bundled, labels, present, absent):
    root = svg_tree(bundled.figure(WHEAT_ZH, labels=labels).data)
    names = " ".join(joined(g) for g in root.iter(f"{SVG}g")
                     if (g.get("id") or "").startswith("label-"))
    for text in present:
        assert text in names
    for text in absent:
        assert text not in names


# -- safety: labels stay text -----------------------------------------------------------------------

HOSTILE_LABEL = "<script>alert(1)</script> & Co. $x^2$ \\u001b[31m"  # Turtle: an ESC character


def test_hostile_labels_stay_text_in_svg_and_terminal_escapes_are_shown(tmp_path):
    from lineage import Lineage

    data = tmp_path / "hostile.ttl"
    data.write_text(TURTLE_PREFIXES + f"""
src:s a lin:Source ; dcterms:title "T & <b>S</b>" ; dcterms:publisher "<i>P</i> & Q" .
inst:a a lin:NationalEngineeringLaboratory ; rdfs:label "{HOSTILE_LABEL}"@en ,
    "中&<心>"@zh ; lin:established "2001"^^xsd:gYear ; dcterms:source src:s .
inst:b a lin:NationalEngineeringResearchCenter ; rdfs:label "B </text><script>x</script>"@en ,
    "乙"@zh ; dcterms:source src:s .
event:e a lin:Conversion ; org:originalOrganization inst:a ; org:resultingOrganization inst:b ;
    lin:status lin:Approved ; dcterms:date "2021"^^xsd:gYear ; dcterms:source src:s .
""", encoding="utf-8")
    lin = Lineage.open(data=[data], bundled=False)
    for labels in ("en", "both"):
        raw = lin.figure(labels=labels).data
        root = svg_tree(raw)
        assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))
        assert not re.search(rb"<script|<b>|<i>", raw), "markup from the data reaches the file"
        everything = joined(root)
        assert "<script>alert(1)</script> & Co. $x^2$ \\x1b[31m" in everything
        assert "B </text><script>x</script>" in everything and "<i>P</i> & Q" in everything
        assert b"\x1b" not in raw


# -- formats, paths and errors -------------------------------------------------------------------------

@pytest.mark.parametrize("name, fmt, magic", [
    ("f.svg", None, b"<?xml"), ("f.png", None, b"\x89PNG"), ("f.pdf", None, b"%PDF-"),
    ("f.figure", "pdf", b"%PDF-"), ("F.PNG", None, b"\x89PNG"),
])
def test_the_format_comes_from_the_suffix_or_format(history, tmp_path, name, fmt, magic):
    result = history.figure(fmt=fmt, output=tmp_path / name, dpi=72)
    assert result.path == tmp_path / name
    assert (tmp_path / name).read_bytes().startswith(magic)
    assert result.data == (tmp_path / name).read_bytes()


def test_format_for_refuses_what_it_cannot_tell():
    assert format_for(None, None) == "svg" and format_for("-", "png") == "png"
    with pytest.raises(UsageError, match="cannot tell the format"):
        format_for("figure.gif", None)
    with pytest.raises(UsageError, match="ends in .png but the format asked for is pdf"):
        format_for("figure.png", "pdf")


@pytest.mark.parametrize("target, message", [
    ("missing-folder/f.svg", "its folder does not exist"),
    (".", "is a directory"),
])
def test_a_bad_output_path_is_exit_2_and_writes_nothing(run, tmp_path, target, message):
    before = sorted(tmp_path.rglob("*"))
    result = run("--data", str(HISTORY), "figure", "-o", str(tmp_path / target))
    assert result.exit_code == 2
    assert message in result.stderr and str(tmp_path / target).rstrip("/.") in result.stderr
    assert "Traceback" not in result.output
    assert sorted(tmp_path.rglob("*")) == before


def test_a_failure_while_drawing_keeps_the_previous_file(run, tmp_path, monkeypatch):
    from lineage.outputs.figures import draw

    target = tmp_path / "kept.svg"
    target.write_bytes(b"previous")

    def broken(self):
        raise RuntimeError("drawing failed halfway")

    monkeypatch.setattr(draw._Drawing, "draw", broken)
    result = run("figure", "-o", str(target))
    assert result.exit_code == 3
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.svg"], "no temporary file left"


@pytest.mark.parametrize("args, message", [
    (["figure", "--labels", "fr"], "Invalid value for '--labels'"),
    (["figure", "--format", "gif"], "Invalid value for '--format'"),
    (["figure", "--depth", "2"], "--depth applies only with --focus"),
    (["figure", ASIC, "--focus", ASIC], "not both"),
    (["figure", "--as-of", "2021-13"], "not a real date"),
    (["figure", "--as-of", "2020", "--diff", "2019", "2021"], "not both"),
    (["figure", "--diff", "2023", "2020"], "later than TO"),
    (["figure", "No Such Institution Anywhere"], "no institution named"),
    (["figure", "-o", "x.gif"], "cannot tell the format"),
    (["figure", "--as-of", "1900"], "nothing to draw: no lineage events in the graph as of 1900"),
])
def test_bad_requests_are_exit_2(run, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_standard_output_gets_the_bytes(run):
    result = run("--data", str(HISTORY), "figure", "-o", "-", "--format", "svg")
    assert result.exit_code == 0
    assert svg_tree(result.stdout_bytes) is not None


def test_the_same_graph_gives_the_same_svg_bytes(history, history_svg):
    assert history.figure(fmt="svg").data == history_svg.data


def test_without_matplotlib_the_error_names_the_extra(history, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(UsageError, match=r"pip install 'lineage\[figures\]'"):
        history.figure()
    result = run("figure", ASIC, "-o", "unused.svg")
    assert result.exit_code == 2 and "lineage[figures]" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_missing_cjk_font_is_a_clear_warning_not_a_failure(bundled, history, run, tmp_path,
                                                             monkeypatch):
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such CJK Face",))
    result = bundled.figure(WHEAT_ZH, labels="zh", fmt="png", dpi=72)
    assert result.data.startswith(b"\x89PNG")
    [warning] = result.warnings
    assert "no CJK font" in warning and "fonts-noto-cjk" in warning and "--labels en" in warning
    assert history.figure(labels="en").warnings == [], "nothing Chinese drawn: nothing to say"
    cli = run("figure", WHEAT_ZH, "--labels", "zh", "-o", str(tmp_path / "w.png"))
    assert cli.exit_code == 0 and "warning: no CJK font" in cli.stderr


def test_a_cjk_font_is_found_when_one_is_installed():
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    expected = next((name for name in fonts.CJK_FAMILIES if name in installed), None)
    assert fonts.cjk_family() == expected
    assert fonts.has_cjk("国家") and fonts.has_cjk("（") and not fonts.has_cjk("National")


def test_figure_help_has_an_example(run):
    result = run("figure", "--help")
    assert result.exit_code == 0 and "Example:" in result.output and "--labels" in result.output


# -- the layout, on its own ----------------------------------------------------------------------------------

def test_long_empty_stretches_are_cut_from_the_axis():
    boxes = [layouts.Box("u", (1950.0, 1951.0), 30, 8), layouts.Box("a", (2021.0, 2022.0), 30, 8),
             layouts.Box("b", (2023.0, 2024.0), 30, 8)]
    axis = layouts.axis_for(boxes, [], 8, 270, False)
    assert [(r.first, r.end) for r in axis.runs] == [(1950, 1951), (2021, 2024)]
    assert len(axis.breaks()) == 1
    assert axis.x(1950.5) < axis.breaks()[0] < axis.x(2021.5) < axis.x(2023.5)
    ticks = axis.ticks()
    assert [y for y, _ in ticks] == sorted(y for y, _ in ticks)


def test_every_label_ends_inside_the_width_when_the_scale_allows():
    boxes = [layouts.Box(str(i), (2000.0 + i, 2001.0 + i), 40, 8) for i in range(20)]
    axis = layouts.axis_for(boxes, [], 8, 270, False)
    placed = layouts.place(boxes, [], axis, 8, 270)
    assert placed.width <= 8 + 270 + 0.01


def assert_clear(boxes: list, hops: list, placed) -> None:
    """No two labels overlap; a hop along a row passes no other institution; undated ones
    stand in their column (in a hop) or band (in none); dated ones on the axis."""
    axis = placed.axis
    rects = [(placed.x[b.key] - layouts.RADIUS, placed.y[b.key] - layouts.RADIUS,
              placed.x[b.key] - layouts.RADIUS + b.width, placed.y[b.key] + layouts.RADIUS + b.height)
             for b in boxes]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    for a, b in hops:
        if placed.y[a] == placed.y[b]:
            low, high = sorted((placed.x[a], placed.x[b]))
            for other, rect in zip(boxes, rects):
                if other.key not in (a, b) and placed.y[other.key] == placed.y[a]:
                    assert rect[2] <= low or rect[0] >= high, (a, b, other.key)
    for box in boxes:
        if box.span is None and any(box.key in h for h in hops):
            assert placed.x[box.key] == axis.undated_x < axis.start
        elif box.span is not None:
            assert axis.start <= placed.x[box.key] <= axis.end
        else:
            assert placed.y[box.key] > placed.axis_y


@pytest.mark.parametrize("seed", range(5))
def test_no_two_labels_overlap_and_no_hop_runs_through_a_label(seed):
    rng = random.Random(seed)
    boxes, hops = [], []
    for i in range(60):
        start = rng.uniform(1990, 2024) if rng.random() > 0.15 else None
        span = (start, start + rng.choice((1.0, 1 / 12, 1 / 365))) if start else None
        boxes.append(layouts.Box(f"n{i}", span, rng.uniform(15, 45), rng.uniform(5, 12)))
    keys = [b.key for b in boxes]
    for _ in range(40):
        a, b = rng.sample(keys, 2)
        hops.append((a, b))
    axis = layouts.axis_for(boxes, [], 8, 270, True)
    assert_clear(boxes, hops, layouts.place(boxes, hops, axis, 8, 270))


def test_a_merger_line_never_runs_through_the_other_original():
    """Two originals that fit on one row: the result cannot join them there, since the
    line from the first would pass through the second."""
    boxes = [layouts.Box("a", (2000.0, 2001.0), 10, 8), layouts.Box("b", (2005.0, 2006.0), 10, 8),
             layouts.Box("c", (2010.0, 2011.0), 10, 8)]
    hops = [("a", "c"), ("b", "c")]
    placed = layouts.place(boxes, hops, layouts.axis_for(boxes, [], 8, 270, False), 8, 270)
    assert_clear(boxes, hops, placed)
    assert placed.y["a"] == placed.y["b"] != placed.y["c"]


def test_a_conversion_chain_reads_along_one_row():
    boxes = [layouts.Box("a", (2000.0, 2001.0), 20, 8), layouts.Box("b", (2010.0, 2011.0), 20, 8),
             layouts.Box("c", (2020.0, 2021.0), 20, 8)]
    placed = layouts.place(boxes, [("a", "b"), ("b", "c")],
                           layouts.axis_for(boxes, [], 8, 270, False), 8, 270)
    assert placed.y["a"] == placed.y["b"] == placed.y["c"]
    assert placed.x["a"] < placed.x["b"] < placed.x["c"]
