"""Turn spreadsheet/YAML rows into RDF following the data model (docs/architecture.md), with IRIs minted by its slug
rules and references resolved by IRI, prefixed name, `id` of a row, or exact label.

The columns of each kind are declared once (COLUMNS) and documented from the same table.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, QB, RDF, RDFS, SKOS, XSD

from ..namespaces import EVENT, INST, LIN, OBS, REL, SCHEMA, SRC, expand
from ..store.local import Store
from .problems import Problem
from .tabular import Row

_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, text_en, text_auto, date, year, decimal, bool, url, iris, ref, refs, class, concept
    predicate: URIRef | None
    required: bool = False
    target: str = ""  # for class: the base class; for concept: the scheme; for ref: allowed kinds
    help: str = ""


def _c(*args, **kwargs) -> Column:
    return Column(*args, **kwargs)


COLUMNS: dict[str, list[Column]] = {
    "sources": [
        _c("id", "key", None, help="your key for this row, used by other rows' references"),
        _c("title", "text_auto", DCTERMS.title, True, help="title as published"),
        _c("publisher", "text", DCTERMS.publisher),
        _c("date", "date", DCTERMS.date, help="YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source"),
        _c("url", "url", SCHEMA.url, help="http(s) address where public"),
        _c("language", "text", DCTERMS.language, help="e.g. zh, en"),
        _c("cited_via", "ref", LIN.citedVia, target="sources", help="the source through which you know it"),
        _c("title_is_descriptive", "bool", LIN.titleIsDescriptive, help="true when the title is yours"),
        _c("confidence", "concept", LIN.confidence, target="ConfidenceScheme", help="High, Medium or Low"),
        _c("comment", "text_en", RDFS.comment),
    ],
    "institutions": [
        _c("id", "key", None, help="your key for this row"),
        _c("type", "class", RDF.type, True, target="Institution",
           help="NETRC, NTIC, NERC, NEL, University, Enterprise, ResearchInstitute, GovernmentBody, ..."),
        _c("name_en", "text_en", RDFS.label, True, help="English name"),
        _c("name_zh", "text_zh", RDFS.label, True, help="Chinese name, as a source gives it"),
        _c("name_en_is_translation", "bool", LIN.labelIsTranslation,
           help="true when the English name is your own translation, false when a source prints it"),
        _c("name_en_sources", "refs", LIN.englishLabelSource, target="sources",
           help="sources that print the English name (needed when name_en_is_translation is false)"),
        _c("alt_names", "text_auto", SKOS.altLabel, help="acronyms and former names, ';'-separated"),
        _c("established", "date", LIN.established),
        _c("exact_match", "iris", SKOS.exactMatch, help="ROR or Wikidata IRIs, ';'-separated"),
        _c("sources", "refs", DCTERMS.source, True, target="sources"),
        _c("name_sources", "refs", LIN.labelSource, target="sources", help="sources giving the names"),
        _c("confidence", "concept", LIN.confidence, target="ConfidenceScheme"),
        _c("comment", "text_en", RDFS.comment),
    ],
    "events": [
        _c("id", "key", None),
        _c("type", "class", RDF.type, True, target="ChangeEvent",
           help="Conversion, Merger, Split, Establishment, Acceptance, Renaming, Dissolution"),
        _c("originals", "refs", ORG.originalOrganization, True, target="institutions"),
        _c("results", "refs", ORG.resultingOrganization, target="institutions"),
        _c("status", "concept", LIN.status, True, target="EventStatusScheme",
           help="Planned, Applied, InProgress, Approved, Completed, Rejected, Withdrawn"),
        _c("date", "date", DCTERMS.date, True),
        _c("status_as_of", "date", LIN.statusAsOf),
        _c("approved_by", "ref", PROV.wasAssociatedWith, target="institutions"),
        _c("mandated_by", "ref", LIN.mandatedBy, target="sources"),
        _c("sources", "refs", DCTERMS.source, True, target="sources"),
        _c("confidence", "concept", LIN.confidence, target="ConfidenceScheme"),
        _c("label", "text_en", RDFS.label),
        _c("comment", "text_en", RDFS.comment),
    ],
    "memberships": [
        _c("id", "key", None),
        _c("member", "ref", ORG.member, True, target="institutions"),
        _c("organization", "ref", ORG.organization, True, target="institutions"),
        _c("role", "concept", ORG.role, True, target="MembershipRoleScheme",
           help="SupportingUnit, ManagingUnit, CoBuilder, CommercializationPartner, LeadUnit, ..."),
        _c("from", "date", LIN["from"]),
        _c("until", "date", LIN.until),
        _c("sources", "refs", DCTERMS.source, True, target="sources"),
        _c("confidence", "concept", LIN.confidence, target="ConfidenceScheme"),
        _c("comment", "text_en", RDFS.comment),
    ],
    "observations": [
        _c("id", "key", None),
        _c("indicator", "concept", LIN.indicator, True, target="IndicatorScheme"),
        _c("population", "ref_or_class", LIN.population, target="institutions",
           help="what was counted: an institution or a class such as NETRC"),
        _c("period", "year", LIN.refPeriod, True, help="YYYY"),
        _c("value", "decimal", LIN.value, True),
        _c("unit", "concept", LIN.unit, target="UnitScheme"),
        _c("qualifier", "concept", LIN.valueQualifier, target="ValueQualifierScheme",
           help="Exact, AtLeast, MoreThan, Approximately"),
        _c("origin", "concept", LIN.origin, target="InnovationOriginScheme"),
        _c("field", "concept", LIN.researchField, target="ResearchFieldScheme"),
        _c("sources", "refs", DCTERMS.source, True, target="sources"),
        _c("confidence", "concept", LIN.confidence, target="ConfidenceScheme"),
        _c("label", "text_en", RDFS.label),
        _c("comment", "text_en", RDFS.comment),
    ],
}

_KIND_CLASS = {"sources": LIN.Source, "memberships": ORG.Membership, "observations": QB.Observation}
_NAMESPACE = {"sources": SRC, "institutions": INST, "events": EVENT, "memberships": REL,
              "observations": OBS}


def slugify(text: str) -> str:
    """Lowercase ASCII with hyphens : 'National Wheat ETRC' -> 'national-wheat-etrc'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class Vocabulary:
    """Names accepted in class and concept columns, read from the loaded ontology."""

    def __init__(self, store: Store):
        self.classes: dict[str, dict[str, URIRef]] = {}
        for base in ("Institution", "ChangeEvent"):
            rows = store.select(f"""SELECT ?c ?alt WHERE {{ ?c rdfs:subClassOf* lin:{base} .
                                    OPTIONAL {{ ?c skos:altLabel ?alt }} }}""")
            names: dict[str, URIRef] = {}
            for cls, alt in rows:
                names[str(cls).rsplit("#", 1)[-1].casefold()] = cls
                if alt is not None:
                    names[str(alt).casefold()] = cls
            self.classes[base] = names
        self.concepts: dict[str, dict[str, URIRef]] = {}
        for concept, scheme in store.select("SELECT ?c ?s WHERE { ?c skos:inScheme ?s }"):
            table = self.concepts.setdefault(str(scheme).rsplit("#", 1)[-1], {})
            table[str(concept).rsplit("#", 1)[-1].casefold()] = concept

    def lookup(self, kind: str, target: str, name: str) -> URIRef | None:
        table = (self.classes if kind == "class" else self.concepts).get(target, {})
        iri = expand(name)
        if iri:
            return next((v for v in table.values() if str(v) == iri), None)
        return table.get(name.strip().casefold())

    def accepted(self, kind: str, target: str) -> str:
        table = (self.classes if kind == "class" else self.concepts).get(target, {})
        return ", ".join(sorted({str(v).rsplit("#", 1)[-1] for v in table.values()}))


@dataclass
class Minted:
    """A row with its IRI (decided before references are resolved)."""

    row: Row
    iri: URIRef


def mint(rows: list[Row], problems: list[Problem]) -> list[Minted]:
    """Give every row an IRI from its `iri` column, its `id`, or its name (slug rules)."""
    minted, seen = [], {}
    for row in rows:
        iri = _row_iri(row)
        if iri is None:
            continue  # required-name problems are reported by the column checks
        if iri in seen and seen[iri].kind == row.kind and row.kind != "institutions":
            problems.append(Problem(row.file, f"same identifier as {seen[iri].file} row "
                                    f"{seen[iri].number}; give the rows distinct ids", row=row.number,
                                    column="id", value=str(iri).rsplit("/", 1)[-1]))
            continue
        seen[iri] = row
        minted.append(Minted(row, iri))
    return minted


def _row_iri(row: Row) -> URIRef | None:
    explicit = row.first("iri")
    if explicit:
        return URIRef(expand(explicit) or explicit)
    namespace = _NAMESPACE[row.kind]
    key = row.first("id")
    if row.kind == "institutions":
        name = row.first("name_en")
        return namespace[slugify(name)] if name and slugify(name) else None
    if key and slugify(key):
        return namespace[slugify(key)]
    if row.kind == "sources":
        title = row.first("title") or ""
        slug = slugify(title)[:80].strip("-")
        if slug:
            return namespace[slug]
        basis = (row.first("url") or title).encode("utf-8")
        return namespace["source-" + hashlib.sha1(basis).hexdigest()[:12]]
    basis = "|".join(f"{k}={';'.join(v)}" for k, v in sorted(row.values.items()))
    return namespace[f"{row.kind[:-1]}-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]]


class References:
    """Resolve a reference to an IRI: IRI, prefixed name, a row's id, or an exact label/title
    of a node of the expected kind (an institution, or a source) in this import or the store."""

    def __init__(self, minted: list[Minted], store: Store):
        self.by_key: dict[str, URIRef] = {}
        self.by_label: dict[str, set[tuple[URIRef, str]]] = {}
        for m in minted:
            key = m.row.first("id")
            if key:
                self.by_key[key] = m.iri
            for column in ("name_en", "name_zh", "title"):
                for value in m.row.values.get(column, []):
                    self.by_label.setdefault(value, set()).add((m.iri, m.row.kind))
        self.store = store

    def preload_labels(self, names: set[str]) -> None:
        """Look up, in one query, the store's institutions and sources named with any of these."""
        names = {n for n in names if n and not _looks_like_iri(n) and n not in self.by_key}
        if not names:
            return
        values = " ".join(f'"{_escape(n)}" "{_escape(n)}"@en "{_escape(n)}"@zh' for n in sorted(names))
        query = f"""SELECT DISTINCT ?x ?l ?kind WHERE {{
            VALUES ?l {{ {values} }}
            {{ ?x rdfs:label ?l ; a ?t . ?t rdfs:subClassOf* lin:Institution BIND("institutions" AS ?kind) }}
            UNION {{ ?x rdfs:label|dcterms:title ?l ; a ?t . ?t rdfs:subClassOf* lin:Source
                     BIND("sources" AS ?kind) }} }}"""
        for node, label, kind in self.store.select(query):
            self.by_label.setdefault(str(label), set()).add((node, str(kind)))

    def resolve(self, text: str, kind: str = "") -> tuple[URIRef | None, str | None]:
        """The IRI for a reference (to a node of `kind` when given), or None and the reason."""
        if _looks_like_iri(text):
            return URIRef(expand(text) or text), None
        if text in self.by_key:
            return self.by_key[text], None
        found = {iri for iri, k in self.by_label.get(text, set()) if not kind or k == kind}
        if len(found) == 1:
            return next(iter(found)), None
        if len(found) > 1:
            return None, "matches several nodes: " + ", ".join(sorted(map(str, found)))
        what = {"institutions": "institution", "sources": "source"}.get(kind, "node")
        return None, f"matches no id in this import and no {what} label or title in the store"


def _looks_like_iri(text: str) -> bool:
    return text.startswith(("http://", "https://", "urn:")) or expand(text) is not None


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def row_triples(m: Minted, refs: References, vocab: Vocabulary,
                problems: list[Problem]) -> list[tuple]:
    """The triples of one row; each bad cell adds a problem naming row, column and value."""
    row, triples = m.row, []
    if m.row.kind in _KIND_CLASS:
        triples.append((m.iri, RDF.type, _KIND_CLASS[m.row.kind]))
    known = {c.name for c in COLUMNS[row.kind]} | {"iri"}
    for column in sorted(set(row.values) - known):
        problems.append(Problem(row.file, "unknown column; expected: "
                                + ", ".join(c.name for c in COLUMNS[row.kind]),
                                row=row.number, column=column))
    for column in COLUMNS[row.kind]:
        values = row.values.get(column.name, [])
        if not values:
            if column.required:
                problems.append(Problem(row.file, "a value is required", row=_row(row, column.name),
                                        column=column.name))
            continue
        for value in values:
            obj, reason = _value(column, value, refs, vocab)
            if reason:
                problems.append(Problem(row.file, reason, row=_row(row, column.name),
                                        column=column.name, value=value))
            elif obj is not None and column.predicate is not None:
                triples.append((m.iri, column.predicate, obj))
    return triples


def _row(row: Row, column: str) -> int:
    return row.lines.get(column, row.number)


def _real_date(value: str) -> bool:
    """True when a YYYY-MM-DD date exists in the calendar (YYYY and YYYY-MM always do)."""
    from datetime import date

    try:
        date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return False
    return True


def _value(column: Column, value: str, refs: References, vocab: Vocabulary):
    kind = column.kind
    if kind == "key":
        return None, None
    if kind in ("text", "text_en", "text_zh", "text_auto"):
        lang = {"text": None, "text_en": "en", "text_zh": "zh"}.get(kind)
        if kind == "text_auto":
            lang = "zh" if _CJK.search(value) else "en"
        return Literal(value, lang=lang), None
    if kind == "date":
        if not _DATE.match(value):
            return None, "not a date; expected YYYY, YYYY-MM or YYYY-MM-DD"
        if not _real_date(value):
            return None, "no such day in the calendar (that month is shorter); give YYYY-MM if the day is unknown"
        datatype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(value)]
        return Literal(value, datatype=datatype), None
    if kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            return None, "not a year; expected YYYY"
        return Literal(value, datatype=XSD.gYear), None
    if kind == "decimal":
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return None, "not a number"
        return Literal(str(number), datatype=XSD.decimal), None
    if kind == "bool":
        lowered = value.casefold()
        if lowered not in ("true", "false", "yes", "no", "1", "0"):
            return None, "expected true or false"
        return Literal(lowered in ("true", "yes", "1")), None
    if kind == "url":
        if not re.fullmatch(r"https?://\S+", value):
            return None, "expected an http:// or https:// address"
        return URIRef(value), None
    if kind == "iris":
        if not _looks_like_iri(value):
            return None, "expected an IRI (https://...)"
        return URIRef(expand(value) or value), None
    if kind in ("class", "concept"):
        found = vocab.lookup(kind, column.target, value)
        if found is None:
            return None, f"unknown {column.name}; accepted: {vocab.accepted(kind, column.target)}"
        return found, None
    if kind == "ref_or_class":
        cls = vocab.lookup("class", "Institution", value)
        if cls is not None:
            return cls, None
    return refs.resolve(value, column.target)
