"""The library's front door: the one object the CLI and the server call for everything."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.term import Node

from .catalog import NameIndex, resolve_fast
from .classes import among, class_pairs, class_tree_order
from .dates import parse_user_date
from .errors import UsageError
from .derive import derive, derive_graph
from .loading import load_data_files, open_store
from .describe import Describer
from .model import ClassCount, Info, InstitutionDetail, InstitutionRef, SearchHit
from .namespaces import DERIVED_GRAPH, LIN, ONTOLOGY_GRAPH, XSD, expand, shorten
from .store import Store
from .trace import DOWN, LineagePath, Trace, find_path, trace
from .validate import ValidationReport, validate_store

if TYPE_CHECKING:
    from .diff import Diff
    from .ingest import ImportReport
    from .sparql.canned import CannedQuery
    from .sparql.results import QueryResult

# %(pairs)s: every class with itself and each superclass (lineage.classes.class_pairs), joined
# instead of a `?t rdfs:subClassOf* ?class` path with both ends open, which some engines refuse.
_CLASS_COUNTS = """
SELECT ?class (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?x) AS ?n) WHERE {
  GRAPH ?g { ?x a ?t } FILTER(?g NOT IN (<%(ontology)s>, <%(derived)s>))
  %(pairs)s
  FILTER(STRSTARTS(STR(?class), STR(lin:)) || ?class IN (org:Membership, qb:Observation))
  OPTIONAL { ?class rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
} GROUP BY ?class ORDER BY DESC(?n) ?class"""

_SOURCE_COUNT = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t . %(sources)s }"

#: Facts (sourced statements: institutions, events, memberships, figures...) by confidence.
_CONFIDENCE = """
SELECT ?confidence (COUNT(DISTINCT ?x) AS ?n) WHERE {
  ?x dcterms:source ?s .
  FILTER NOT EXISTS { ?x a ?t . %(sources)s FILTER NOT EXISTS { ?x a lin:PolicyDocument } }
  OPTIONAL { ?x lin:confidence ?c }
  BIND(COALESCE(?c, "unstated") AS ?confidence)
} GROUP BY ?confidence ORDER BY DESC(?n)"""

_DOMAINS = """
SELECT ?host (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s schema:url ?url .
  BIND(REPLACE(STR(?url), "^[a-z]+://(www[.])?([^/:]+).*$", "$2") AS ?host)
} GROUP BY ?host ORDER BY DESC(?n) ?host"""


class Lineage:
    """A loaded lineage graph: search, show, trace, path, query, render, validate, import, export."""

    def __init__(self, store: Store, graph_names: dict[str, str], strict_sandbox: bool = False):
        self.store = store
        self.graph_names = graph_names  # named-graph IRI -> file it came from
        self.strict_sandbox = strict_sandbox
        self._index: NameIndex | None = None

    @classmethod
    def open(cls, store: str | None = None, data: Sequence[str | Path] = (),
             bundled: bool = True, writable: bool = False, strict_sandbox: bool = False,
             query_workers: int | None = None, queue_wait: float | None = None) -> "Lineage":
        """Open a store with the ontology and the bundled graph: 'memory' (default; `data`
        files are added for this session), 'oxigraph:DIR' (filled once, then opened read-only
        unless `writable`) or 'sparql:QUERY_URL[,UPDATE_URL]'.

        `strict_sandbox` refuses user queries where no barrier below the guard holds;
        `query_workers` caps how many user queries run at once (default: from cores and
        memory) and `queue_wait` how long one waits for its turn (default: as long as it takes)."""
        from .sparql.worker import PoolSettings

        target, names = open_store(store, data, bundled, writable)
        target.worker_settings = PoolSettings(query_workers, queue_wait, strict=strict_sandbox)
        return cls(target, names, strict_sandbox)

    @property
    def warnings(self) -> list[str]:
        """What the user should be told about the store (e.g. a server holding another
        version of the ontology)."""
        return list(getattr(self.store, "warnings", []))

    def add_files(self, files: Iterable[str | Path]) -> None:
        """Load more files (RDF, CSV or YAML; each into its own named graph) for this session,
        and re-derive the shortcut edges."""
        load_data_files(self.store, list(files), self.graph_names)
        derive(self.store)
        self._index = None

    def import_files(self, files: Sequence[str | Path], dry_run: bool = False,
                     replace: bool = False, validate: bool | None = None,
                     max_bytes: int | None = None, progress=None) -> "ImportReport":
        """Add files to the store all-or-nothing (see lineage.ingest); with dry_run, only
        check them and report what would be added."""
        from .ingest import DEFAULT_MAX_BYTES, import_files

        report = import_files(self.store, files, dry_run=dry_run, replace=replace,
                              validate=validate, max_bytes=max_bytes or DEFAULT_MAX_BYTES,
                              progress=progress)
        if not dry_run and replace:
            derive(self.store)  # replaced data may have carried edges that no longer hold
        elif not dry_run:
            for graph in report.graphs.values():
                derive_graph(self.store, graph)
            self.graph_names.update({g: f"imported {Path(f).name}" for f, g in report.graphs.items()})
            self._index = None
        return report

    def export(self, fmt: str, include_derived: bool = False, include_ontology: bool = False,
               as_of: str | None = None, raw_cells: bool = False,
               bom: bool = True) -> bytes | dict[str, bytes]:
        """The graph in an exchange format: bytes, or {file name: bytes} for csv (see
        export.to_csv_files for `raw_cells` and `bom`). `as_of` (YYYY, YYYY-MM or
        YYYY-MM-DD) leaves out what the existence rule places later."""
        from . import export

        if as_of is not None:
            as_of = parse_user_date(as_of)
        if fmt == "csv":
            return export.to_csv_files(self.store, as_of, raw_cells=raw_cells, bom=bom)
        return export.export_bytes(self.store, fmt,
                                   export.Selection(include_derived, include_ontology, as_of))

    @property
    def index(self) -> NameIndex:
        if self._index is None:
            self._index = NameIndex.build(self.store)
        return self._index

    # -- questions -----------------------------------------------------------------------
    def resolve(self, name: str) -> InstitutionRef:
        """The institution a name or IRI denotes; raises NotFoundError or AmbiguousNameError.

        Exact IRIs, labels and acronyms are looked up directly (cost independent of the graph
        size); only width/case variants and did-you-mean suggestions scan all names."""
        return resolve_fast(self.store, name) or self.index.resolve(name)

    def search(self, text: str) -> list[SearchHit]:
        """Institutions whose English, Chinese or alternative labels contain the text."""
        return self.index.search(text)

    def show(self, name: str) -> InstitutionDetail:
        """Everything known about one institution, each fact with its sources."""
        return Describer(self.store, self.index).describe(self.resolve(name))

    def trace(self, name: str, direction: str = DOWN, depth: int | None = None,
              as_of: str | None = None, statuses: Iterable[str] | None = None) -> Trace:
        """The lineage tree of one institution: every hop with event, date, status and sources.

        direction is "down" (what it became), "up" (where it came from) or "both"; `as_of`
        (YYYY, YYYY-MM or YYYY-MM-DD) drops later events and institutions not yet established;
        `statuses` (prefixed names such as "lin:Approved") keeps only hops with those statuses.
        """
        if as_of is not None:
            as_of = parse_user_date(as_of)
        if depth is not None and depth < 0:
            raise UsageError("--depth must be 0 or more")
        return trace(self.store, self.resolve(name), direction, depth, as_of, statuses)

    def diff(self, from_date: str, to_date: str, focus: str | None = None,
             depth: int = 1) -> "Diff":
        """What changed between the record as of FROM and as of TO (YYYY, YYYY-MM or
        YYYY-MM-DD, read as `trace --as-of` reads them): institutions that appeared and
        ended, events by kind, memberships that began and ended, events pending at TO and
        counts by programme; around `focus` (`depth` hops) or over the whole graph."""
        from .diff import diff

        from_date = parse_user_date(from_date, "FROM")
        to_date = parse_user_date(to_date, "TO")
        if depth < 0:
            raise UsageError("--depth must be 0 or more")
        return diff(self.store, from_date, to_date, self.resolve(focus) if focus else None, depth)

    def path(self, start: str, end: str, via_units: bool = False) -> LineagePath | None:
        """The shortest chain of lineage hops (and, with via_units, memberships) between two."""
        return find_path(self.store, self.resolve(start), self.resolve(end), via_units)

    def render(self, focus: str | None = None, depth: int = 1, lineage: str | None = None,
               as_of: str | None = None, layout: str = "force",
               diff: tuple[str, str] | None = None) -> str:
        """A self-contained HTML view that opens offline: the whole graph, the
        neighbourhood of `focus` (`depth` hops through events and memberships) or one
        `lineage` (both directions); `as_of` drops later events and institutions not yet
        established; `layout` is "force" or "timeline"; `diff` (FROM, TO) draws the record as
        of TO with what is new, ended and unchanged since FROM marked (as `diff` reads them).
        Write it with views.write_view."""
        from .views import build_view, render_page

        diff_from = None
        if diff is not None and not all(diff):
            raise UsageError("a diff view needs both dates: FROM and TO")
        if diff is not None:
            if as_of is not None:
                raise UsageError("give either --as-of or --diff, not both")
            diff_from, as_of = parse_user_date(diff[0], "FROM"), parse_user_date(diff[1], "TO")
        if as_of is not None:
            as_of = parse_user_date(as_of)
        view = build_view(self.store, focus=self.resolve(focus) if focus else None, depth=depth,
                          lineage=self.resolve(lineage) if lineage else None, as_of=as_of,
                          layout=layout, diff_from=diff_from)
        return render_page(view)

    def validate(self, files: Sequence[str | Path] = ()) -> ValidationReport:
        """SHACL shapes and graph checks over everything loaded, plus `files` (which are
        checked together with the graph but never written into a persistent store)."""
        if not files:
            return validate_store(self.store, self.graph_names)
        if self.store.spec == "memory":
            self.add_files(files)
            return validate_store(self.store, self.graph_names)
        scratch = Store.open("memory")
        graphs = self.store.graphs()
        scratch.add_quads(self.store.quads(graphs))
        names = {g: self.graph_names.get(g, g) for g in graphs}
        load_data_files(scratch, list(files), names)
        derive(scratch)
        return validate_store(scratch, names)

    def info(self, validate: bool = True) -> Info:
        """What is loaded: counts by class, sources, files and (optionally) validation state."""
        found = {str(c): ClassCount(str(c), str(name) if name else shorten(str(c)), int(n.toPython()))
                 for c, name, n in self.store.select(_CLASS_COUNTS % {
                     "ontology": ONTOLOGY_GRAPH, "derived": DERIVED_GRAPH,
                     "pairs": class_pairs(self.store, "t", "class")})}
        counts = [ClassCount(c.iri, c.label, c.count, depth)
                  for c, depth in ((found[iri], depth) for iri, depth
                                   in class_tree_order(self.store, list(found)))]
        source_types = {"sources": among(self.store, "t", LIN.Source)}
        (sources,), = self.store.select(_SOURCE_COUNT % source_types).rows
        info = Info(store=self.store.spec, triples=len(self.store),
                    files=sorted(set(self.graph_names.values())), class_counts=counts,
                    sources=int(sources.toPython()),
                    confidence={shorten(str(c)): int(n.toPython())
                                for c, n in self.store.select(_CONFIDENCE % source_types)},
                    source_domains={str(h): int(n.toPython())
                                    for h, n in self.store.select(_DOMAINS)})
        if validate:
            info.conforms, info.violations, info.warnings = self._validation_state()
        info.query_barrier = self.query_barrier()
        return info

    def query_barrier(self) -> str:
        """Which barrier below the guard keeps a user's query off the network: 'network
        namespace + seccomp', one of them, or 'guard only'."""
        from .sparql import sandbox

        return sandbox.describe(self.store.query_barriers())

    def _validation_state(self) -> tuple[bool, int, int]:
        """(conforms, violations, warnings); for the untouched bundled graph in memory, taken
        from the cache of an earlier identical check."""
        from . import validation_cache

        bundled_only = self.store.spec == "memory" and all(
            name == "ontology" or name.startswith("graphs/") for name in self.graph_names.values())
        key = validation_cache.cache_key() if bundled_only else None
        cached = validation_cache.read(key) if key else None
        if cached is not None:
            return cached
        report = self.validate()
        state = (report.conforms, len(report.errors), len(report.warnings))
        if key:
            validation_cache.write(key, *state)
        return state

    def query(self, sparql: str, timeout: float = 30.0, max_rows: int = 10_000,
              memory_mb: int = 2048, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run an untrusted SPARQL query safely: every project prefix pre-bound; SERVICE,
        FROM/FROM NAMED and updates refused; evaluated in a worker with a time limit, a row
        cap (the result says when it was truncated) and a memory cap."""
        from .sparql import Limits, run_query

        return run_query(self.store, sparql, Limits(timeout, max_rows, memory_mb), bindings,
                         strict=self.strict_sandbox)

    def canned_queries(self) -> dict[str, CannedQuery]:
        """The canned queries shipped with the package, by name."""
        from .sparql import canned

        return canned.load_all()

    def run_canned(self, name: str, params: Mapping[str, str] | None = None,
                   **limits) -> QueryResult:
        """Run a canned query with parameters (names resolved like `show` does)."""
        from .sparql import canned

        query = canned.get(name, portable=not self.store.speaks_lateral)
        return self.query(query.text, bindings=self._bind_params(query, params or {}), **limits)

    def _bind_params(self, query, given: Mapping[str, str]) -> dict[str, Node]:
        known = {p.name: p for p in query.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            accepted = ", ".join(known) or "none"
            raise UsageError(f"canned query {query.name!r} has no parameter {unknown[0]!r} "
                             f"(parameters: {accepted})")
        bound: dict[str, Node] = {}
        for param in query.params:
            value = given.get(param.name, param.default)
            if value is None or value == "":
                continue
            bound[param.name] = self._param_value(param, value)
        return bound

    def _param_value(self, param, value: str) -> Node:
        if param.type == "institution":
            return URIRef(self.resolve(value).iri)
        if param.type == "iri":
            iri = expand(value) or value
            if not iri.startswith(("http://", "https://", "urn:")):
                raise UsageError(f"--param {param.name}: {value!r} is not an IRI or prefixed name")
            return URIRef(iri)
        if param.type == "year":
            if not (len(value) == 4 and value.isdigit()):
                raise UsageError(f"--param {param.name}: {value!r} is not a year (YYYY)")
            return Literal(value, datatype=XSD.gYear)
        return Literal(value)
