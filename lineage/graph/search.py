"""Find institutions by name: resolve one (exact IRI, exact label, acronym) or search by text."""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDFS, SKOS

from ..errors import AmbiguousNameError, NotFoundError
from ..labels import LabelChooser, english_and_chinese
from ..model import InstitutionRef, SearchHit
from ..namespaces import LIN, expand
from ..store.local import Store
from .classes import among, most_specific, superclasses

#: Every name under one property ({prop}: rdfs:label or skos:altLabel) in the graph;
#: institutions are picked out in Python (joining with their types here gave a row per
#: type, and the closure gives each several).
_NAMES = "SELECT ?i ?name WHERE {{ ?i {prop} ?name }}"
_NAME_PROPERTIES = (RDFS.label, SKOS.altLabel)

# {types} is `FILTER(?t IN (...))`: the institution classes (lineage.graph.classes.among).
#: Every institution type of each institution; the most specific are kept in Python.
_TYPES = """
SELECT DISTINCT ?i ?t WHERE {{
  ?i a ?t . {types}
}}"""


_EXACT = """
SELECT DISTINCT ?i WHERE {{
  VALUES ?name {{ {names} }}
  ?i {prop} ?name . ?i a ?t . {types}
}}"""

_ONE = """
SELECT ?label ?t WHERE {{
  {{ <{iri}> rdfs:label ?label }}
  UNION {{ <{iri}> a ?t . {types} }}
}}"""


def _institution_types(store: Store) -> str:
    return among(store, "t", LIN.Institution)


def institution_names(store: Store, plain: bool = False):
    """(types, names) of every institution: its stated and derived institution types by IRI,
    and one (iri, property, name) row per label and alternative label (rdflib terms, or
    plain strings and PlainLiterals with `plain`)."""
    select = store.select_plain if plain else store.select
    types: dict[str, set[str]] = defaultdict(set)
    for iri, type_ in select(_TYPES.format(types=_institution_types(store))):
        types[str(iri)].add(str(type_))
    names = []
    for prop in _NAME_PROPERTIES:
        term = str(prop) if plain else prop
        names += [(iri, term, name) for iri, name in select(_NAMES.format(prop=prop.n3()))
                  if str(iri) in types]
    return types, names


def _literal_forms(name: str) -> str:
    text = name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{text}" "{text}"@en "{text}"@zh'


def institution_ref(store: Store, iri: str) -> InstitutionRef | None:
    """One institution's identity by IRI (None when the IRI is not an institution)."""
    labels, types = [], set()
    for label, type_ in store.select(_ONE.format(iri=iri, types=_institution_types(store))):
        if type_ is not None:
            types.add(str(type_))
        elif label is not None:
            labels.append(label)
    en, zh = english_and_chinese(labels)
    specific = most_specific(types, superclasses(store))
    return InstitutionRef(iri, en, zh, tuple(sorted(specific))) if types else None


#: IRIs per look-up in institution_refs (a VALUES block a remote server's URL limit admits).
_REFS_CHUNK = 500
_IRI_UNSAFE = set('<>"{}|^`\\ ')

_REF_LABELS = """
SELECT ?i ?label WHERE {{ VALUES ?i {{ {iris} }} ?i rdfs:label ?label }}"""
_REF_TYPES = """
SELECT ?i ?t WHERE {{ VALUES ?i {{ {iris} }} ?i a ?t . {types} }}"""


def institution_refs(store: Store, iris, any_node: bool = False) -> dict[str, InstitutionRef]:
    """Labels (English, Chinese) and most specific types of these IRIs, looked up for them
    alone, many at once (a result table or a diff costs no index of every name). Only the
    institutions among them are returned; with `any_node`, every IRI asked for, whatever it
    is (a query result's cells, a diff's parties)."""
    asked = {str(i) for i in iris}
    wanted = sorted(i for i in asked if not (_IRI_UNSAFE & set(i)) and not any(ord(c) < 0x20 for c in i))
    types: dict[str, set[str]] = defaultdict(set)
    chosen = LabelChooser()
    types_filter = "" if any_node else _institution_types(store)
    for start in range(0, len(wanted), _REFS_CHUNK):
        chunk = wanted[start:start + _REFS_CHUNK]
        values = " ".join(f"<{i}>" for i in chunk)
        for iri, type_ in store.select_plain(_REF_TYPES.format(iris=values, types=types_filter)):
            types[iri].add(type_)
        named = " ".join(f"<{i}>" for i in chunk if any_node or i in types)
        if named:
            for iri, label in store.select_plain(_REF_LABELS.format(iris=named)):
                chosen.add(iri, label)
    supers = superclasses(store) if types else {}
    return {iri: InstitutionRef(iri, chosen.english(iri), chosen.chinese(iri),
                                tuple(sorted(most_specific(types.get(iri, ()), supers))))
            for iri in sorted(asked if any_node else types)}


def resolve_fast(store: Store, name: str) -> InstitutionRef | None:
    """Resolve by index lookups only (IRI, exact label, exact acronym); None when a scan is
    needed (no exact match, other language tags, width or case variants)."""
    iri = expand(name) or name
    if iri.startswith(("http://", "https://")):
        return institution_ref(store, iri)
    for prop in ("rdfs:label", "skos:altLabel"):
        found = [str(i) for (i,) in store.select(_EXACT.format(names=_literal_forms(name), prop=prop,
                                                                   types=_institution_types(store)))]
        if len(found) == 1:
            return institution_ref(store, found[0])
        if len(found) > 1:
            refs = [institution_ref(store, i) for i in sorted(found)]
            raise AmbiguousNameError(name, [(r.iri, r.both_labels()) for r in refs if r])
    return None


def normalise(text: str) -> str:
    """A match key: width-folded (NFKC), case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class NameIndex:
    """Every institution's labels and alternative labels, with match keys."""

    refs: dict[str, InstitutionRef]
    labels: dict[str, list[str]]  # iri -> rdfs:labels (any language)
    alt_labels: dict[str, list[str]]  # iri -> skos:altLabels

    @classmethod
    def build(cls, store: Store) -> NameIndex:
        labels: dict[str, list[str]] = defaultdict(list)
        alts: dict[str, list[str]] = defaultdict(list)
        chosen = LabelChooser()
        types, names = institution_names(store)
        for iri, prop, name in names:
            key = str(iri)
            if prop == RDFS.label:
                labels[key].append(str(name))
                chosen.add(key, name)
            elif prop == SKOS.altLabel:
                alts[key].append(str(name))
        supers = superclasses(store)
        iris = set(labels) | set(alts) | set(types)
        refs = {i: InstitutionRef(i, chosen.english(i), chosen.chinese(i),
                                  tuple(sorted(most_specific(types.get(i, ()), supers))))
                for i in iris}
        return cls(refs, dict(labels), dict(alts))

    def resolve(self, name: str) -> InstitutionRef:
        """One institution by exact IRI, then exact label (any language), then acronym."""
        iri = expand(name) or name
        if iri in self.refs:
            return self.refs[iri]
        for table in (self.labels, self.alt_labels):
            found = self._exact(table, name) or self._exact(table, name, key=normalise)
            if len(found) == 1:
                return self.refs[found[0]]
            if len(found) > 1:
                raise AmbiguousNameError(name, [(i, self.refs[i].both_labels()) for i in found])
        raise NotFoundError(name, self.suggest(name))

    @staticmethod
    def _exact(table: dict[str, list[str]], name: str, key=lambda s: s) -> list[str]:
        wanted = key(name)
        return sorted(i for i, names in table.items() if any(key(n) == wanted for n in names))

    def search(self, text: str) -> list[SearchHit]:
        """Institutions any of whose labels contains the text (width- and case-insensitive)."""
        needle = normalise(text)
        hits = []
        for iri, ref in self.refs.items():
            names = self.labels.get(iri, []) + self.alt_labels.get(iri, [])
            matched = next((n for n in names if needle in normalise(n)), None)
            if matched is not None:
                hits.append(SearchHit(ref, matched))
        return sorted(hits, key=lambda h: (h.institution.label.casefold(), h.institution.iri))

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Close matches for a 'did you mean' hint: substring hits first, then similar labels."""
        by_key: dict[str, str] = {}
        for iri in self.refs:
            for n in self.labels.get(iri, []) + self.alt_labels.get(iri, []):
                by_key.setdefault(normalise(n), n)
        needle = normalise(name)
        contained = [n for k, n in by_key.items() if needle and (needle in k or k in needle)]
        similar = [by_key[k] for k in difflib.get_close_matches(needle, list(by_key), n=limit, cutoff=0.6)]
        return list(dict.fromkeys(contained + similar))[:limit]

    def ref(self, iri: URIRef | str) -> InstitutionRef:
        """The reference for any IRI (a bare reference if it is not a known institution)."""
        return self.refs.get(str(iri)) or InstitutionRef(str(iri), None, None)
