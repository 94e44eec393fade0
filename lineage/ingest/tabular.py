"""Read spreadsheets (CSV) and YAML into rows: each row knows its file, row number and kind.

CSV: one file per kind, named for it (institutions.csv, my-events.csv, ...); UTF-8 with or
without the BOM Excel writes; other encodings are refused with a hint. YAML: one document
whose top-level keys are the kinds, each a list of mappings; loaded safely with aliases
refused (an alias bomb is 543 bytes; security-findings 4.4).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem

KINDS = ("sources", "institutions", "events", "memberships", "observations")
LIST_SEPARATOR = ";"


@dataclass
class Row:
    kind: str
    file: str
    number: int  # spreadsheet row (header = 1) or YAML line of the item
    values: dict[str, list[str]]  # column -> values (a list column holds several)
    lines: dict[str, int] = field(default_factory=dict)  # YAML: column -> line

    def first(self, column: str) -> str | None:
        values = self.values.get(column) or []
        return values[0] if values else None


def kind_of(path: Path) -> str | None:
    """The kind a CSV file holds, from its name (institutions.csv, 2024-events.csv, ...)."""
    stem = path.stem.lower()
    for kind in KINDS:
        if stem == kind or stem.endswith(("-" + kind, "_" + kind)):
            return kind
    return None


def decode_text(name: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """UTF-8 text (BOM stripped) or a problem naming the line of the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = ("the file is not UTF-8 (GBK/GB18030 perhaps): in Excel use 'Save As > CSV UTF-8', "
                "or convert it with iconv -f GB18030 -t UTF-8")
        return None, [Problem(name, hint, line=line)]


def read_csv(path: Path, name: str, data: bytes) -> tuple[list[Row], list[Problem]]:
    kind = kind_of(path)
    if kind is None:
        return [], [Problem(name, "cannot tell what this CSV holds from its name; name it "
                                  + ", ".join(f"{k}.csv" for k in KINDS)
                                  + " (or end the name with -<kind>.csv)")]
    text, problems = decode_text(name, data)
    if problems:
        return [], problems
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], [Problem(name, "the file is empty")]
    except csv.Error as exc:
        return [], [_csv_syntax(name, exc, 1)]
    rows: list[Row] = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_csv_syntax(name, exc, start))
            break
        number = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            problems.append(Problem(name, f"{len(record)} cells but {len(header)} columns",
                                    row=number))
            continue
        values = {col: _split(cell) for col, cell in zip(header, record) if col}
        rows.append(Row(kind, name, number, values))
    return rows, problems


def _csv_syntax(name: str, exc: csv.Error, start: int) -> Problem:
    """A CSV syntax error, named as such, at the line where the broken row starts."""
    if "unexpected end of data" in str(exc):
        return Problem(name, "CSV syntax error: a quoted cell opened in this row is never closed "
                             '(a missing " before the end of the file)', row=start)
    return Problem(name, f"CSV syntax error: {exc}", row=start)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def read_yaml(name: str, data: bytes) -> tuple[list[Row], list[Problem]]:
    import yaml

    text, problems = decode_text(name, data)
    if problems:
        return [], problems
    problem = yaml_depth_problem(name, text)
    if problem:
        return [], [problem]
    try:
        root = yaml.compose(text, Loader=_NoAliasLoader)
    except _AliasRefused as exc:
        return [], [Problem(name, "YAML aliases and anchors are refused", line=exc.line)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [Problem(name, f"malformed YAML: {getattr(exc, 'problem', exc)}",
                            line=mark.line + 1 if mark else None)]
    if root is None:
        return [], [Problem(name, "the file is empty")]
    if not isinstance(root, yaml.MappingNode):
        return [], [Problem(name, "the document must be a mapping with keys " + ", ".join(KINDS),
                            line=root.start_mark.line + 1)]
    rows = []
    for key_node, items in root.value:
        kind = key_node.value
        if kind not in KINDS:
            problems.append(Problem(name, f"unknown section {kind!r}; expected one of "
                                    + ", ".join(KINDS), line=key_node.start_mark.line + 1))
            continue
        if not isinstance(items, yaml.SequenceNode):
            problems.append(Problem(name, f"{kind} must be a list", line=items.start_mark.line + 1))
            continue
        for item in items.value:
            row, problem = _yaml_row(kind, name, item)
            rows.extend([row] if row else [])
            problems.extend([problem] if problem else [])
    return rows, problems


MAX_YAML_DEPTH = 32  # the import format nests three levels; the composer recurses per level


def yaml_depth_problem(name: str, text: str) -> Problem | None:
    """A problem when YAML nests deeper than MAX_YAML_DEPTH, found by the (iterative) parser
    before anything is composed."""
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return Problem(name, f"YAML nested more than {MAX_YAML_DEPTH} levels deep; "
                                         "the import format needs three",
                                   line=event.start_mark.line + 1)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None  # reported with its line by the composer
    return None


_PLAIN_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "seq",
                                                  "map", "timestamp")}


def _yaml_row(kind: str, name: str, item) -> tuple[Row | None, Problem | None]:
    import yaml

    line = item.start_mark.line + 1
    for node in _yaml_nodes(item):
        if node.tag not in _PLAIN_TAGS:
            return None, Problem(name, f"YAML tag {node.tag!r} is refused: plain values only",
                                 line=node.start_mark.line + 1)
    if not isinstance(item, yaml.MappingNode):
        return None, Problem(name, f"each item of {kind} must be a mapping", line=line)
    values, lines = {}, {}
    for key, value in item.value:
        lines[key.value] = value.start_mark.line + 1
        if isinstance(value, yaml.SequenceNode):
            values[key.value] = [str(v.value).strip() for v in value.value
                                 if isinstance(v, yaml.ScalarNode) and str(v.value).strip()]
        elif isinstance(value, yaml.ScalarNode):
            text = str(value.value).strip()
            values[key.value] = [text] if text else []
        else:
            return None, Problem(name, f"{key.value}: expected a value or a list",
                                 line=value.start_mark.line + 1)
    return Row(kind, name, line, values, lines), None


def _yaml_nodes(node):
    import yaml

    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, yaml.MappingNode):
            stack.extend(n for pair in current.value for n in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


class _AliasRefused(Exception):
    def __init__(self, line: int):
        self.line = line


def _make_loader():
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        """SafeLoader that refuses anchors and aliases outright."""

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                raise _AliasRefused(self.peek_event().start_mark.line + 1)
            event = self.peek_event()
            if getattr(event, "anchor", None):
                raise _AliasRefused(event.start_mark.line + 1)
            return super().compose_node(parent, index)

    return NoAliasLoader


class _LazyLoader:
    """Defers importing PyYAML until a YAML file is read."""

    _loader = None

    def __call__(self, stream):
        if _LazyLoader._loader is None:
            _LazyLoader._loader = _make_loader()
        return _LazyLoader._loader(stream)


_NoAliasLoader = _LazyLoader()
