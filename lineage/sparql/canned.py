"""Canned queries: `.rq` files shipped in lineage/queries, each with a small header.

Header lines at the top of a file (SPARQL comments):
    # title: All conversions
    # description: one line saying what it returns
    # param: NAME | TYPE | DEFAULT | description      (TYPE: institution, iri, string, year)
    # lists: sources units                            (columns made by GROUP_CONCAT, see below)
Parameters are written into the query as checked, escaped SPARQL terms (sparql.guard.substitute),
so they cannot change its structure.

A canned query gives one row per subject: what a subject has several of (sources, units,
conflicting dates) is joined into one cell with GROUP_CONCAT and LIST_SEPARATOR. SPARQL leaves
the order inside such a cell to the engine, so `tidy` sorts the parts of every `lists:` column
(and writes IRIs among them as prefixed names): the same text on every store.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources

from rdflib import Literal

from ..errors import UsageError
from ..namespaces import shorten
from .results import QueryResult

PARAM_TYPES = ("institution", "iri", "string", "year")

#: What joins the parts of a `lists:` column, in the .rq files and in the tidied answer.
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    lists: tuple[str, ...] = field(default_factory=tuple)


def parse_canned(name: str, text: str) -> CannedQuery:
    """Read a canned query's header; malformed headers are a UsageError naming the file and line."""
    meta: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].partition(":")
        key, value = key.strip(), value.strip()
        if not sep:
            continue
        if key == "param":
            parts = [p.strip() for p in value.split("|")]
            if len(parts) != 4 or parts[1] not in PARAM_TYPES:
                raise UsageError(f"{name}.rq:{number}: a param line is "
                                 f"'# param: NAME | TYPE | DEFAULT | description', TYPE one of "
                                 f"{', '.join(PARAM_TYPES)}")
            params.append(Param(parts[0], parts[1], parts[2] or None, parts[3]))
        else:
            meta[key] = value
    if "title" not in meta:
        raise UsageError(f"{name}.rq:1: a canned query needs a '# title:' header line")
    return CannedQuery(name, meta["title"], meta.get("description", ""), text, tuple(params),
                       tuple(meta.get("lists", "").split()))


def load_all() -> dict[str, CannedQuery]:
    """Every canned query shipped with the package, by name (file name without .rq)."""
    folder = resources.files("lineage").joinpath("queries")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            found[name] = parse_canned(name, entry.read_text(encoding="utf-8"))
    return found


def get(name: str, portable: bool = False) -> CannedQuery:
    """A canned query by name; with `portable`, its form for engines without LATERAL
    (queries/portable/NAME.rq, the same answer) where it has one."""
    queries = load_all()
    if name not in queries:
        raise UsageError(f"no canned query named {name!r}; the canned queries are: "
                         + ", ".join(queries))
    variant = resources.files("lineage").joinpath("queries", "portable", f"{name}.rq")
    if portable and variant.is_file():
        return parse_canned(name, variant.read_text(encoding="utf-8"))
    return queries[name]


def tidy(query: CannedQuery, result: QueryResult) -> QueryResult:
    """The answer with every `lists:` cell in a fixed order: parts split at LIST_SEPARATOR,
    IRIs shortened to prefixed names, duplicates dropped, sorted, joined again."""
    columns = [i for i, v in enumerate(result.variables) if v in query.lists]
    if not columns or result.kind != "SELECT":
        return result
    rows = []
    for row in result.rows:
        row = list(row)
        for i in columns:
            if row[i] is not None:
                row[i] = Literal(sorted_list(str(row[i])))
        rows.append(tuple(row))
    return replace(result, rows=rows)


def sorted_list(text: str) -> str:
    """'b; a; b' -> 'a; b', IRIs as prefixed names; empty parts dropped."""
    parts = {shorten(part.strip()) for part in text.split(LIST_SEPARATOR) if part.strip()}
    return LIST_SEPARATOR.join(sorted(parts))
