"""TrueType subsets for PDF figures (lineage/outputs/figures/truetype.py): the glyphs, advances
and characters fontTools keeps, fonts a sanitizer accepts, and a clear refusal of fonts the
module does not handle (the PDF writer then subsets them with fontTools)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("fontTools")

from fontTools.ttLib import TTFont  # noqa: E402

from lineage.outputs.figures import fonts, truetype  # noqa: E402


def dejavu() -> str:
    from matplotlib.font_manager import FontProperties, findfont

    return findfont(FontProperties(family=fonts.LATIN))


def cjk_face():
    """(path, face index) of the CJK face figures use, or None when none is installed."""
    from matplotlib.font_manager import FontProperties, findfont

    family = fonts.cjk_family()
    if family is None:
        return None
    found = findfont(FontProperties(family=family), fallback_to_default=False)
    return found, getattr(found, "face_index", 0)


def faces() -> list:
    found = [(dejavu(), 0)]
    if cjk_face() is not None:
        found.append(cjk_face())
    return found


def charmap(path: str, face_index: int) -> dict[int, int]:
    from matplotlib.font_manager import FontPath, get_font

    return get_font(FontPath(path, face_index)).get_charmap()


def glyphs_of(path: str, face_index: int, text: str) -> set[int]:
    mapping = charmap(path, face_index)
    return {mapping[ord(c)] for c in text if ord(c) in mapping}


def ours(path: str, face_index: int, glyphs: set[int]) -> tuple[TTFont, dict]:
    made = truetype.subset(path, face_index, glyphs, charmap(path, face_index))
    return TTFont(io.BytesIO(made.data)), made.glyph_index_map


def matplotlibs(path: str, face_index: int, glyphs: set[int]) -> tuple[TTFont, dict]:
    """The subset matplotlib 3.11 embeds (fontTools, every table it keeps)."""
    from matplotlib.backends import _backend_pdf_ps as shared
    from matplotlib.font_manager import FontPath

    if not hasattr(shared, "get_glyphs_subset"):
        pytest.skip("this matplotlib has no get_glyphs_subset to compare with")
    with shared.get_glyphs_subset(FontPath(path, face_index), glyphs) as made:
        data = shared.font_as_file(made.font).getvalue()
        return TTFont(io.BytesIO(data)), dict(made.glyph_index_map)


def drawn(font: TTFont, name: str) -> tuple:
    """What a reader draws for a glyph: its outline (components resolved), and its advance."""
    from fontTools.pens.recordingPen import DecomposingRecordingPen

    pen = DecomposingRecordingPen(font.getGlyphSet())
    font.getGlyphSet()[name].draw(pen)
    return tuple(pen.value), font["hmtx"][name][0]


TEXT = "National Wheat Engineering (NERC) fi fl Åé 0123 – “quoted”"
TEXT_ZH = "国家小麦工程技术研究中心：批复（2024）"


@pytest.mark.parametrize("face", faces(), ids=lambda f: Path(f[0]).name)
def test_a_subset_draws_every_character_as_fonttools_subset_draws_it(face):
    path, index = face
    glyphs = glyphs_of(path, index, TEXT + TEXT_ZH)
    mine, mine_map = ours(path, index, glyphs)
    theirs, theirs_map = matplotlibs(path, index, glyphs)
    assert mine["maxp"].numGlyphs == len(mine.getGlyphOrder()) == len(mine["hmtx"].metrics)
    mapped, expected = mine.getBestCmap(), theirs.getBestCmap()
    assert mapped.keys() == expected.keys() and mapped, "the same characters, no more"
    for code in expected:
        assert drawn(mine, mapped[code]) == drawn(theirs, expected[code]), chr(code)
    for old in glyphs:  # the PDF's CIDToGIDMap: each asked-for glyph's new number
        assert drawn(mine, mine.getGlyphOrder()[mine_map[old]]) == drawn(
            theirs, theirs.getGlyphOrder()[theirs_map[old]])
    assert mine["name"].getDebugName(4) == theirs["name"].getDebugName(4)
    assert mine["head"].unitsPerEm == theirs["head"].unitsPerEm
    assert {"glyf", "loca", "hmtx", "cmap", "post"} <= set(mine.keys())
    assert not {"GSUB", "GPOS", "vmtx"} & set(mine.keys()), "tables a PDF never reads"


def test_a_composite_glyph_keeps_its_parts_under_their_new_numbers():
    path = dejavu()
    full = TTFont(path)
    glyf = full["glyf"]
    order = full.getGlyphOrder()
    composite = next(n for n in order[100:] if glyf[n].isComposite()
                     and any(order.index(c.glyphName) > 3 for c in glyf[n].components))
    parts = {c.glyphName for c in glyf[composite].components}
    mine, new = ours(path, 0, {order.index(composite)})
    kept = mine.getGlyphOrder()
    assert len(kept) == 1 + len(parts - set(order[:4])) + 4, "itself, its parts, glyphs 0-3"
    assert drawn(mine, kept[new[order.index(composite)]]) == drawn(full, composite)
    assert sorted(new) == sorted(new, key=new.get), "glyphs keep their old order"


def test_the_subset_passes_the_opentype_sanitizer(tmp_path):
    ots = pytest.importorskip("ots")
    for number, (path, index) in enumerate(faces()):
        made = truetype.subset(path, index, glyphs_of(path, index, TEXT + TEXT_ZH),
                               charmap(path, index))
        font = tmp_path / f"subset-{number}.ttf"
        font.write_bytes(made.data)
        checked = ots.sanitize(str(font), str(tmp_path / f"clean-{number}.ttf"),
                               capture_output=True)
        assert checked.returncode == 0, checked.stderr.decode()


def test_the_checksums_are_as_the_format_asks():
    made = truetype.subset(dejavu(), 0, glyphs_of(dejavu(), 0, TEXT), charmap(dejavu(), 0))
    data = made.data
    count = struct.unpack_from(">H", data, 4)[0]
    for i in range(count):
        tag, checksum, at, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        table = bytearray(data[at:at + length])
        if tag == b"head":
            table[8:12] = b"\0\0\0\0"
        assert truetype._checksum(table) == checksum, tag
    assert truetype._checksum(data) == 0xB1B0AFBA


def cff_font(tmp_path) -> Path:
    """A small OpenType font with CFF outlines, made here."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    pen = T2CharStringPen(600, None)
    pen.moveTo((0, 0)), pen.lineTo((600, 0)), pen.lineTo((300, 700)), pen.closePath()
    strings = {".notdef": T2CharStringPen(500, None).getCharString(), "A": pen.getCharString()}
    builder.setupCFF("TestCFF", {"FullName": "Test CFF"}, strings, {})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "A": (600, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test CFF", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    path = tmp_path / "test-cff.otf"
    builder.save(str(path))
    return path


def test_fonts_it_does_not_handle_are_refused_with_the_reason(tmp_path):
    with pytest.raises(truetype.Unsupported, match="CFF"):
        truetype.subset(str(cff_font(tmp_path)), 0, {1}, {ord("A"): 1})
    text = tmp_path / "not-a-font.ttf"
    text.write_bytes(b"this is not a font, only some text in a file " * 4)
    with pytest.raises(truetype.Unsupported, match="not a TrueType font"):
        truetype.subset(str(text), 0, {1}, {})
    with pytest.raises(truetype.Unsupported, match="face 5"):
        collection = tmp_path / "c.ttc"
        collection.write_bytes(b"ttcf\0\1\0\0" + struct.pack(">I", 1) + struct.pack(">I", 16))
        truetype.subset(str(collection), 5, {1}, {})


def test_a_font_file_cut_short_is_refused(tmp_path):
    whole = Path(dejavu()).read_bytes()
    for length in (0, 11, 300, len(whole) // 2):
        cut = tmp_path / f"cut-{length}.ttf"
        cut.write_bytes(whole[:length])
        with pytest.raises(truetype.Unsupported):
            truetype.subset(str(cut), 0, {36, 5000}, charmap(dejavu(), 0))


def test_a_composite_glyph_cut_short_is_refused(tmp_path):
    composite = struct.pack(">hhhhh", -1, 0, 0, 10, 10) + struct.pack(">HH", 0x0020, 1)
    with pytest.raises(truetype.Unsupported, match="cut short"):
        list(truetype._components(composite))


def test_the_pdf_writer_subsets_a_font_it_does_not_handle_with_fonttools(tmp_path):
    from matplotlib.backends import _backend_pdf_ps as shared
    from matplotlib.font_manager import FontPath

    from lineage.outputs.figures import pdf

    if not pdf.supported():
        pytest.skip("the PDF writer's subsetting is replaced on matplotlib 3.11 only")
    with pdf._subset(shared, FontPath(str(cff_font(tmp_path)), 0), {1}) as made:
        assert isinstance(made.font, TTFont) and "CFF " in made.font
    with pdf._subset(shared, FontPath(dejavu(), 0), glyphs_of(dejavu(), 0, "Wheat")) as made:
        data = shared.font_as_file(made.font).getvalue()
        assert TTFont(io.BytesIO(data)).getBestCmap().keys() == {ord(c) for c in "Wheat"}
