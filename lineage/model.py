"""Plain result objects the library returns (and the CLI and server format)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

_PRECISION = {XSD.date: "day", XSD.gYearMonth: "month", XSD.gYear: "year", XSD.dateTime: "time"}
_PRECISION_BY_IRI = {str(datatype): precision for datatype, precision in _PRECISION.items()}
#: DateValues already made, by (lexical form, datatype): they are immutable, so shared.
_SEEN_DATES: dict[tuple[str, str | None], "DateValue"] = {}


@dataclass(frozen=True)
class DateValue:
    """A date at the precision its source gives (day, month or year), never padded."""

    lexical: str
    precision: str

    @classmethod
    def from_literal(cls, literal) -> "DateValue | None":
        """From an rdflib Literal or a store PlainLiteral; None for anything else."""
        lexical = getattr(literal, "lexical", None)
        if lexical is not None:  # a PlainLiteral: whole graphs bring tens of thousands
            key = (lexical, getattr(literal, "datatype", None))
            found = _SEEN_DATES.get(key)
            if found is None:
                if len(_SEEN_DATES) > 50_000:
                    _SEEN_DATES.clear()
                found = _SEEN_DATES[key] = cls(lexical, _PRECISION_BY_IRI.get(key[1], "unknown"))
            return found
        if isinstance(literal, Literal):
            return cls(str(literal), _PRECISION.get(literal.datatype, "unknown"))
        return None

    def __str__(self) -> str:
        return self.lexical


@dataclass(frozen=True)
class SourceRef:
    """A source as cited: title, publisher, date, URL, and the source it is known through."""

    iri: str
    title: str
    publisher: str | None = None
    date: DateValue | None = None
    url: str | None = None
    cited_via: str | None = None
    title_is_descriptive: bool = False
    confidence: str | None = None

    def citation(self) -> str:
        """A short one-line citation: title (publisher, date)."""
        bits = ", ".join(str(x) for x in (self.publisher, self.date) if x)
        return f"{self.title} ({bits})" if bits else self.title


@dataclass(frozen=True)
class InstitutionRef:
    """An institution's identity: IRI, English and Chinese labels, type names."""

    iri: str
    label_en: str | None
    label_zh: str | None
    types: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.label_en or self.label_zh or self.iri

    def both_labels(self) -> str:
        if self.label_en and self.label_zh:
            return f"{self.label_en} ({self.label_zh})"
        return self.label


@dataclass(frozen=True)
class SearchHit:
    institution: InstitutionRef
    matched: str  # the label or alternative label that matched


class SearchHits(list):
    """Search hits in order (a list), shown as a bilingual table in a notebook."""

    def _repr_html_(self) -> str:
        from .html_repr import hits_html

        return hits_html(self)


@dataclass(frozen=True)
class MembershipFact:
    """A dated, sourced relation to a unit (this institution is the member) or to a member."""

    iri: str
    role: str
    other: InstitutionRef
    direction: str  # "unit": other is this institution's unit; "member": other is its member
    start: DateValue | None
    end: DateValue | None
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class EventFact:
    """A change event touching the institution, with its status, date and sources."""

    iri: str
    event_type: str
    status: str | None
    date: DateValue | None
    originals: tuple[InstitutionRef, ...]
    results: tuple[InstitutionRef, ...]
    sources: tuple[SourceRef, ...]
    confidence: str | None = None
    comment: str | None = None
    status_as_of: DateValue | None = None
    conflicts_with: tuple[str, ...] = ()  # other claims about the same fact (lin:conflictsWith)


@dataclass(frozen=True)
class OtherFact:
    """Any other sourced statement about the institution (award, visit, programme role, policy)."""

    kind: str
    iri: str
    summary: str
    date: DateValue | None
    sources: tuple[SourceRef, ...]


@dataclass
class InstitutionDetail:
    institution: InstitutionRef
    alt_labels: list[str] = field(default_factory=list)
    label_is_translation: bool = False
    label_sources: list[SourceRef] = field(default_factory=list)
    established: list[DateValue] = field(default_factory=list)
    lifespan: "Lifespan | None" = None  # start and end by the existence rule, with provenance
    exact_matches: list[str] = field(default_factory=list)
    match_sources: list[SourceRef] = field(default_factory=list)  # sources stating the exact matches
    comments: list[str] = field(default_factory=list)
    confidence: str | None = None
    memberships: list[MembershipFact] = field(default_factory=list)
    events: list[EventFact] = field(default_factory=list)
    other_facts: list[OtherFact] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)

    def _repr_html_(self) -> str:
        """Names, dates, units and events as bilingual tables (for notebooks)."""
        from .html_repr import detail_html

        return detail_html(self)


@dataclass
class ClassCount:
    """Instances of a class, its subclasses' included; `depth` places it in the class tree
    (0: a broad class; its narrower classes follow it, one level deeper)."""

    iri: str
    label: str
    count: int
    depth: int = 0


@dataclass
class Info:
    """What is loaded: store, files, counts by class, sources, validation state."""

    store: str
    triples: int
    files: list[str]
    class_counts: list[ClassCount]
    sources: int
    conforms: bool | None = None
    violations: int = 0
    warnings: int = 0
    confidence: dict[str, int] = field(default_factory=dict)  # facts by lin:confidence
    source_domains: dict[str, int] = field(default_factory=dict)  # sources by URL host
    query_barrier: str = ""  # what stops a user's query reaching the network, below the guard
    facts: int = 0  # sourced facts (what `lineage audit` draws from)
    audited: int = 0  # facts with at least one recorded audit verdict
    verdicts: dict[str, int] = field(default_factory=dict)  # audited facts by verdict


def jsonable(value: Any) -> Any:
    """Dataclasses, terms and containers as plain JSON-ready values."""
    if dataclasses.is_dataclass(value):
        data = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, InstitutionRef):
            data["label"] = value.label
        return data
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (URIRef, Literal)):
        return str(value)
    return value


@dataclass(frozen=True)
class DatedBy:
    """A date derived for an institution, and what it was derived from.

    `basis` is "established" (its own lin:established), "result" (an approved or completed
    event that results in it), "earliest" (the earliest dated event of any status that results
    in it), "known" (the earliest dated event it took part in as an original: it existed by
    then) or "ending" (an approved or completed event that converts, merges, renames or
    dissolves it away); `event` and its type and status say which event, when one did."""

    date: DateValue
    basis: str
    event: str | None = None
    event_type: str | None = None
    status: str | None = None

    def __init__(self, date: DateValue, basis: str, event: str | None = None,
                 event_type: str | None = None, status: str | None = None):
        # What the generated frozen __init__ does, in one step instead of one call per field:
        # a whole graph's lifespans hold some sixty thousand of these, and this is 1.7x faster.
        object.__setattr__(self, "__dict__", {"date": date, "basis": basis, "event": event,
                                              "event_type": event_type, "status": status})

    def describe(self) -> str:
        """Where the date comes from, for people: 'Establishment event, 2022-12-30'."""
        if self.event_type is None:
            return f"lin:established, {self.date}"
        kind = self.event_type.split(":", 1)[-1]
        text = f"{kind} event, {self.date}"
        return text


@dataclass(frozen=True)
class Lifespan:
    """When an institution existed, by the one existence rule (see lineage/existence.py):
    its start and end, each None when undated (never guessed), and, for an undated start,
    the earliest date by which it is known to have existed."""

    iri: str
    start: DatedBy | None = None
    end: DatedBy | None = None
    known_by: DatedBy | None = None

    def __init__(self, iri: str, start: DatedBy | None = None, end: DatedBy | None = None,
                 known_by: DatedBy | None = None):
        # as DatedBy's: one step, not one call per field
        object.__setattr__(self, "__dict__", {"iri": iri, "start": start, "end": end,
                                              "known_by": known_by})

    @property
    def dated(self) -> bool:
        return self.start is not None
