"""Propose skos:exactMatch links to ROR and Wikidata from dumps the user downloads.

The records of a dump (ROR schema v2 JSON, plain or zipped; a Wikidata query-service export
as CSV or JSON, or a slice of the entity JSON dump) are matched against the graph with the
reconcile matcher, programme-aware: a record whose name designates one programme (制造业
创新中心, a manufacturing innovation centre) is never linked to an institution of another
(技术创新中心, a technology innovation centre). The proposals go into a review file; accepted
links cite the dump (its name and date) as their source.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InputError
from ..namespaces import LIN, ROR, ROR_DUMP_DOI, WIKIDATA_ENTITY, shorten
from ..store.local import Store
from .lists import ListSource
from .normalise import has_chinese, programme_of
from .reconcile import NORMALISED, GraphIndex

MAX_DUMP_BYTES = 4 << 30  # a whole ROR dump unzips to about 1 GB
_QID = re.compile(r"^(?:https?://www\.wikidata\.org/(?:entity|wiki)/)?(Q\d+)$")


@dataclass
class Record:
    """One registry record: its IRI and every name it gives (with language when known)."""

    iri: str
    names: list[tuple[str, str]]  # (name, language or "")
    number: int

    def name_in(self, language: str) -> str:
        for name, lang in self.names:
            if lang.startswith(language) or (not lang and (language == "zh") == has_chinese(name)):
                return name
        return ""


@dataclass
class Dump:
    kind: str  # ror | wikidata
    file: str
    records: list[Record]
    source: ListSource


def read_ror(path: str | Path, dump_date: str = "") -> Dump:
    """A ROR data dump (.json or the .zip as downloaded), schema v2 (v1 names also read)."""
    path = Path(path)
    data = _read(path)
    if path.suffix.lower() == ".zip":
        data = _from_zip(path, data)
    try:
        records = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not JSON: {exc}", file=str(path)) from None
    if not isinstance(records, list):
        raise InputError("a ROR dump is a JSON array of organisation records", file=str(path))
    found = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict) or not str(record.get("id", "")).startswith(str(ROR)):
            raise InputError(f"record {number} has no ROR id (https://ror.org/...)", file=str(path))
        found.append(Record(record["id"], _ror_names(record), number))
    version = re.search(r"v(\d+(?:\.\d+)+)", path.name)
    stamp = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    when = dump_date or (stamp.group(1) if stamp else _latest_modified(records) or _file_date(path))
    title = f"ROR data dump{' v' + version.group(1) if version else ''} ({path.name})"
    return Dump("ror", str(path), found, ListSource(ROR_DUMP_DOI, title,
                                                   "Research Organization Registry (ROR)", when))


def _ror_names(record: dict) -> list[tuple[str, str]]:
    names = []
    for item in record.get("names") or []:  # schema v2
        if isinstance(item, dict) and item.get("value"):
            names.append((str(item["value"]).strip(), str(item.get("lang") or "")))
    if not names:  # schema v1
        names = [(str(record.get("name", "")).strip(), "en")]
        names += [(str(a).strip(), "") for a in record.get("aliases") or []]
        names += [(str(a).strip(), "") for a in record.get("acronyms") or []]
        names += [(str(lab.get("label", "")).strip(), str(lab.get("iso639") or ""))
                  for lab in record.get("labels") or [] if isinstance(lab, dict)]
    return [(n, lang) for n, lang in names if n]


def _latest_modified(records: list) -> str:
    dates = [str(r.get("admin", {}).get("last_modified", {}).get("date", ""))
             for r in records if isinstance(r, dict) and isinstance(r.get("admin"), dict)]
    return max((d for d in dates if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d)), default="")


def read_wikidata(path: str | Path, dump_date: str = "") -> Dump:
    """A Wikidata query-service export (CSV, or JSON: SPARQL results or the simple array of
    objects) or a slice of the entity dump (one JSON entity per line, or {"entities": ...})."""
    path = Path(path)
    data = _read(path)
    if path.suffix.lower() in (".csv", ".tsv"):
        rows = _table_rows(path, data)
    else:
        rows = _json_rows(path, data)
    records = []
    for number, (entity, names) in enumerate(rows, start=1):
        qid = _QID.match(entity.strip())
        if not qid:
            raise InputError(f"row {number}: {entity!r} is not a Wikidata item (Q...)", file=str(path))
        records.append(Record(str(WIKIDATA_ENTITY[qid.group(1)]), names, number))
    when = dump_date or _file_date(path)
    return Dump("wikidata", str(path), records,
                ListSource("", f"Wikidata export ({path.name})", "Wikidata", when))


def _table_rows(path: Path, data: bytes):
    text = data.decode("utf-8-sig", errors="strict") if data else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix == ".tsv" else ",")
    header = next(reader, None)
    if not header:
        raise InputError("the file is empty", file=str(path))
    records = [dict(zip(header, row)) for row in reader if any(c.strip() for c in row)]
    return _flat_rows(path, header, records)


def _flat_rows(path: Path, header: list[str], records: list[dict]):
    entity = next((h for h in header if any(_QID.match(str(r.get(h, "")).strip()) for r in records[:20])), None)
    if entity is None:
        raise InputError("no column holds Wikidata items (http://www.wikidata.org/entity/Q...)",
                         file=str(path))
    name_columns = [h for h in header if h != entity
                    and re.search(r"label|name|alias|名称|简称", h, flags=re.I)]
    rows = []
    for r in records:
        names = []
        for column in name_columns:
            lang = re.search(r"(?:_|@|label)(zh|en)(?:[-_].*)?$", column, flags=re.I)
            for value in re.split(r"\s*[|;]\s*", str(r.get(column) or "")):
                if value and not _QID.match(value):
                    names.append((value, lang.group(1).lower() if lang else ""))
        rows.append((str(r.get(entity, "")), names))
    return rows


def _json_rows(path: Path, data: bytes):
    try:
        root = json.loads(data)
    except ValueError:
        root = _json_lines(path, data)
    if isinstance(root, dict) and "results" in root:  # SPARQL 1.1 JSON results
        return _sparql_rows(path, root)
    if isinstance(root, dict) and isinstance(root.get("entities"), dict):
        root = list(root["entities"].values())
    if isinstance(root, list) and root and all(isinstance(e, dict) and "labels" in e for e in root):
        return [(e.get("id", ""), _entity_names(e)) for e in root]
    if isinstance(root, list) and all(isinstance(e, dict) for e in root):
        header = list(dict.fromkeys(k for e in root for k in e))
        return _flat_rows(path, header, root)
    raise InputError("not a Wikidata export: expected SPARQL JSON results, an array of rows or "
                     "entities, or {\"entities\": ...}", file=str(path))


def _json_lines(path: Path, data: bytes) -> list:
    """The entity dump's layout: '[' , one entity per line ending in ',', ']'."""
    entities = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        line = line.strip().rstrip(",")
        if line in ("", "[", "]"):
            continue
        try:
            entities.append(json.loads(line))
        except ValueError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=str(path), line=number) from None
    return entities


def _sparql_rows(path: Path, root: dict):
    rows = []
    variables = root.get("head", {}).get("vars", [])
    for binding in root.get("results", {}).get("bindings", []):
        entity = next((b["value"] for b in binding.values()
                       if b.get("type") == "uri" and _QID.match(b.get("value", ""))), "")
        names = [(b["value"], b.get("xml:lang", "")) for v, b in binding.items()
                 if b.get("type") == "literal" and v in variables and not _QID.match(b["value"])]
        rows.append((entity, names))
    return rows


def _entity_names(entity: dict) -> list[tuple[str, str]]:
    names = []
    for lang, label in (entity.get("labels") or {}).items():
        names.append((label.get("value", ""), lang))
    for lang, aliases in (entity.get("aliases") or {}).items():
        names.extend((a.get("value", ""), lang) for a in aliases)
    return [(n, lang) for n, lang in names if n and (lang.startswith(("zh", "en")) or not lang)]


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_DUMP_BYTES:
            raise InputError("file is larger than a registry dump should be", file=str(path))
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None


def _from_zip(path: Path, data: bytes) -> bytes:
    """The schema-v2 JSON inside a ROR dump zip, size-checked before it is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError("not a zip archive", file=str(path)) from None
    members = [m for m in archive.infolist() if m.filename.lower().endswith(".json")]
    chosen = ([m for m in members if m.filename.endswith("_schema_v2.json")] or members)[:1]
    if not chosen:
        raise InputError("the zip holds no .json file", file=str(path))
    if chosen[0].file_size > MAX_DUMP_BYTES:
        raise InputError(f"{chosen[0].filename} inflates to {chosen[0].file_size:,} bytes", file=str(path))
    return archive.read(chosen[0])


def _file_date(path: Path) -> str:
    """The day the user saved the file: the only date a query export carries."""
    return date.fromtimestamp(path.stat().st_mtime).isoformat()


def propose_links(store: Store, dump: Dump, index: GraphIndex | None = None) -> list[dict]:
    """Review rows for the records that match one institution (or several: ambiguous)."""
    index = index or GraphIndex.build(store)
    linked = _linked(store)
    rows = []
    for record in dump.records:
        names = [n for n, _ in record.names]
        wanted = next((programme_of(n) for n in names if programme_of(n)), None)
        candidates, skipped = index.match(names, str(LIN[wanted]) if wanted else None)
        candidates = [c for c in candidates if c.score >= NORMALISED or wanted]
        if not candidates:
            continue
        top = [c for c in candidates if c.score == candidates[0].score]
        if len(top) == 1 and (top[0].iri, record.iri) in linked:
            continue
        why = [top[0].why] + [f"look-alike left out: {index.label(i)}" for i in skipped[:3]]
        rows.append({
            "list_row": record.number, "kind": dump.kind,
            "outcome": "matched" if len(top) == 1 else "ambiguous",
            "institution": shorten(top[0].iri) if len(top) == 1 else "",
            "score": f"{top[0].score:.2f}", "why": "; ".join(why),
            "candidates": "" if len(top) == 1 else "; ".join(shorten(c.iri) for c in top),
            "name_zh": record.name_in("zh"), "name_en": record.name_in("en"),
            "exact_match": record.iri, "source_title": dump.source.title,
            "source_url": dump.source.url, "source_publisher": dump.source.publisher,
            "source_date": dump.source.date, "list_file": dump.file,
        })
    return rows


def _linked(store: Store) -> set[tuple[str, str]]:
    return {(str(i), str(m)) for i, m in store.select_plain("SELECT ?i ?m WHERE { ?i skos:exactMatch ?m }")}
