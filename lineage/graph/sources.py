"""Sources as cited: resolve source nodes, and the sources each node cites, to SourceRefs."""

from __future__ import annotations

from collections.abc import Iterable

from ..model import DateValue, SourceRef
from ..namespaces import shorten
from ..store.local import Store

_DESCRIBE = """
SELECT ?s ?title ?publisher ?date ?url ?viaTitle ?descriptive ?confidence WHERE {{
  VALUES ?s {{ {values} }}
  OPTIONAL {{ ?s dcterms:title ?title }}
  OPTIONAL {{ ?s dcterms:publisher ?publisher }}
  OPTIONAL {{ ?s dcterms:date ?date }}
  OPTIONAL {{ ?s schema:url ?url }}
  OPTIONAL {{ ?s lin:citedVia/dcterms:title ?viaTitle }}
  OPTIONAL {{ ?s lin:titleIsDescriptive ?descriptive }}
  OPTIONAL {{ ?s lin:confidence ?confidence }}
}}"""

_CITES = "SELECT ?n ?s WHERE {{ VALUES ?n {{ {values} }} ?n dcterms:source ?s }}"
_ALL_CITES = "SELECT ?n ?s WHERE { ?n dcterms:source ?s }"

CHUNK = 2000


def values(iris: Iterable) -> str:
    """A SPARQL VALUES body for IRIs, deduplicated and in a stable order."""
    return " ".join(f"<{i}>" for i in sorted({str(i) for i in iris}))


def chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def source_refs(store: Store, iris: Iterable) -> dict[str, SourceRef]:
    """SourceRefs for source IRIs (a source with two titles or dates keeps one; validate flags it)."""
    found: dict[str, SourceRef] = {}
    for chunk in chunks(sorted({str(i) for i in iris})):
        for r in store.select_plain(_DESCRIBE.format(values=values(chunk))).bindings():
            iri = str(r["s"])
            if iri not in found:
                found[iri] = SourceRef(
                    iri=iri, title=str(r.get("title", shorten(iri))),
                    publisher=str(r["publisher"]) if "publisher" in r else None,
                    date=DateValue.from_literal(r.get("date")),
                    url=str(r["url"]) if "url" in r else None,
                    cited_via=str(r["viaTitle"]) if "viaTitle" in r else None,
                    title_is_descriptive=str(r.get("descriptive", "false")) in ("true", "1"),
                    confidence=shorten(str(r["confidence"])) if "confidence" in r else None,
                )
    return found


def citations(store: Store, nodes: Iterable) -> dict[str, list[SourceRef]]:
    """The sources each node cites, sorted by date then title (all_citations reads a whole
    graph's at once)."""
    wanted = {str(n) for n in nodes}
    pairs = [(n, s) for chunk in chunks(sorted(wanted))
             for n, s in store.select_plain(_CITES.format(values=values(chunk)))]
    return _cited(store, pairs)


def all_citations(store: Store) -> dict[str, list[SourceRef]]:
    """The sources every node of the graph cites (as citations gives them)."""
    return _cited(store, list(store.select_plain(_ALL_CITES)))


def _cited(store: Store, pairs: list[tuple]) -> dict[str, list[SourceRef]]:
    """Each node's sources (by date, title, then IRI); read by node, so in no node order."""
    by_node: dict[str, list[str]] = {}
    for node, source in pairs:
        if node in by_node:
            by_node[node].append(source)
        else:
            by_node[node] = [source]
    refs = source_refs(store, {s for sources in by_node.values() for s in sources})
    cited: dict[str, list[SourceRef]] = {}
    for node, sources in by_node.items():
        if len(sources) == 1:  # most nodes: nothing to order
            cited[node] = [refs[sources[0]]]
        else:
            cited[node] = sorted((refs[s] for s in sorted(set(sources))),
                                 key=lambda s: (str(s.date or ""), s.title))
    return cited
