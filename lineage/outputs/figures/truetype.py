"""Subsets of TrueType fonts for embedding in a PDF, made by copying only what a subset keeps.

A PDF figure embeds, for each font it uses, a subset with just the glyphs it shows. fontTools
makes that subset by reading the whole font first: every glyph's metrics, location, name and
character mapping, some 50,000 of each in a CJK face, about 0.3 s, for a figure that shows
twenty of its glyphs. A subset only needs those twenty, so `subset` reads them where they
lie and writes a new font around them:

- the kept glyphs (the ones asked for, glyphs 0 to 3 as TrueType recommends, and the parts
  of composite glyphs), numbered in their old order, their outlines and hinting copied byte
  for byte (the component numbers of a composite glyph renumbered; glyph 0, .notdef, kept
  without its outline, as fontTools keeps it);
- their horizontal metrics, a `cmap` of the characters that map to the glyphs asked for
  (not to the parts or the recommended four, as fontTools maps them), and `glyf`,
  `loca`, `head`, `hhea` and `maxp` for that many glyphs;
- `OS/2`, `cvt `, `fpgm`, `prep`, `gasp` and `PCLT` as they are, `name` with the names
  fontTools keeps (NAME_IDS), and `post` without glyph names (version 3: a PDF finds
  glyphs by number, through its CIDToGIDMap).

Everything else is left out: layout (a PDF does not shape text), vertical metrics, bitmaps,
colour and tables per glyph that would no longer fit. Only static TrueType outlines (`glyf`)
are handled; `Unsupported` says why a font is not (CFF outlines, a variable font), and the
caller then subsets it with fontTools.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass

#: Tables copied unchanged into a subset: none of them is indexed by glyph.
KEPT_AS_THEY_ARE = ("OS/2", "cvt ", "fpgm", "prep", "gasp", "PCLT")
#: Names kept, as fontTools keeps them: copyright, family, style, unique ID, full name,
#: version and PostScript name, in Windows Unicode US English (a licence text can be 15 KB).
NAME_IDS, WINDOWS, UNICODE_ENCODINGS, US_ENGLISH = range(7), 3, (0, 1, 10), 0x0409
#: Glyphs 0 to 3 (.notdef, .null, CR, space in most fonts), kept as fontTools keeps them.
RECOMMENDED = range(4)

_ARG_WORDS, _SCALE, _MORE, _XY_SCALE, _TWO_BY_TWO = 0x0001, 0x0008, 0x0020, 0x0040, 0x0080


class Unsupported(ValueError):
    """A font this module does not subset (the caller uses a general subsetter)."""


@dataclass(frozen=True)
class Subset:
    """A subset font's bytes, and each kept glyph's new number by its old one."""

    data: bytes
    glyph_index_map: dict[int, int]


def subset(path: str, face_index: int, glyphs, charmap: dict[int, int]) -> Subset:
    """A subset of the face `face_index` of the font file at `path` holding `glyphs` (old
    glyph numbers), with a cmap of the characters `charmap` (character -> old glyph, as
    FreeType reads the font's Unicode cmap) maps to them."""
    with open(path, "rb") as file:
        try:
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _Face(data, face_index).subset(set(glyphs), charmap)
        except Unsupported:
            raise
        except (struct.error, ValueError) as error:  # a field past the end, an empty file
            raise Unsupported(f"a font file cut short or malformed ({error})") from error


class _Face:
    """One face of a font file, read where its tables lie."""

    def __init__(self, data, face_index: int):
        self.data = data
        self.tables = _directory(data, face_index)
        if "glyf" not in self.tables or "loca" not in self.tables:
            raise Unsupported("no TrueType outlines (glyf); CFF fonts go to fontTools")
        if "fvar" in self.tables:
            raise Unsupported("a variable font")
        for tag in ("head", "hhea", "maxp", "hmtx"):
            if tag not in self.tables:
                raise Unsupported(f"no {tag} table")
        head = self.table("head")
        if len(head) < 54 or struct.unpack_from(">I", head, 12)[0] != 0x5F0F3CF5:
            raise Unsupported("a head table that is not TrueType's")
        self.long_offsets = struct.unpack_from(">h", head, 50)[0] == 1
        self.glyph_count = struct.unpack_from(">H", self.table("maxp"), 4)[0]
        self.long_metrics = struct.unpack_from(">H", self.table("hhea"), 34)[0]
        if not 0 < self.long_metrics <= self.glyph_count or (
                4 * self.long_metrics > self.tables["hmtx"][1]):
            raise Unsupported("an hhea table whose metrics do not fit the glyphs")

    def table(self, tag: str) -> bytes:
        offset, length = self.tables[tag]
        return self.data[offset:offset + length]

    def glyph(self, index: int) -> bytes:
        """A glyph's bytes as they lie in `glyf` (empty for a glyph without outline)."""
        loca_at, loca_length = self.tables["loca"]
        glyf_at, glyf_length = self.tables["glyf"]
        if self.long_offsets:
            if (index + 2) * 4 > loca_length:
                raise Unsupported("a loca table shorter than the glyphs")
            start, end = struct.unpack_from(">II", self.data, loca_at + index * 4)
        else:
            if (index + 2) * 2 > loca_length:
                raise Unsupported("a loca table shorter than the glyphs")
            start, end = (2 * n for n in struct.unpack_from(">HH", self.data, loca_at + index * 2))
        if not start <= end <= glyf_length:
            raise Unsupported(f"glyph {index} lies outside the glyf table")
        return self.data[glyf_at + start:glyf_at + end]

    def metrics(self, index: int) -> tuple[int, int]:
        """A glyph's (advance width, left side bearing)."""
        at, length = self.tables["hmtx"]
        if index < self.long_metrics:
            return struct.unpack_from(">Hh", self.data, at + 4 * index)
        advance = struct.unpack_from(">H", self.data, at + 4 * (self.long_metrics - 1))[0]
        bearing_at = 4 * self.long_metrics + 2 * (index - self.long_metrics)
        if bearing_at + 2 > length:
            return advance, 0
        return advance, struct.unpack_from(">h", self.data, at + bearing_at)[0]

    def closure(self, glyphs: set[int]) -> list[int]:
        """The glyphs to keep, in their old order: those asked for, the recommended four,
        and every component of a composite glyph among them."""
        kept = {g for g in glyphs if 0 <= g < self.glyph_count}
        kept.update(g for g in RECOMMENDED if g < self.glyph_count)
        todo = list(kept)
        while todo:
            for component in _components(self.glyph(todo.pop())):
                if component >= self.glyph_count:
                    raise Unsupported(f"a composite glyph names glyph {component}, past the last")
                if component not in kept:
                    kept.add(component)
                    todo.append(component)
        return sorted(kept)

    def subset(self, glyphs: set[int], charmap: dict[int, int]) -> Subset:
        order = self.closure(glyphs)
        new = {old: i for i, old in enumerate(order)}
        outlines = [b"" if old == 0 else _renumbered(self.glyph(old), new) for old in order]
        glyf, offsets = bytearray(), []
        for outline in outlines:
            offsets.append(len(glyf))
            glyf += outline + b"\0" * (-len(outline) % 4)
        offsets.append(len(glyf))
        tables = {
            "head": _head(self.table("head")),
            "hhea": self.table("hhea")[:34] + struct.pack(">H", len(order)),
            "maxp": self.table("maxp")[:4] + struct.pack(">H", len(order)) + self.table("maxp")[6:],
            "hmtx": b"".join(struct.pack(">Hh", *self.metrics(old)) for old in order),
            "loca": struct.pack(f">{len(offsets)}I", *offsets),
            "glyf": bytes(glyf),
            "cmap": _cmap({code: new[g] for code, g in charmap.items() if g in glyphs}),
            "post": struct.pack(">I", 0x00030000) + self.table("post")[4:32]
            if "post" in self.tables and len(self.table("post")) >= 32 else None,
        }
        tables.update((tag, self.table(tag)) for tag in KEPT_AS_THEY_ARE if tag in self.tables)
        if "name" in self.tables:
            tables["name"] = _names(self.table("name"))
        return Subset(_font({t: d for t, d in tables.items() if d is not None}), new)


def _directory(data, face_index: int) -> dict[str, tuple[int, int]]:
    """The table directory of a face: tag -> (offset in the file, length)."""
    offset = 0
    if data[:4] == b"ttcf":
        count = struct.unpack_from(">I", data, 8)[0]
        if not 0 <= face_index < count:
            raise Unsupported(f"face {face_index} of a collection of {count}")
        offset = struct.unpack_from(">I", data, 12 + 4 * face_index)[0]
    kind = data[offset:offset + 4]
    if kind == b"OTTO":
        raise Unsupported("CFF outlines (an OpenType font of kind OTTO), not glyf")
    if kind not in (b"\0\1\0\0", b"true"):
        raise Unsupported("not a TrueType font")
    count = struct.unpack_from(">H", data, offset + 4)[0]
    tables = {}
    for i in range(count):
        tag, _, at, length = struct.unpack_from(">4sIII", data, offset + 12 + 16 * i)
        if at + length > len(data):
            raise Unsupported(f"table {tag!r} lies past the end of the file")
        tables[tag.decode("latin-1")] = (at, length)
    return tables


def _components(glyph: bytes):
    """The glyph numbers a composite glyph is made of (nothing for a simple glyph)."""
    for _, index in _component_records(glyph):
        yield index


def _component_records(glyph: bytes):
    """(offset of the glyph number, glyph number) of each component of a composite glyph."""
    if len(glyph) < 10 or struct.unpack_from(">h", glyph, 0)[0] >= 0:
        return
    at = 10
    while True:
        if at + 4 > len(glyph):
            raise Unsupported("a composite glyph cut short")
        flags, index = struct.unpack_from(">HH", glyph, at)
        yield at + 2, index
        at += 4 + (4 if flags & _ARG_WORDS else 2)
        at += 2 if flags & _SCALE else 4 if flags & _XY_SCALE else 8 if flags & _TWO_BY_TWO else 0
        if not flags & _MORE:
            return


def _renumbered(glyph: bytes, new: dict[int, int]) -> bytes:
    """A glyph's bytes with its components' glyph numbers made the subset's."""
    records = list(_component_records(glyph))
    if not records:
        return bytes(glyph)
    out = bytearray(glyph)
    for at, index in records:
        struct.pack_into(">H", out, at, new[index])
    return bytes(out)


def _head(head: bytes) -> bytes:
    """The head table with long glyph offsets and the whole-font checksum to be filled in."""
    out = bytearray(head)
    struct.pack_into(">I", out, 8, 0)  # checkSumAdjustment, set once the font is written
    struct.pack_into(">h", out, 50, 1)  # indexToLocFormat: 32-bit offsets
    return bytes(out)


def _names(table: bytes) -> bytes:
    """A name table (format 0) of the records of NAME_IDS in Windows Unicode US English."""
    if len(table) < 6:
        raise Unsupported("a name table cut short")
    count, strings_at = struct.unpack_from(">HH", table, 2)
    if 6 + 12 * count > len(table):
        raise Unsupported("a name table cut short")
    kept = []
    for i in range(count):
        record = struct.unpack_from(">6H", table, 6 + 12 * i)
        platform, encoding, language, name_id, length, at = record
        if (name_id in NAME_IDS and platform == WINDOWS and encoding in UNICODE_ENCODINGS
                and language == US_ENGLISH):
            text = table[strings_at + at:strings_at + at + length]
            kept.append(((platform, encoding, language, name_id), text))
    records, strings = b"", b""
    for key, text in sorted(kept):
        records += struct.pack(">6H", *key, len(text), len(strings))
        strings += text
    return struct.pack(">HHH", 0, len(kept), 6 + 12 * len(kept)) + records + strings


def _cmap(mapping: dict[int, int]) -> bytes:
    """A cmap with a Windows Unicode BMP subtable (format 4) and, when a character lies
    beyond the BMP, a full-repertoire one (format 12)."""
    bmp = {c: g for c, g in mapping.items() if c <= 0xFFFF}
    subtables = [((3, 1), _format_4(bmp))]
    if len(bmp) < len(mapping):
        subtables.append(((3, 10), _format_12(mapping)))
    header = struct.pack(">HH", 0, len(subtables))
    offset, records, bodies = 4 + 8 * len(subtables), b"", b""
    for (platform, encoding), body in subtables:
        records += struct.pack(">HHI", platform, encoding, offset + len(bodies))
        bodies += body
    return header + records + bodies


def _format_4(mapping: dict[int, int]) -> bytes:
    """A format 4 subtable: one segment per run of consecutive characters and glyphs, and
    the closing 0xFFFF segment."""
    segments: list[list[int]] = []  # [first, last, delta]
    for code in sorted(mapping):
        delta = (mapping[code] - code) % 0x10000
        if segments and segments[-1][1] == code - 1 and segments[-1][2] == delta:
            segments[-1][1] = code
        else:
            segments.append([code, code, delta])
    if not segments or segments[-1][1] != 0xFFFF:
        segments.append([0xFFFF, 0xFFFF, 1])
    count = len(segments)
    search = 2 * 2 ** (count.bit_length() - 1)
    selector = (search // 2).bit_length() - 1
    body = struct.pack(">HHHH", 2 * count, search, selector, 2 * count - search)
    body += struct.pack(f">{count}H", *(s[1] for s in segments)) + b"\0\0"
    body += struct.pack(f">{count}H", *(s[0] for s in segments))
    body += struct.pack(f">{count}H", *(s[2] for s in segments))
    body += b"\0\0" * count  # no idRangeOffset: every segment maps by delta
    return struct.pack(">HHH", 4, 6 + len(body), 0) + body


def _format_12(mapping: dict[int, int]) -> bytes:
    """A format 12 subtable: one group per run of consecutive characters and glyphs."""
    groups: list[list[int]] = []  # [first, last, first glyph]
    for code in sorted(mapping):
        glyph = mapping[code]
        if groups and groups[-1][1] == code - 1 and groups[-1][2] + code - groups[-1][0] == glyph:
            groups[-1][1] = code
        else:
            groups.append([code, code, glyph])
    body = b"".join(struct.pack(">III", *g) for g in groups)
    return struct.pack(">HHIII", 12, 0, 16 + len(body), 0, len(groups)) + body


def _font(tables: dict[str, bytes]) -> bytes:
    """A TrueType font of these tables, in tag order, each padded to four bytes, with the
    checksums of the tables and of the whole font set as the format asks."""
    tags = sorted(tables)
    count = len(tags)
    power = 2 ** (count.bit_length() - 1)
    header = struct.pack(">IHHHH", 0x00010000, count, 16 * power,
                         power.bit_length() - 1, 16 * count - 16 * power)
    offset = 12 + 16 * count
    directory, body = b"", bytearray()
    for tag in tags:
        data = tables[tag]
        directory += struct.pack(">4sIII", tag.encode("latin-1"), _checksum(data),
                                 offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + directory + body)
    head_at = struct.unpack_from(">I", font, 12 + 16 * tags.index("head") + 8)[0]
    struct.pack_into(">I", font, head_at + 8, (0xB1B0AFBA - _checksum(font)) % 0x100000000)
    return bytes(font)


def _checksum(data) -> int:
    """The sum of a table's (or font's) big-endian 32-bit words, zero-padded, modulo 2**32."""
    padded = bytes(data) + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) % 0x100000000
