"""The library's front door: the one object the CLI and the server call for everything."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.term import Node

from .graph.search import NameIndex, resolve_fast
from .graph.classes import among, class_pairs, class_tree_order
from .dates import parse_user_date
from .errors import BadValueError, InputError, UsageError
from .graph.derive import derive, derive_graph
from .ingest.loading import load_data_files, open_store
from .graph.show import Describer
from .html_repr import HtmlPage
from .model import ClassCount, Info, InstitutionDetail, InstitutionRef, SearchHits
from .namespaces import DERIVED_GRAPH, LIN, ONTOLOGY_GRAPH, XSD, expand, shorten
from .store.local import LocalStore, Store
from .analysis.trace import DOWN, LineagePath, Trace, find_path, trace
from .graph.validate import ValidationReport, validate_store
from .vocabulary import Direction, Status, statuses as named_statuses

if TYPE_CHECKING:
    from rdflib import Dataset, Graph

    from .analysis.diff import Diff
    from .curation.lists import ListSource
    from .outputs.figures import FigureFile
    from .ingest import ImportReport
    from .sparql.canned import CannedQuery
    from .sparql.results import QueryResult

# %(pairs)s: every class with itself and each superclass (lineage.graph.classes.class_pairs), joined
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
        self._pool_size: int | None = None  # query workers (None: from cores and memory)
        self._queue_wait: float | None = None
        self._engine_ready = False

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
        target, names = open_store(store, data, bundled, writable)
        opened = cls(target, names, strict_sandbox)
        opened._pool_size, opened._queue_wait = query_workers, queue_wait
        return opened

    def _query_engine(self):
        """The query layer, set up for this store on first use (trace, search and show never
        pay for importing it)."""
        from .sparql import engine
        from .sparql.worker import PoolSettings

        if not self._engine_ready:
            engine.configure(self.store, PoolSettings(self._pool_size, self._queue_wait,
                                                      strict=self.strict_sandbox))
            self._engine_ready = True
        return engine

    @classmethod
    def from_rdflib(cls, data: "Graph | Dataset", ontology: bool = True,
                    strict_sandbox: bool = False) -> "Lineage":
        """A Lineage over an rdflib Graph or Dataset, in memory: a Dataset's named graphs stay
        named graphs (its default graph and a plain Graph land in one graph of their own);
        the ontology is added unless `ontology` is False; shortcut edges are derived anew."""
        from .ingest.loading import load_bundle
        from .rdflib_bridge import named_graphs

        store = LocalStore.open("memory")
        names = load_bundle(store, bundled=False) if ontology else {}
        for graph, triples in named_graphs(data).items():
            if graph == str(DERIVED_GRAPH):
                continue  # shortcut edges are only ever computed
            store.replace_graph(graph, triples)
            names.setdefault(graph, f"rdflib {graph.rsplit('/', 1)[-1]}")
        derive(store)
        return cls(store, names, strict_sandbox)

    def dataset(self, include_derived: bool = False) -> "Dataset":
        """The loaded graphs as an rdflib Dataset, one named graph per file (the ontology
        included; the derived shortcut edges only with `include_derived`)."""
        from .rdflib_bridge import to_dataset

        graphs = [g for g in self.store.graphs()
                  if include_derived or g != str(DERIVED_GRAPH)]
        return to_dataset(self.store, graphs)

    def close(self) -> None:
        """Stop the query workers and release the store (an on-disk store's lock); calling
        it again does nothing."""
        if self.store is not None and not getattr(self, "_closed", False):
            self._closed = True
            if self._engine_ready:
                self._query_engine().stop(self.store)
            self.store.close()

    def __enter__(self) -> "Lineage":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

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
        from .curation import reader_for
        from .ingest import DEFAULT_MAX_BYTES, import_files

        report = import_files(self.store, files, dry_run=dry_run, replace=replace,
                              validate=validate, max_bytes=max_bytes or DEFAULT_MAX_BYTES,
                              progress=progress, csv_readers=(reader_for,))
        if not dry_run and replace:
            derive(self.store)  # replaced data may have carried edges that no longer hold
        elif not dry_run:
            for graph in report.graphs.values():
                derive_graph(self.store, graph, report.stated_types.get(graph))
            self.graph_names.update({g: f"imported {Path(f).name}" for f, g in report.graphs.items()})
            self._index = None
        return report

    def export(self, fmt: str, include_derived: bool = False, include_ontology: bool = False,
               as_of: str | None = None, raw_cells: bool = False,
               bom: bool = True) -> bytes | dict[str, bytes]:
        """The graph in an exchange format: bytes, or {file name: bytes} for csv (see
        export.to_csv_files for `raw_cells` and `bom`). `as_of` (YYYY, YYYY-MM or
        YYYY-MM-DD) leaves out what the existence rule places later."""
        from .outputs import export

        if fmt not in export.FORMATS:
            raise BadValueError(f"unknown export format {fmt!r}; accepted: "
                                + ", ".join(export.FORMATS))
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

    def search(self, text: str) -> SearchHits:
        """Institutions whose English, Chinese or alternative labels contain the text."""
        return SearchHits(self.index.search(text))

    def show(self, name: str) -> InstitutionDetail:
        """Everything known about one institution, each fact with its sources."""
        return Describer(self.store, self.index).describe(self.resolve(name))

    def trace(self, name: str, direction: str | Direction = DOWN, depth: int | None = None,
              as_of: str | None = None,
              statuses: str | Status | Iterable[str | Status] | None = None) -> Trace:
        """The lineage tree of one institution: every hop with event, date, status and sources.

        direction is "down" (what it became), "up" (where it came from) or "both" (or a
        Direction); `as_of` (YYYY, YYYY-MM or YYYY-MM-DD) drops later events and institutions
        not yet established; `statuses` keeps only hops with those statuses: Status members
        or names ("approved", "lin:Approved", the groups "settled" and "pending").
        A value outside these is a ValueError naming the accepted ones.
        """
        direction = Direction.coerce(direction).value
        wanted = None if statuses is None else {s.value for s in named_statuses(statuses)}
        if as_of is not None:
            as_of = parse_user_date(as_of)
        _check_depth(depth)
        return trace(self.store, self.resolve(name), direction, depth, as_of, wanted)

    def diff(self, from_date: str, to_date: str, focus: str | None = None,
             depth: int = 1) -> "Diff":
        """What changed between the record as of FROM and as of TO (YYYY, YYYY-MM or
        YYYY-MM-DD, read as `trace --as-of` reads them): institutions that appeared and
        ended, events by kind, memberships that began and ended, events pending at TO and
        counts by programme; around `focus` (`depth` hops) or over the whole graph."""
        from .analysis.diff import diff

        from_date = parse_user_date(from_date, "FROM")
        to_date = parse_user_date(to_date, "TO")
        _check_depth(depth)
        return diff(self.store, from_date, to_date, self.resolve(focus) if focus else None, depth)

    def path(self, start: str, end: str, via_units: bool = False) -> LineagePath | None:
        """The shortest chain of lineage hops (and, with via_units, memberships) between two."""
        return find_path(self.store, self.resolve(start), self.resolve(end), via_units)

    def render(self, focus: str | None = None, depth: int = 1, lineage: str | None = None,
               as_of: str | None = None, layout: str = "force",
               diff: tuple[str, str] | None = None) -> HtmlPage:
        """A self-contained HTML view that opens offline: the whole graph, the
        neighbourhood of `focus` (`depth` hops through events and memberships) or one
        `lineage` (both directions); `as_of` drops later events and institutions not yet
        established; `layout` is "force" or "timeline"; `diff` (FROM, TO) draws the record as
        of TO with what is new, ended and unchanged since FROM marked (as `diff` reads them).
        The page is a str (an HtmlPage: `.write(path)` saves it, and a notebook shows it
        inline)."""
        from .outputs.views import render_page

        return HtmlPage(render_page(self._view(focus, depth, lineage, as_of, layout, diff)))

    def to_pyvis(self, focus: str | None = None, depth: int = 1, lineage: str | None = None,
                 as_of: str | None = None, layout: str = "force",
                 diff: tuple[str, str] | None = None):
        """The view `render` draws, as a `pyvis.network.Network` (same arguments): restyle
        its `nodes` and `edges` dicts, then `show("view.html")` or `generate_html()` write the
        same offline, CSP-locked page with those changes."""
        from .outputs.views import to_network

        return to_network(self._view(focus, depth, lineage, as_of, layout, diff))

    def _view(self, focus, depth, lineage, as_of, layout, diff):
        """Resolve the names and dates of a render request and build its view."""
        from .outputs.views import build_view

        diff_from = None
        if diff is not None and not all(diff):
            raise UsageError("a diff view needs both dates: FROM and TO")
        if diff is not None:
            if as_of is not None:
                raise UsageError("give either as_of or diff, not both")
            diff_from, as_of = parse_user_date(diff[0], "FROM"), parse_user_date(diff[1], "TO")
        if as_of is not None:
            as_of = parse_user_date(as_of)
        return build_view(self.store, focus=self.resolve(focus) if focus else None, depth=depth,
                          lineage=self.resolve(lineage) if lineage else None, as_of=as_of,
                          layout=layout, diff_from=diff_from)

    def figure(self, name: str | None = None, focus: str | None = None, depth: int = 1,
               as_of: str | None = None, diff: tuple[str, str] | None = None,
               labels: str = "en", fmt: str | None = None, output: str | Path | None = None,
               dpi: int | None = None) -> "FigureFile":
        """A figure for a paper (SVG, PNG or PDF, made without a browser or the network):
        the lineage of `name` (both directions), the neighbourhood of `focus` (`depth` hops),
        or with neither every institution in a lineage event; left to right on a time axis.
        `as_of` and `diff` (FROM, TO) read dates as `render` does; `labels` is "en", "zh" or
        "both"; `fmt` defaults to the suffix of `output`, else svg; `dpi` (PNG) to 300, less
        for a figure larger than A4. With `output` the bytes
        are also written there atomically. Needs matplotlib (the `figures` extra)."""
        from .outputs.figures import check_output, format_for, make_figure, write_figure

        fmt = format_for(output, fmt)
        if output is not None:
            check_output(output)
        diff_from = None
        if diff is not None and not all(diff):
            raise UsageError("a diff figure needs both dates: FROM and TO")
        if diff is not None:
            if as_of is not None:
                raise UsageError("give either as_of or diff, not both")
            diff_from, as_of = parse_user_date(diff[0], "FROM"), parse_user_date(diff[1], "TO")
        elif as_of is not None:
            as_of = parse_user_date(as_of)
        if name is not None and focus is not None:
            raise UsageError("give either a name (its lineage) or a focus, not both")
        result = make_figure(self.store, root=self.resolve(name) if name else None,
                             focus=self.resolve(focus) if focus else None, depth=depth,
                             as_of=as_of, diff_from=diff_from, labels=labels, fmt=fmt, dpi=dpi)
        if output is not None:
            result.path = write_figure(output, result.data)
        return result

    def validate(self, files: Sequence[str | Path] = ()) -> ValidationReport:
        """SHACL shapes and graph checks over everything loaded, plus `files` (which are
        checked together with the graph in a scratch copy: the store is left as it was)."""
        if not files:
            return validate_store(self.store, self.graph_names)
        scratch = LocalStore.open("memory")
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
        from .curation.audit import audit_state

        info.facts, info.audited, info.verdicts = audit_state(self.store)
        if validate:
            info.conforms, info.violations, info.warnings = self._validation_state()
        info.query_barrier = self.query_barrier()
        return info

    def query_barrier(self) -> str:
        """Which barrier below the guard keeps a user's query off the network: 'network
        namespace + seccomp', one of them, or 'guard only'."""
        from .sparql import sandbox

        return sandbox.describe(self._query_engine().barriers(self.store))

    def queries_refused_by_strict_sandbox(self) -> bool:
        """Whether `strict_sandbox` refuses every user query here (no barrier below the guard)."""
        return self.strict_sandbox and not self._query_engine().barriers(self.store)

    def _validation_state(self) -> tuple[bool, int, int]:
        """(conforms, violations, warnings); for the untouched bundled graph in memory, taken
        from the cache of an earlier identical check."""
        from .graph import validation_cache

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
        from .graph.search import institution_refs
        from .sparql import Limits, run_query

        self._query_engine()
        result = run_query(self.store, sparql, Limits(timeout, max_rows, memory_mb), bindings,
                           strict=self.strict_sandbox)
        result.labeller = lambda iris: institution_refs(self.store, iris, any_node=True)
        return result

    @staticmethod
    def canned_queries() -> dict[str, CannedQuery]:
        """The canned queries shipped with the package, by name (no store needed)."""
        from .sparql import canned

        return canned.load_all()

    def run_canned(self, name: str, params: Mapping[str, str] | None = None,
                   **limits) -> QueryResult:
        """Run a canned query with parameters (names resolved like `show` does); its list
        cells (sources, units, ...) come back with their parts sorted, the same on every store."""
        from .sparql import canned

        query = canned.get(name, portable=not self.store.speaks_lateral)
        result = self.query(query.text, bindings=self._bind_params(query, params or {}), **limits)
        return canned.tidy(query, result)

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
                raise UsageError(f"parameter {param.name}: {value!r} is not an IRI or "
                                 "prefixed name")
            return URIRef(iri)
        if param.type == "year":
            if not (len(value) == 4 and value.isdigit()):
                raise UsageError(f"parameter {param.name}: {value!r} is not a year (YYYY)")
            return Literal(value, datatype=XSD.gYear)
        return Literal(value)

    # -- for the served query page ----------------------------------------------------------
    def canned_query(self, name: str) -> CannedQuery:
        """A canned query in the form this store runs (its portable form on engines without
        LATERAL), so a page can show the text that will really be evaluated."""
        from .sparql import canned

        return canned.get(name, portable=not self.store.speaks_lateral)

    def canned_bindings(self, name: str, params: Mapping[str, str]) -> dict[str, Node]:
        """The terms a canned query's parameters stand for (institutions resolved like `show`),
        to run its text, or an edited copy of it, with `query(text, bindings=...)`."""
        return self._bind_params(self.canned_query(name), params)

    def tidy_canned(self, name: str, result: QueryResult) -> QueryResult:
        """An answer to a canned query's text (edited or not) with its list cells (sources,
        ...) sorted and IRIs among them shortened, as `run_canned` gives them."""
        from .sparql import canned

        return canned.tidy(self.canned_query(name), result)

    def institution_refs(self, iris: Iterable[str]) -> dict[str, InstitutionRef]:
        """The institutions among these IRIs, with English and Chinese labels (others left out)."""
        from .graph.search import institution_refs

        return institution_refs(self.store, iris)

    # -- curation --------------------------------------------------------------------------
    @staticmethod
    def list_source(url: str = "", title: str = "", publisher: str = "",
                    date: str = "") -> "ListSource":
        """The source of a list whose rows name none (for `reconcile`)."""
        from .curation.lists import ListSource

        return ListSource(url, title, publisher, date)

    @staticmethod
    def audit_sheet(items, fmt: str = "csv", seed: int | None = None) -> bytes:
        """An audit sample (from `audit`) as the CSV or HTML sheet reviewers fill in."""
        from .curation import audit as sheets

        return sheets.to_csv(items) if fmt == "csv" else sheets.to_html(items, seed)

    def reconcile(self, list_file: str | Path, source: "ListSource | None" = None,
                  status: str = "") -> "Review":
        """Match a list of institutions (CSV, XLSX or YAML) against the graph: one review row
        per list row (matched, new or ambiguous; units resolved; lineage links proposed).
        `source` is the list's source when its rows carry none; `status` what the list says
        about its entries (e.g. "approved"), used for proposed events. Nothing is written
        into the graph: import the review file once a curator has accepted rows."""
        from .curation.lists import read_list
        from .curation.reconcile import reconcile, review_rows

        listing = read_list(list_file, source)
        if status:
            Status.coerce(status)  # a ValueError naming the accepted statuses
        rows = review_rows(reconcile(self.store, listing, status), listing, status)
        return Review(str(list_file), rows, listing.unknown_columns)

    def link(self, registry: str, dump_file: str | Path, dump_date: str = "") -> "Review":
        """Propose skos:exactMatch links from a registry dump ("ror": a ROR data dump, .json
        or .zip; "wikidata": a query-service export or entity-dump slice) as review rows."""
        from .curation import link

        if dump_date and parse_user_date(dump_date) and len(dump_date) != 10:
            raise UsageError("dump_date: give the day, YYYY-MM-DD")
        readers = {"ror": link.read_ror, "wikidata": link.read_wikidata}
        if registry not in readers:
            raise UsageError(f"unknown registry {registry!r}; expected ror or wikidata")
        dump = readers[registry](dump_file, dump_date)
        return Review(str(dump_file), link.propose_links(self.store, dump), [])

    def audit(self, n: int = 25, seed: int = 1) -> list:
        """N sourced facts drawn at random with `seed` (the same graph and seed give the same
        sample), each with a one-line claim and its sources (curation.audit.AuditItem)."""
        from .curation.audit import sample

        if n < 1:
            raise UsageError("-n must be 1 or more")
        return sample(self.store, n, seed)

    def record_audit(self, sheet: str | Path, dry_run: bool = False) -> "ImportReport":
        """Store a reviewed audit sheet's verdicts as lin:AuditVerdict data, all-or-nothing,
        in a named graph of its own (graph/audit/<file name>)."""
        from .curation import reader_for
        from .curation.audit import audit_quads
        from .ingest import import_files

        path = Path(sheet)
        try:
            head = path.read_bytes()[:65536]
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
        if reader_for(head) is not audit_quads:
            raise InputError("not an audit sheet: the header must start with fact and hold claim "
                             "and verdict (as `lineage audit` writes it)", file=str(path))
        report = import_files(self.store, [path], dry_run=dry_run, graph_prefix="audit",
                              csv_readers=(reader_for,))
        if not dry_run:
            self.graph_names.update({g: f"audit {path.name}" for g in report.graphs.values()})
        return report


def _check_depth(depth: int | None) -> None:
    """A hop count must be 0 or more."""
    if depth is not None and depth < 0:
        raise BadValueError(f"depth must be 0 or more, not {depth}")


class Review:
    """What reconcile or link proposes: review rows (curation.review.COLUMNS) to write as CSV
    (to_csv) and HTML (to_html) for a curator, and the list's columns that were not used."""

    def __init__(self, file: str, rows: list[dict], unknown_columns: list[str]):
        self.file, self.rows, self.unknown_columns = file, rows, unknown_columns

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.rows:
            found[row["outcome"]] = found.get(row["outcome"], 0) + 1
        proposals = sum(1 for row in self.rows if row.get("proposal"))
        return {**dict(sorted(found.items())), "proposed events": proposals}

    def to_csv(self) -> bytes:
        from .curation.review import to_csv

        return to_csv(self.rows)

    def to_html(self) -> bytes:
        from .curation.review import to_html

        return to_html(self.rows, f"Review of {Path(self.file).name}")
