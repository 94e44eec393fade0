"""Import user files (CSV, YAML, Turtle, TriG, N-Triples, N-Quads, JSON-LD) all-or-nothing.

Everything is parsed and checked first: strict RDF parsing, every cell of every row, all
references, then SHACL validation of the new data together with the context it refers to.
Only when nothing is wrong are the triples added to the store, in one transaction, each file
in its own named graph (graph/import/<file-name>).
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from ..namespaces import GRAPH, ONTOLOGY_GRAPH
from ..errors import InputError
from ..store.local import LocalStore, Store, to_oxigraph
from .collisions import check_reused_ids
from .mapping import References, Vocabulary, mint, row_triples, slugify
from .problems import ImportRefused, Problem
from .rdf import REFUSED_SUFFIXES, parse_rdf, rdf_format
from .tabular import read_csv, read_yaml

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB per file
VALIDATE_AUTO_LIMIT = 20_000  # triples: pySHACL needs minutes beyond this; validate afterwards
TABULAR_SUFFIXES = (".csv", ".yaml", ".yml")


@dataclass
class ImportReport:
    """What an import added (or, with dry_run, would add)."""

    files: list[str]
    graphs: dict[str, str]  # file -> named graph
    triples: int
    typed_nodes: dict[str, int]  # class (prefixed) -> nodes of it in the new data
    new_institutions: list[str]
    warnings: list[str] = field(default_factory=list)
    validated: bool = True
    dry_run: bool = False
    #: graph -> (subject, class IRI) of the lineage-class types its file states, when the
    #: import read them while checking the file (the derive step then need not read them back)
    stated_types: dict[str, list] = field(default_factory=dict, repr=False)


def graph_for(path: Path, prefix: str = "import") -> str:
    return str(GRAPH[f"{prefix}/{slugify(path.name) or 'file'}"])


def read_files(store: Store, paths: Sequence[Path], graphs: dict[Path, str],
               max_bytes: int = DEFAULT_MAX_BYTES,
               progress: Callable[[int], None] | None = None,
               replacing: set[str] = frozenset(),
               csv_readers: Sequence[Callable] = ()) -> tuple[list, list[Problem], dict]:
    """Parse and map every file; returns quads, problems, and the row behind each minted IRI.
    `replacing`: graphs this import replaces, whose current content does not count as taken;
    `csv_readers`: see import_files."""
    problems: list[Problem] = []
    quads: list = []
    rows = []
    curated: dict = {}  # review and audit files: the row behind each node they add
    for path in paths:
        name = str(path)
        data, problem = _read_bytes(path, max_bytes)
        if problem:
            problems.append(problem)
            continue
        fmt = rdf_format(path)
        suffix = path.suffix.lower()
        if fmt is not None:
            found, bad = parse_rdf(name, data, fmt, graphs[path])
            quads.extend(found)
            problems.extend(bad)
        elif suffix == ".csv" and (reader := _special_reader(csv_readers, data)) is not None:
            found, bad, where = reader(store, name, data, graphs[path])
            quads.extend(found)
            problems.extend(bad)
            curated.update(where)
        elif suffix == ".csv":
            found, bad = read_csv(path, name, data)
            rows.extend((path, r) for r in found)
            problems.extend(bad)
        elif suffix in (".yaml", ".yml"):
            found, bad = read_yaml(name, data)
            rows.extend((path, r) for r in found)
            problems.extend(bad)
        elif suffix in REFUSED_SUFFIXES:
            problems.append(Problem(name, f"{REFUSED_SUFFIXES[suffix]} is not accepted (XML entity "
                                          "attacks); convert it to Turtle or N-Triples"))
        else:
            problems.append(Problem(name, "unsupported file type; accepted: .csv, .yaml, .ttl, "
                                          ".trig, .nt, .nq, .jsonld"))
    origin: dict[URIRef, tuple[str, int]] = dict(curated)
    if rows:
        quads.extend(_map_rows(store, rows, graphs, problems, origin, progress, replacing))
    return quads, problems, origin


def _special_reader(csv_readers: Sequence[Callable], data: bytes):
    """The first reader that claims a CSV (by its header), or None for an ordinary CSV."""
    for claims in csv_readers:
        reader = claims(data)
        if reader is not None:
            return reader
    return None


def _read_bytes(path: Path, max_bytes: int) -> tuple[bytes | None, Problem | None]:
    try:
        size = path.stat().st_size
        if path.is_dir():
            return None, Problem(str(path), "is a directory, not a file")
        if size > max_bytes:
            return None, Problem(str(path), f"file is {size:,} bytes, over the limit of "
                                            f"{max_bytes:,} (the max_bytes limit)")
        return path.read_bytes(), None
    except FileNotFoundError:
        return None, Problem(str(path), "no such file")
    except OSError as exc:
        return None, Problem(str(path), f"cannot read: {exc.strerror}")


def _map_rows(store, rows, graphs, problems, origin, progress, replacing) -> list:
    vocab = Vocabulary(store)
    minted = mint([r for _, r in rows], problems)
    refs = References(minted, store)
    refs.preload_labels({v for m in minted for values in m.row.values.values() for v in values})
    file_of = {id(r): p for p, r in rows}
    quads, mapped = [], []
    for count, m in enumerate(minted, start=1):
        graph = ox.NamedNode(graphs[file_of[id(m.row)]])
        triples = row_triples(m, refs, vocab, problems)
        mapped.append((m, triples))
        for s, p, o in triples:
            quads.append(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph))
        origin.setdefault(m.iri, (m.row.file, m.row.number))
        if progress and count % 500 == 0:
            progress(500)
    check_reused_ids(store, mapped, set(replacing), problems)
    return quads


def import_files(store: Store, paths: Sequence[str | Path], *, dry_run: bool = False,
                 validate: bool | None = None, replace: bool = False,
                 max_bytes: int = DEFAULT_MAX_BYTES, graph_prefix: str = "import",
                 progress: Callable[[int], None] | None = None,
                 csv_readers: Sequence[Callable] = ()) -> ImportReport:
    """Check files completely, then add them to the store in one transaction (or not at all).

    `csv_readers` recognise CSV files written by tools above this layer (the curation tools'
    review files and audit sheets): each takes a file's bytes and returns a reader, called as
    reader(store, name, data, graph) -> (quads, problems, row origins), or None.

    validate=None validates with SHACL unless the import is larger than VALIDATE_AUTO_LIMIT
    triples (the report then says so); True or False forces it.
    """
    paths = [Path(p) for p in paths]
    graphs = {p: graph_for(p, graph_prefix) for p in paths}
    problems = _graph_conflicts(store, graphs, replace)
    if not problems and _bulk(paths, validate):
        return _bulk_import(store, paths[0], graphs[paths[0]], dry_run, replace, max_bytes)
    replacing = set(graphs.values()) if replace else set()
    quads, more, origin = read_files(store, paths, graphs, max_bytes, progress, replacing,
                                     csv_readers)
    problems.extend(more)
    if problems:
        raise ImportRefused(problems[:50])
    report = _summarise(store, paths, graphs, quads, dry_run)
    report.warnings.extend(near_duplicate_warnings(store, quads))
    run_shacl = validate if validate is not None else len(quads) <= VALIDATE_AUTO_LIMIT
    if run_shacl:
        _validate(store, quads, origin)
    else:
        report.validated = False
        report.warnings.append(f"SHACL validation skipped for {len(quads):,} triples; "
                               "run `lineage validate` on the store afterwards")
    if not dry_run:
        store.add_quads(quads, replace_graphs=sorted(set(graphs.values())) if replace else ())
    return report


BULK_BYTES = 20 << 20  # one RDF file this large is loaded straight into the store


def _bulk(paths: list[Path], validate: bool | None) -> bool:
    """One big RDF file without forced validation: let the engine parse it into the store
    directly, in one transaction, instead of materialising every triple in Python."""
    if len(paths) != 1 or rdf_format(paths[0]) is None or validate:
        return False
    try:
        return validate is False or paths[0].stat().st_size > BULK_BYTES
    except OSError:
        return False


def _bulk_import(store: Store, path: Path, graph: str, dry_run: bool, replace: bool,
                 max_bytes: int) -> ImportReport:
    from .rdf import hostile_problem

    data, problem = _read_bytes(path, max_bytes)
    problem = problem or hostile_problem(str(path), data)
    if problem:
        raise ImportRefused([problem])
    fmt = rdf_format(path)
    typed: list = []
    _, problems = parse_rdf(str(path), data, fmt, graph, keep=False, typed=typed)
    if problems:
        raise ImportRefused(problems)
    if not dry_run:
        try:
            store.load_bytes(data, fmt, graph, str(path), bulk=True, replace=replace,
                             checked=True)  # parse_rdf has just parsed it, strictly
        except InputError as exc:
            raise ImportRefused([Problem(str(path), exc.args[0], line=exc.line,
                                         column=exc.column)]) from None
    report = _graph_summary(store, path, graph, dry_run)
    report.validated = False
    report.warnings.append("SHACL validation skipped for a bulk import; run `lineage validate` "
                           "on the store afterwards")
    if not dry_run and not replace:  # exactly what the graph now holds
        report.stated_types[graph] = typed
    return report


def _graph_summary(store: Store, path: Path, graph: str, dry_run: bool) -> ImportReport:
    from ..namespaces import shorten

    if dry_run:
        return ImportReport([str(path)], {str(path): graph}, 0, {}, [], dry_run=True)
    counts = store.select(f"SELECT ?t (COUNT(?x) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?x a ?t }} }} "
                          "GROUP BY ?t ORDER BY ?t")
    (triples,), = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows
    institutions = store.select(f"""SELECT DISTINCT ?x WHERE {{ GRAPH <{graph}> {{ ?x a ?t }}
                                    ?t rdfs:subClassOf* lin:Institution }}""")
    return ImportReport([str(path)], {str(path): graph}, int(triples.toPython()),
                        {shorten(str(t)): int(n.toPython()) for t, n in counts},
                        sorted(str(x) for (x,) in institutions))


def _graph_conflicts(store: Store, graphs: dict[Path, str], replace: bool) -> list[Problem]:
    existing = set(store.graphs())
    seen: dict[str, Path] = {}
    problems = []
    for path, graph in graphs.items():
        if graph in seen:
            problems.append(Problem(str(path), f"has the same name as {seen[graph]}; rename one"))
        seen[graph] = path
        if graph in existing and not replace:
            problems.append(Problem(str(path), "a file of this name was imported before; "
                                               "import with replace to replace what it added",
                                    parameter="replace"))
    return problems


def _summarise(store, paths, graphs, quads, dry_run) -> ImportReport:
    from ..namespaces import shorten

    types = Counter()
    new_institutions = []
    type_of = defaultdict(set)
    for q in quads:
        if q.predicate.value == str(RDF.type):
            types[shorten(q.object.value)] += 1
            type_of[q.subject.value].add(q.object.value)
    institution_classes = {str(c) for (c,) in store.select(
        "SELECT ?c WHERE { ?c rdfs:subClassOf* lin:Institution }")}
    for subject, classes in type_of.items():
        if classes & institution_classes:
            new_institutions.append(subject)
    return ImportReport([str(p) for p in paths], {str(p): g for p, g in graphs.items()},
                        len(quads), dict(sorted(types.items())), sorted(new_institutions),
                        dry_run=dry_run)


def _validate(store: Store, quads: list, origin: dict) -> None:
    """SHACL over the new data plus the types, labels and dates of what it refers to."""
    from ..graph.derive import derive
    from ..graph.validate import validate_store

    scratch = LocalStore("scratch")
    scratch.load_store_graph(store, str(ONTOLOGY_GRAPH))
    scratch.add_quads(quads)
    new_subjects = {q.subject.value for q in quads}
    typed = {q.subject.value for q in quads if q.predicate.value == str(RDF.type)}
    # Nodes the data refers to, and nodes it only adds to (a review file giving an institution
    # a new name or unit), are validated with their types, labels and dates from the store.
    referenced = ({q.object.value for q in quads if isinstance(q.object, ox.NamedNode)}
                  | new_subjects) - typed
    context = context_quads(store, referenced, str(GRAPH["context"]))
    scratch.add_quads(context)
    derive(scratch)
    report = validate_store(scratch)
    # Nodes the data only adds to are judged as before, on the new data alone: their copied
    # context (types, labels) is there for the nodes that point at them.
    judged = new_subjects - ({q.subject.value for q in context} - typed)
    problems = []
    for v in report.errors:
        if str(v.focus) not in judged:
            continue  # context copied from the store is partial by design; judge only new data
        file, row = origin.get(v.focus, (None, None))
        where = Problem(file or "import", f"{v.message} [{v.shape.split('#')[-1] if v.shape else 'check'}]",
                        row=row, column=str(v.path).rsplit("#", 1)[-1].rsplit("/", 1)[-1] if v.path else None,
                        value=None if v.value is None else str(v.value))
        problems.append(where if file else Problem(f"node {v.focus}", where.message,
                                                   column=where.column, value=where.value))
    if problems:
        raise ImportRefused(problems[:50])


_CONTEXT = """CONSTRUCT {{ ?x ?p ?o }} WHERE {{ VALUES ?x {{ {values} }}
    VALUES ?p {{ rdf:type rdfs:label lin:established lin:labelIsTranslation
                 lin:zhLabelIsTranslation }} ?x ?p ?o }}"""


def context_quads(store: Store, iris, graph: str) -> list:
    """Types, labels and establishment dates of nodes the new data cites, to validate it."""
    iris = sorted(set(iris))
    target = ox.NamedNode(graph)
    found = []
    for i in range(0, len(iris), 500):
        values = " ".join(f"<{iri}>" for iri in iris[i:i + 500])
        found.extend(ox.Quad(t.subject, t.predicate, t.object, target)
                     for t in store.construct(_CONTEXT.format(values=values)))
    return found


def match_key(text: str) -> str:
    """A key under which full-width/half-width and traditional/simplified variants coincide."""
    key = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    converter = _converter()
    return converter.convert(key) if converter else key


_CONVERTER = []


def _converter():
    if not _CONVERTER:
        try:
            import opencc

            _CONVERTER.append(opencc.OpenCC("t2s"))
        except Exception:  # optional: without OpenCC only width and case are folded
            _CONVERTER.append(None)
    return _CONVERTER[0]


def near_duplicate_warnings(store: Store, quads: list) -> list[str]:
    """New institution names that differ from a loaded one only by width or script variant."""
    new_labels = {(q.subject.value, q.object.value) for q in quads
                  if q.predicate.value == str(RDFS.label) and isinstance(q.object, ox.Literal)}
    if not new_labels:
        return []
    existing = store.select("""SELECT ?i ?l WHERE { ?i a ?t . ?t rdfs:subClassOf* lin:Institution .
                               ?i rdfs:label ?l }""")
    by_key = defaultdict(set)
    for iri, label in existing:
        by_key[match_key(str(label))].add((str(iri), str(label)))
    warnings = []
    for iri, label in sorted(new_labels):
        for other_iri, other_label in sorted(by_key.get(match_key(label), ())):
            if other_iri != iri:
                variant = "same name" if other_label == label else "a width or script variant of"
                warnings.append(f"{label!r} ({iri}) is {variant} {other_label!r} ({other_iri}): "
                                "the same institution twice?")
        by_key[match_key(label)].add((iri, label))
    return warnings
