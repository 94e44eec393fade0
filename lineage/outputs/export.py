"""Export the graph for other tools: RDF (ttl, trig, nt, jsonld), Gephi (gexf), GraphML, CSV.

Outputs are deterministic (same graph, same bytes), so exports diff cleanly; files are
written atomically by the caller (lineage.atomic).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import networkx as nx
import pyoxigraph as ox

from ..graph.existence import happened_by, membership_began_by, not_yet, started_by
from ..namespaces import DERIVED_GRAPH, ONTOLOGY_GRAPH, PREFIXES, shorten
from ..analysis.network import project_whole
from ..store.local import Store

RDF_FORMATS = ("ttl", "trig", "nt", "nq", "jsonld")
NETWORK_FORMATS = ("gexf", "graphml", "csv")
FORMATS = RDF_FORMATS + NETWORK_FORMATS


@dataclass(frozen=True)
class Selection:
    """Which named graphs go out: the data always; derived edges and ontology on request."""

    include_derived: bool = False
    include_ontology: bool = False
    as_of: str | None = None  # leave out what the existence rule places after this date

    def graphs(self, store: Store) -> list[str]:
        skip = set()
        if not self.include_derived:
            skip.add(str(DERIVED_GRAPH))
        if not self.include_ontology:
            skip.add(str(ONTOLOGY_GRAPH))
        return [g for g in store.graphs() if g not in skip]


def _quads(store: Store, graphs: list[str], as_of: str | None = None) -> list:
    """The quads of the graphs; as of a date, without those about or pointing at later things."""
    quads = store.quads(graphs)
    if as_of is None:
        return quads
    later = not_yet(store, as_of)
    return [q for q in quads if q.subject.value not in later
            and not (isinstance(q.object, ox.NamedNode) and q.object.value in later)]


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(line for line in data.split(b"\n") if line.strip()))
    return b"\n".join(lines) + (b"\n" if lines else b"")


def to_ntriples(store: Store, selection: Selection = Selection()) -> bytes:
    """Sorted, de-duplicated N-Triples of the selected graphs (their union)."""
    triples = (ox.Triple(q.subject, q.predicate, q.object)
               for q in _quads(store, selection.graphs(store), selection.as_of))
    return _sorted_lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")


def to_nquads(store: Store, selection: Selection = Selection()) -> bytes:
    """Sorted N-Quads: each triple in its named graph."""
    return _sorted_lines(ox.serialize(_quads(store, selection.graphs(store), selection.as_of),
                                      format=ox.RdfFormat.N_QUADS) or b"")


def to_turtle(store: Store, selection: Selection = Selection()) -> bytes:
    """Turtle of the selected graphs' union, sorted, every literal kept as written."""
    triples = ox.parse(to_ntriples(store, selection), format=ox.RdfFormat.N_TRIPLES)
    return _with_prefixes(triples, ox.RdfFormat.TURTLE)


def to_trig(store: Store, selection: Selection = Selection()) -> bytes:
    """TriG: the prefixes once, then each named graph (sorted by IRI) with its sorted triples."""
    quads = []
    for name in sorted(selection.graphs(store)):
        triples = (ox.Triple(q.subject, q.predicate, q.object)
                   for q in _quads(store, [name], selection.as_of))
        data = _sorted_lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        graph = ox.NamedNode(name)
        quads.extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                     for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    return _with_prefixes(quads, ox.RdfFormat.TRIG)


def _with_prefixes(items, fmt: ox.RdfFormat) -> bytes:
    """Serialise with the project prefixes, declared once in sorted order (the engine keeps
    every literal's lexical form, e.g. "191"^^xsd:decimal, where rdflib wrote 191.0)."""
    body = ox.serialize(items, format=fmt, prefixes=PREFIXES) or b""
    lines = body.split(b"\n")
    while lines and lines[0].startswith(b"@prefix "):
        lines.pop(0)
    header = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in sorted(PREFIXES.items()))
    return header.encode("utf-8") + b"\n" + b"\n".join(lines)


def to_jsonld(store: Store, selection: Selection = Selection()) -> bytes:
    """JSON-LD with the project prefixes as its @context, nodes sorted by @id."""
    from rdflib import Graph

    graph = Graph()
    graph.parse(data=to_ntriples(store, selection).decode("utf-8"), format="nt")
    context = dict(sorted(PREFIXES.items()))
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = data.get("@graph", [data] if "@id" in data else [])
    nodes = [{k: _sorted_values(v) for k, v in node.items()} for node in nodes]
    nodes.sort(key=lambda n: n.get("@id", ""))
    document = {"@context": context, "@graph": nodes}
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _sorted_values(value):
    if isinstance(value, list):
        return sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _bind(graph) -> None:
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True)


# -- network formats --------------------------------------------------------------------------
def network_graph(store: Store, as_of: str | None = None) -> nx.MultiDiGraph:
    """Institutions (and units) as nodes; lineage events and memberships as edges, with their
    dates, statuses and sources as attributes; start/end dates for Gephi's timeline from the
    existence rule. As of a date, what the rule places later is left out."""
    net = project_whole(store, with_units=True)
    net.with_lifespans(store)
    graph = nx.MultiDiGraph(mode="dynamic")
    nodes = sorted(n for n in set(net.lineage.nodes) | set(net.units.nodes)
                   if as_of is None or started_by(net.spans.get(n), as_of))
    starts, ends = _start_dates(net), _end_dates(net)
    same_as = _exact_matches(store)
    for iri in nodes:
        data = net.lineage.nodes.get(iri) or net.units.nodes.get(iri, {})
        established = data.get("established")
        attrs = {"label": data.get("label_en") or data.get("label_zh") or shorten(iri),
                 "label_en": data.get("label_en") or "", "label_zh": data.get("label_zh") or "",
                 "type": ", ".join(shorten(t) for t in data.get("types", ())),
                 "established": str(established or ""),
                 "established_precision": established.precision if established else ""}
        attrs["same_as"] = "; ".join(same_as.get(iri, ()))
        if iri in starts:
            attrs["start"] = starts[iri]
        if iri in ends:
            attrs["end"] = ends[iri]
        graph.add_node(iri, **attrs)
    for u, v, key, event in sorted(net.lineage.edges(keys=True, data="event"), key=lambda e: e[:3]):
        if not _drawn(graph, u, v, event.date, as_of):
            continue
        timing = {"start": _full_date(event.date.lexical)} if event.date else {}
        graph.add_edge(u, v, key=key, kind="event", relation=shorten(event.event_type), **timing,
                       status=shorten(event.status or ""), pending=str(event.pending).lower(),
                       date=str(event.date or ""),
                       date_precision=event.date.precision if event.date else "",
                       sources="; ".join(s.url or s.title for s in event.sources))
    for u, v, key, data in sorted(net.units.edges(keys=True, data=True), key=lambda e: e[:3]):
        if not (_drawn(graph, u, v, None, as_of)
                and (as_of is None or membership_began_by(data.get("start"), as_of))):
            continue
        graph.add_edge(u, v, key=key, kind="membership", **_membership_timing(data), relation=shorten(data["role"]),
                       status="", pending="false", date=str(data.get("start") or ""),
                       date_precision=data["start"].precision if data.get("start") else "",
                       sources="; ".join(s.url or s.title for s in data.get("sources", ())))
    return graph


def _exact_matches(store: Store) -> dict[str, list[str]]:
    """Each institution's skos:exactMatch links (ROR, Wikidata), sorted, for the node tables."""
    found: dict[str, list[str]] = {}
    for iri, match in store.select_plain("SELECT ?i ?m WHERE { ?i skos:exactMatch ?m }"):
        found.setdefault(str(iri), []).append(str(match))
    return {iri: sorted(set(matches)) for iri, matches in found.items()}


def _drawn(graph: nx.MultiDiGraph, u: str, v: str, date, as_of: str | None) -> bool:
    """An edge goes out when both ends do and, as of a date, it is undated or not later."""
    return u in graph and v in graph and (as_of is None or date is None
                                          or happened_by(date, as_of))


def _membership_timing(data: dict) -> dict:
    """Gephi start/end of a membership edge: its lin:from and lin:until."""
    timing = {}
    if data.get("start"):
        timing["start"] = _full_date(data["start"].lexical)
    if data.get("end"):
        timing["end"] = _full_date(data["end"].lexical)
    return timing


def _full_date(lexical: str) -> str:
    """Gephi's timeline needs whole dates: a year or month is placed at its first day
    (the `established_precision` attribute keeps the real precision)."""
    return (lexical + "-01-01")[:10] if len(lexical) == 4 else (lexical + "-01")[:10]


def _start_dates(net) -> dict[str, str]:
    """When an institution appears on Gephi's timeline: its start by the existence rule;
    undated institutions get none (Gephi shows them throughout)."""
    return {iri: _full_date(span.start.date.lexical) for iri, span in net.spans.items()
            if span.start is not None}


def _end_dates(net) -> dict[str, str]:
    """When it leaves Gephi's timeline: its end by the existence rule (converted, merged,
    renamed or dissolved away, approved or completed)."""
    return {iri: _full_date(span.end.date.lexical) for iri, span in net.spans.items()
            if span.end is not None}


#: Characters XML 1.0 cannot carry at all (not even escaped): most C0 controls, U+FFFE/FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(value):
    """A string attribute with the characters XML cannot carry dropped; other values as they are."""
    return _XML_ILLEGAL.sub("", value) if isinstance(value, str) else value


def _xml_safe(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of the network whose string attributes are all legal in XML."""
    safe = nx.MultiDiGraph(**graph.graph)
    for node, data in graph.nodes(data=True):
        safe.add_node(node, **{k: _xml_text(v) for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        safe.add_edge(u, v, key=key, **{k: _xml_text(v) for k, v in data.items()})
    return safe


def to_gexf(store: Store, as_of: str | None = None) -> bytes:
    """GEXF 1.2 for Gephi; each edge carries the IRI of its event or membership as `iri`."""
    out = io.BytesIO()
    nx.write_gexf(_xml_safe(network_graph(store, as_of)), out, encoding="utf-8", prettyprint=True)
    data = out.getvalue()
    # networkx stamps today's date in <meta>; drop it so the same graph gives the same bytes
    data = re.sub(rb' lastmodifieddate="[^"]*"', b"", data)
    # the schema has no name attribute on <graph>, and the multigraph key is the edge's IRI
    data = re.sub(rb'(<graph [^>]*?) name=""', rb"\1", data, count=1)
    return data.replace(b'title="networkx_key"', b'title="iri"', 1)


def to_graphml(store: Store, as_of: str | None = None) -> bytes:
    graph = _xml_safe(network_graph(store, as_of))
    for _, data in graph.nodes(data=True):
        data.pop("start", None), data.pop("end", None)
    for _, _, data in graph.edges(data=True):
        data.pop("start", None), data.pop("end", None)
    out = io.BytesIO()
    nx.write_graphml(graph, out, encoding="utf-8", prettyprint=True)
    return out.getvalue()


NODE_COLUMNS = ("id", "label_en", "label_zh", "type", "established", "established_precision",
                "same_as")
EDGE_COLUMNS = ("source", "target", "kind", "relation", "status", "pending", "date",
                "date_precision", "id", "sources")


#: First characters that make a spreadsheet evaluate a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would evaluate, prefixed with ' so it is shown as text."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def to_csv_files(store: Store, as_of: str | None = None, raw_cells: bool = False,
                 bom: bool = True) -> dict[str, bytes]:
    """nodes.csv and edges.csv: UTF-8 (with a BOM unless bom=False, so spreadsheets read the
    Chinese names); cells that a spreadsheet would evaluate start with ' unless raw_cells."""
    graph = network_graph(store, as_of)
    cell = str if raw_cells else neutralise
    nodes = [NODE_COLUMNS] + [[iri] + [data.get(c, "") for c in NODE_COLUMNS[1:]]
                              for iri, data in graph.nodes(data=True)]
    edges = [EDGE_COLUMNS] + [[u, v, data["kind"], data["relation"], data["status"],
                               data["pending"], data["date"], data["date_precision"], key,
                               data["sources"]]
                              for u, v, key, data in graph.edges(keys=True, data=True)]
    encoding = "utf-8-sig" if bom else "utf-8"
    return {"nodes.csv": _csv_text(nodes, cell).encode(encoding),
            "edges.csv": _csv_text(edges, cell).encode(encoding)}


def _csv_text(rows: list, cell) -> str:
    """Rows as CSV text (CRLF line ends, as spreadsheets expect), each cell passed through `cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(str(value)) for value in row])
    return out.getvalue()


def export_bytes(store: Store, fmt: str, selection: Selection = Selection()) -> bytes:
    """One single-file export format as bytes. N-Quads is the dump a SPARQL server loads, so it
    always holds everything: the ontology and the derived shortcut edges too."""
    if fmt == "nq":
        return to_nquads(store, Selection(include_derived=True, include_ontology=True,
                                          as_of=selection.as_of))
    writers = {"ttl": to_turtle, "trig": to_trig, "nt": to_ntriples, "jsonld": to_jsonld}
    if fmt in writers:
        return writers[fmt](store, selection)
    return {"gexf": to_gexf, "graphml": to_graphml}[fmt](store, selection.as_of)
