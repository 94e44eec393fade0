"""Rows whose identifier names a thing already in the store with different content.

An `id` (or a name, for institutions) is scoped to the import that uses it: when the IRI it
mints already names a node in another graph and the two disagree on what identifies the node
(a source's title or URL, an institution's names, an event's type, date or status, ...), the
import is refused with both values, instead of merging two different things into one node.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS

from ..namespaces import DERIVED_GRAPH, LIN, SCHEMA
from ..store.local import Store
from .mapping import COLUMNS, Minted
from .problems import Problem

#: Per kind, the predicates on which a reused identifier must agree with the store.
IDENTIFYING = {
    "sources": (DCTERMS.title, SCHEMA.url, DCTERMS.date, DCTERMS.publisher),
    "institutions": (RDFS.label,),
    "events": (RDF.type, DCTERMS.date, LIN.status),
    "memberships": (ORG.member, ORG.organization, ORG.role),
    "observations": (LIN.indicator, LIN.refPeriod, LIN.value),
}
_CHUNK = 500


def check_reused_ids(store: Store, rows: list[tuple[Minted, list[tuple]]],
                     replacing: set[str], problems: list[Problem]) -> None:
    """Add a problem for each row whose IRI already names something different in the store."""
    wanted = {m.iri: (m, triples) for m, triples in rows if m.row.kind in IDENTIFYING}
    existing = _existing_values(store, sorted(wanted), replacing | {str(DERIVED_GRAPH)})
    for iri, found in existing.items():
        m, triples = wanted[iri]
        for predicate in IDENTIFYING[m.row.kind]:
            mine = {o for _, p, o in triples if p == predicate}
            problem = _disagreement(m, predicate, mine, found.get(predicate, set()))
            if problem:
                problems.append(problem)
                break


def _existing_values(store: Store, iris: list[URIRef], skip: set[str]) -> dict:
    """iri -> predicate -> values the store holds for it outside the `skip` graphs."""
    predicates = " ".join(f"<{p}>" for ps in IDENTIFYING.values() for p in ps)
    found: dict = defaultdict(lambda: defaultdict(set))
    for i in range(0, len(iris), _CHUNK):
        values = " ".join(f"<{iri}>" for iri in iris[i:i + _CHUNK])
        query = f"""SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {predicates} }}
                    GRAPH ?g {{ ?s ?p ?o }} }}"""
        for s, p, o, g in store.select(query):
            if str(g) not in skip:
                found[s][p].add(o)
    return found


def _disagreement(m: Minted, predicate: URIRef, mine: set, theirs: set) -> Problem | None:
    """A problem when the row and the store give different values (per language for labels)."""
    if not mine or not theirs:
        return None
    for language in {_language(v) for v in mine}:
        new = sorted(str(v) for v in mine if _language(v) == language)
        old = sorted(str(v) for v in theirs if _language(v) == language)
        if old and new != old:
            column = _column(m.row.kind, predicate, language)
            return Problem(m.row.file, f"its identifier {m.iri} already names a different "
                                       f"{m.row.kind[:-1]} in the store, with {column} "
                                       f"{'; '.join(old)!r} where this row has {'; '.join(new)!r}: "
                                       "give the row an id (or `iri`) of its own if it is another "
                                       "thing, or the same values if it is the same",
                           row=m.row.lines.get(column, m.row.number), column=column)
    return None


def _language(value) -> str | None:
    return value.language if isinstance(value, Literal) else None


def _column(kind: str, predicate: URIRef, language: str | None) -> str:
    """The column of `kind` that fills `predicate` (name_en or name_zh for labels)."""
    if predicate == RDFS.label and kind == "institutions":
        return "name_zh" if language == "zh" else "name_en"
    return next((c.name for c in COLUMNS[kind] if c.predicate == predicate), str(predicate))
