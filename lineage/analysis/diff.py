"""What changed between two dates: the record as of FROM against the record as of TO, read
with the existence rule (lineage.graph.existence; docs/time.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..graph.classes import among, keep_most_specific, superclasses
from ..dates import not_after
from ..errors import UsageError
from ..graph.existence import ended_by, happened_by, lifespans, started_by
from ..model import DateValue, DatedBy, InstitutionRef, Lifespan, SourceRef
from .. import vocabulary
from ..namespaces import LIN, expand, shorten
from .network import ALL_MEMBERSHIPS, all_institutions, within
from ..graph.search import institution_refs
from ..graph.sources import chunks, citations, values

#: The programmes counted in a diff, by class (prefixed) and the short name researchers use.
PROGRAMMES = (("lin:NationalTechnologyInnovationCenter", "NTIC"),
              ("lin:NationalEngineeringTechnologyResearchCenter", "NETRC"),
              ("lin:NationalEngineeringResearchCenter", "NERC"),
              ("lin:NationalEngineeringLaboratory", "NEL"))

_PENDING = {s.value for s in vocabulary.PENDING}

_EVENTS = """
SELECT ?e ?type ?status ?date ?confidence WHERE {{
  {restrict}
  ?e a ?type . {event_types}
  OPTIONAL {{ ?e lin:status ?status }} OPTIONAL {{ ?e dcterms:date ?date }}
  OPTIONAL {{ ?e lin:confidence ?confidence }}
}}"""

_SCOPED_EVENTS = ("{{ SELECT DISTINCT ?e WHERE {{ VALUES ?x {{ {values} }} "
                  "?e org:originalOrganization|org:resultingOrganization ?x }} }}")

_PARTIES = """
SELECT ?e ?side ?x WHERE {{
  VALUES ?e {{ {values} }}
  {{ ?e org:originalOrganization ?x BIND("o" AS ?side) }}
  UNION {{ ?e org:resultingOrganization ?x BIND("r" AS ?side) }}
}}"""

_TYPES = """
SELECT ?x ?type WHERE {{ {restrict} VALUES ?type {{ {classes} }} ?x a ?type }}"""


@dataclass(frozen=True)
class DiffEvent:
    """A change event in a diff: kind, date at its precision, status, parties, sources."""

    iri: str
    event_type: str
    date: DateValue | None
    status: str | None
    pending: bool
    originals: tuple[InstitutionRef, ...]
    results: tuple[InstitutionRef, ...]
    sources: tuple[SourceRef, ...]
    confidence: str | None = None


@dataclass(frozen=True)
class InstitutionChange:
    """An institution that appeared or ended, with the dated fact that says so."""

    institution: InstitutionRef
    date: DatedBy


@dataclass(frozen=True)
class MembershipChange:
    """A membership that began (lin:from) or ended (lin:until) between the two dates."""

    iri: str
    role: str
    member: InstitutionRef
    unit: InstitutionRef
    date: DateValue


@dataclass(frozen=True)
class ProgrammeCount:
    """How many institutions of one programme existed at each date (dated ones), and how
    many have no start date (they are on the record at both, in their own group)."""

    programme: str
    label: str
    at_from: int
    at_to: int
    undated: int


@dataclass
class Diff:
    """What changed between the record as of `from_date` and as of `to_date`."""

    from_date: str
    to_date: str
    focus: InstitutionRef | None = None
    depth: int | None = None
    appeared: list[InstitutionChange] = field(default_factory=list)
    ended: list[InstitutionChange] = field(default_factory=list)
    events: list[DiffEvent] = field(default_factory=list)
    event_counts: dict[str, int] = field(default_factory=dict)
    memberships_began: list[MembershipChange] = field(default_factory=list)
    memberships_ended: list[MembershipChange] = field(default_factory=list)
    pending: list[DiffEvent] = field(default_factory=list)
    programmes: list[ProgrammeCount] = field(default_factory=list)
    undated: dict[str, int] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """What appeared, ended and happened, as bilingual tables (for notebooks)."""
        from ..html_repr import diff_html

        return diff_html(self)


def check_order(from_date: str, to_date: str) -> None:
    """FROM must not be certainly later than TO."""
    if not not_after(from_date, to_date):
        raise UsageError(f"diff: FROM ({from_date}) is later than TO ({to_date})")


def between(value: DateValue | None, from_date: str, to_date: str) -> bool:
    """Happened by TO but not by FROM (an undated value never is)."""
    return happened_by(value, to_date) and not happened_by(value, from_date)


def diff(store, from_date: str, to_date: str, focus: InstitutionRef | None = None,
         depth: int = 1,
         refs: Callable[[set[str]], dict[str, InstitutionRef]] | None = None) -> Diff:
    """Compare the record as of two checked dates, over the whole graph or around `focus`."""
    check_order(from_date, to_date)
    refs = refs or (lambda iris: institution_refs(store, iris, any_node=True))
    scope = within(store, focus.iri, depth) if focus is not None else None
    result = Diff(from_date, to_date, focus, depth if focus is not None else None)
    universe = scope if scope is not None else all_institutions(store)
    found = lifespans(store, scope)
    spans = {i: found.get(i) or Lifespan(i) for i in universe}
    _institutions(result, spans, refs)
    _events(result, store, scope, refs)
    _memberships(result, store, scope, refs)
    _programmes(result, store, spans, scope)
    return result


def _institutions(result: Diff, spans: dict[str, Lifespan], refs) -> None:
    """Institutions whose start or end falls between the two dates."""
    appeared = [(i, s.start) for i, s in spans.items()
                if s.start is not None and between(s.start.date, result.from_date, result.to_date)]
    ended = [(i, s.end) for i, s in spans.items()
             if s.end is not None and between(s.end.date, result.from_date, result.to_date)]
    names = refs({i for i, _ in appeared + ended})
    order = (lambda c: (c.date.date.lexical, c.institution.label))
    result.appeared = sorted((InstitutionChange(names[i], d) for i, d in appeared), key=order)
    result.ended = sorted((InstitutionChange(names[i], d) for i, d in ended), key=order)


def _event_rows(store, scope: set[str] | None) -> dict[str, dict]:
    """Each change event (in scope): its most specific type, status, date and confidence."""
    types = among(store, "type", LIN.ChangeEvent)
    if scope is None:
        rows = list(store.select_plain(_EVENTS.format(restrict="", event_types=types)).bindings())
    else:
        rows = [r for chunk in chunks(sorted(scope)) for r in store.select_plain(_EVENTS.format(
            restrict=_SCOPED_EVENTS.format(values=values(chunk)), event_types=types)).bindings()]
    events: dict[str, dict] = {}
    for r in keep_most_specific(rows, "e", "type", superclasses(store)):
        kind = shorten(str(r["type"]))
        current = events.get(str(r["e"]))
        if current is None or kind < current["type"]:  # two unrelated types: either, stably
            events[str(r["e"])] = {
                "type": kind, "status": shorten(str(r["status"])) if "status" in r else None,
                "date": DateValue.from_literal(r.get("date")),
                "confidence": shorten(str(r["confidence"])) if "confidence" in r else None}
    return events


def _events(result: Diff, store, scope: set[str] | None, refs) -> None:
    """Events dated between the two dates, by kind; and events still pending at TO."""
    rows = _event_rows(store, scope)
    window = {e for e, r in rows.items() if between(r["date"], result.from_date, result.to_date)}
    pending = {e for e, r in rows.items()
               if r["status"] in _PENDING and happened_by(r["date"], result.to_date)}
    result.undated["events"] = sum(1 for r in rows.values() if r["date"] is None)
    wanted = sorted(window | pending)
    parties: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"o": [], "r": []})
    for chunk in chunks(wanted):
        for e, side, x in store.select_plain(_PARTIES.format(values=values(chunk))):
            parties[str(e)][str(side)].append(str(x))
    names = refs({x for p in parties.values() for xs in p.values() for x in xs})
    cites = citations(store, wanted)

    def make(e: str) -> DiffEvent:
        r = rows[e]
        return DiffEvent(e, r["type"], r["date"], r["status"], r["status"] in _PENDING,
                         tuple(names[x] for x in sorted(parties[e]["o"])),
                         tuple(names[x] for x in sorted(parties[e]["r"])),
                         tuple(cites.get(e, ())), r["confidence"])

    order = (lambda d: (d.event_type, str(d.date or ""), d.iri))
    result.events = sorted((make(e) for e in window), key=order)
    result.pending = sorted((make(e) for e in pending), key=lambda d: (str(d.date or ""), d.iri))
    counts: dict[str, int] = defaultdict(int)
    for event in result.events:
        counts[event.event_type] += 1
    result.event_counts = dict(sorted(counts.items()))


def _memberships(result: Diff, store, scope: set[str] | None, refs) -> None:
    """Memberships whose lin:from or lin:until falls between the two dates."""
    rows = [r for r in store.select_plain(ALL_MEMBERSHIPS).bindings()
            if scope is None or str(r["member"]) in scope or str(r["unit"]) in scope]
    result.undated["memberships"] = sum(1 for r in rows if "from" not in r and "until" not in r)
    began = [(r, DateValue.from_literal(r.get("from"))) for r in rows]
    ended = [(r, DateValue.from_literal(r.get("until"))) for r in rows]
    began = [(r, d) for r, d in began if between(d, result.from_date, result.to_date)]
    ended = [(r, d) for r, d in ended if between(d, result.from_date, result.to_date)]
    names = refs({str(r[k]) for r, _ in began + ended for k in ("member", "unit")})

    def make(r: dict, date: DateValue) -> MembershipChange:
        return MembershipChange(str(r["m"]), shorten(str(r["role"])), names[str(r["member"])],
                                names[str(r["unit"])], date)

    order = (lambda c: (c.date.lexical, c.iri))
    result.memberships_began = sorted((make(r, d) for r, d in began), key=order)
    result.memberships_ended = sorted((make(r, d) for r, d in ended), key=order)


def _programmes(result: Diff, store, spans: dict[str, Lifespan], scope: set[str] | None) -> None:
    """Institutions of each programme existing at FROM and at TO (dated), and undated ones."""
    classes = " ".join(f"<{expand(c)}>" for c, _ in PROGRAMMES)
    restrict = "" if scope is None else f"VALUES ?x {{ {values(scope)} }}"
    members: dict[str, set[str]] = defaultdict(set)
    for x, cls in store.select_plain(_TYPES.format(restrict=restrict, classes=classes)):
        members[shorten(str(cls))].add(str(x))
    for cls, label in PROGRAMMES:
        group = [spans.get(i) or Lifespan(i) for i in members.get(cls, ())]
        dated = [s for s in group if s.start is not None]
        result.programmes.append(ProgrammeCount(
            cls, label, _alive(dated, result.from_date), _alive(dated, result.to_date),
            len(group) - len(dated)))
    result.undated["institutions"] = sum(1 for s in spans.values() if s.start is None)


def _alive(spans: list[Lifespan], when: str) -> int:
    """How many of these dated institutions existed at `when`."""
    return sum(1 for s in spans if started_by(s, when) and not ended_by(s, when))
