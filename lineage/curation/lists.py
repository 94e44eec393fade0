"""Read a list of institutions (CSV, XLSX or YAML) as published or kept by researchers.

Headers may be English or Chinese (名称, 依托单位, 主管部门, 批准时间, 来源 ...); each is mapped
to one field. Columns we do not know (序号, 所在地区 ...) are kept aside and reported, never
guessed at. A source may be given per row (source_url, source_title ...) or for the whole
file (YAML `source:` or the reconcile command's --source-* options).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ..errors import InputError, UsageError
from ..ingest.tabular import decode_text

#: Field -> header spellings (compared after NFKC, case-folding and dropping spaces, _ and -).
HEADERS: dict[str, tuple[str, ...]] = {
    "name_zh": ("name_zh", "中文名称", "名称", "中心名称", "机构名称", "实验室名称", "平台名称",
                "工程研究中心名称", "工程技术研究中心名称", "技术创新中心名称", "工程实验室名称"),
    "name_en": ("name_en", "name", "englishname", "英文名称", "英文名"),
    "alt_names": ("alt_names", "altnames", "acronym", "acronyms", "shortname", "简称", "英文缩写", "别名"),
    "type": ("type", "programme", "program", "类型", "类别", "平台类型"),
    "supporting_unit": ("supporting_unit", "supportingunit", "依托单位", "依托法人单位", "依托单位名称"),
    "managing_unit": ("managing_unit", "managingunit", "主管部门", "主管单位", "推荐部门"),
    "approved": ("approved", "approval", "approvaldate", "date", "批准时间", "批准日期", "批复时间",
                 "批复日期", "认定时间", "日期", "时间"),
    "established": ("established", "成立时间", "成立日期", "组建时间"),
    "predecessor": ("predecessor", "formername", "前身", "原名称", "原中心名称", "原实验室名称",
                    "原工程实验室名称"),
    "predecessor_event": ("predecessor_event", "predecessorevent", "event", "变更方式", "转建方式"),
    "status": ("status", "状态"),
    "field": ("field", "领域", "技术领域", "所属领域"),
    "source_url": ("source_url", "sourceurl", "url", "link", "来源链接", "链接", "网址"),
    "source_title": ("source_title", "sourcetitle", "source", "来源", "来源标题", "文件名称", "出处"),
    "source_publisher": ("source_publisher", "sourcepublisher", "publisher", "发布单位", "发布机构"),
    "source_date": ("source_date", "sourcedate", "publisheddate", "发布日期", "发布时间"),
}
SOURCE_FIELDS = ("source_url", "source_title", "source_publisher", "source_date")


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-/（）()]+", "", unicodedata.normalize("NFKC", text).casefold())


_LOOKUP = {_header_key(h): f for f, spellings in HEADERS.items() for h in spellings}


@dataclass
class ListSource:
    """Where a list comes from: the lin:Source every accepted row will cite."""

    url: str = ""
    title: str = ""
    publisher: str = ""
    date: str = ""

    def given(self) -> bool:
        return bool(self.url or self.title)


@dataclass
class ListEntry:
    """One row of a list: its fields by name and the row number a spreadsheet shows."""

    number: int
    values: dict[str, str]
    source: ListSource = field(default_factory=ListSource)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def names(self) -> list[str]:
        """Every name the row gives for its institution (Chinese, English, acronyms)."""
        found = [self.get("name_zh"), self.get("name_en")]
        found += [n.strip() for n in re.split(r"[;；、]", self.get("alt_names"))]
        return [n for n in found if n]


@dataclass
class InstitutionList:
    file: str
    entries: list[ListEntry]
    source: ListSource
    unknown_columns: list[str] = field(default_factory=list)
    status: str = ""  # what the whole list says about its entries (e.g. approved)


def read_list(path: str | Path, source: ListSource | None = None) -> InstitutionList:
    """Read a list file; raise InputError naming the file and row when it cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = _csv_rows(str(path), data)
        result = _from_table(str(path), header, rows)
    elif suffix in (".xlsx", ".xlsm"):
        header, rows = _xlsx_rows(str(path), data)
        result = _from_table(str(path), header, rows)
    elif suffix in (".yaml", ".yml"):
        result = _from_yaml(str(path), data)
    else:
        raise InputError("unsupported list type; accepted: .csv, .xlsx, .yaml", file=str(path))
    if source is not None and source.given():
        result.source = source
    for entry in result.entries:
        row_source = ListSource(*(entry.get(f) for f in SOURCE_FIELDS))
        if not row_source.url and row_source.title.startswith(("http://", "https://")):
            row_source.url, row_source.title = row_source.title, ""
        entry.source = row_source if row_source.given() else result.source
    return result


def _csv_rows(name: str, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text, problems = decode_text(name, data)
    if problems:
        raise InputError(problems[0].message, file=name, line=problems[0].line)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        header = next(reader, None)
        for record in reader:
            rows.append((reader.line_num, record))
    except csv.Error as exc:
        raise InputError(f"CSV syntax error: {exc}", file=name, line=reader.line_num) from None
    if header is None:
        raise InputError("the file is empty", file=name)
    return header, rows


def _xlsx_rows(name: str, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        import openpyxl
    except ImportError:
        raise UsageError("reading .xlsx needs the optional extra 'xlsx': pip install 'lineage[xlsx]' "
                         "(or save the sheet as CSV UTF-8)") from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__})", file=name) from None
    sheet = book.worksheets[0]
    rows = [(number, [_cell_text(c) for c in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    book.close()
    if not rows:
        raise InputError("the first sheet is empty", file=name)
    return rows[0][1], rows[1:]


def _cell_text(value) -> str:
    """A spreadsheet cell as text: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _from_table(name: str, header: list[str], rows) -> InstitutionList:
    fields, unknown = [], []
    for column in header:
        found = _LOOKUP.get(_header_key(column)) if column.strip() else None
        if found in fields:
            raise InputError(f"two columns mean {found!r} ({column!r} is the second)", file=name, line=1)
        fields.append(found)
        if found is None and column.strip():
            unknown.append(column.strip())
    if "name_zh" not in fields and "name_en" not in fields:
        raise InputError("no name column: the header needs 名称/中文名称 (name_zh) or name_en; "
                         f"found {', '.join(h for h in header if h.strip()) or 'nothing'}", file=name, line=1)
    entries = []
    for number, record in rows:
        if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
            raise InputError(f"{len(record)} cells but {len(header)} columns", file=name, line=number)
        values = {f: _clean(c) for f, c in zip(fields, record) if f and _clean(c)}
        if not any(values.get(k) for k in ("name_zh", "name_en", "alt_names")):
            if any(_clean(c) for c in record):
                raise InputError("the row has no name (name_zh, name_en or an acronym)", file=name,
                                 line=number)
            continue
        entries.append(ListEntry(number, values))
    return InstitutionList(name, entries, ListSource(), unknown)


def _clean(cell) -> str:
    text = " ".join(str(cell or "").split())
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def _from_yaml(name: str, data: bytes) -> InstitutionList:
    """YAML: `source:` (url, title, publisher, date), optional `status:`, and `institutions:`,
    a list of mappings with the same field names (or Chinese headers) as a CSV."""
    import yaml

    from ..ingest.tabular import _NoAliasLoader, yaml_depth_problem

    text, problems = decode_text(name, data)
    problem = problems[0] if problems else yaml_depth_problem(name, text or "")
    if problem:
        raise InputError(problem.message, file=name, line=problem.line)
    try:
        root = yaml.load(text, Loader=_NoAliasLoader)
    except Exception as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"malformed YAML: {getattr(exc, 'problem', None) or exc}", file=name,
                         line=mark.line + 1 if mark else None) from None
    if isinstance(root, list):
        root = {"institutions": root}
    if not isinstance(root, dict) or not isinstance(root.get("institutions"), list):
        raise InputError("expected a mapping with an 'institutions' list (and optionally "
                         "'source' and 'status')", file=name)
    meta = root.get("source") or {}
    if not isinstance(meta, dict):
        raise InputError("'source' must be a mapping (url, title, publisher, date)", file=name)
    source = ListSource(*(str(meta.get(k) or "").strip() for k in ("url", "title", "publisher", "date")))
    entries, unknown = [], []
    for number, item in enumerate(root["institutions"], start=1):
        if not isinstance(item, dict):
            raise InputError(f"institution {number} is not a mapping", file=name)
        header = [str(k) for k in item]
        result = _from_table(name, header, [(number, [_yaml_cell(item[k]) for k in item])])
        entries.extend(result.entries)
        unknown.extend(c for c in result.unknown_columns if c not in unknown)
    result = InstitutionList(name, entries, source, unknown, str(root.get("status") or "").strip())
    return result


def _yaml_cell(value) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return _cell_text(value)
