"""When a thing exists: the one rule that trace, views, exports, diff and show all use.

An institution starts at its own `lin:established`; else at the date of an approved or
completed event that results in it (an establishment, conversion, merger, renaming or split);
else at the earliest dated event of any status that results in it (a centre known only from
an application to create it starts there). Taking part in an event as an original (a centre
accepted, converted or applied for) shows that it existed by then, not when it began: that
date is kept as `known_by`, and the start stays undated. An establishment event that names
no result establishes its originals (the data's way to record a centre set up with no
founder named). It ends at the date of an approved or completed conversion, merger, renaming or dissolution
that takes it away (an event whose result is itself ends nothing). Pending events (planned,
applied, in progress) never end anything. A membership exists from its `lin:from` until its
`lin:until`. Dates keep their precision, and each derived date says where it came from;
what has no date stays undated.

Reading "as of" a date: a thing dated D has happened by a date W unless D is certainly later
than W, compared at their shared precision (a bare year W is the state at its end, and an
event dated only "2022" is not taken as later than "2022-06"). docs/time.md has the details.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from .classes import among, nearest_first, subclasses
from ..dates import not_after
from ..model import DateValue, DatedBy, Lifespan
from ..namespaces import LIN, shorten
from .sources import chunks, values
from .whole import WholeGraph
from ..store.local import Store
from .. import vocabulary

SETTLED = tuple(status.value for status in vocabulary.SETTLED)
#: Event kinds whose settled result starts an institution.
STARTING = ("lin:Establishment", "lin:Conversion", "lin:Merger", "lin:Renaming", "lin:Split")
#: Event kinds whose settled occurrence ends each original that is not also a result.
ENDING = ("lin:Conversion", "lin:Merger", "lin:Renaming", "lin:Dissolution")
#: Event kinds whose originals are founders or lead units of another institution.
FOUNDING = ("lin:Establishment",)

_PARTIES = """
SELECT ?e ?type ?x ?side ?status ?date WHERE {{
  {restrict}
  {{ ?e org:resultingOrganization ?x BIND("r" AS ?side) }}
  UNION {{ ?e org:originalOrganization ?x BIND("o" AS ?side) }}
  ?e a ?type . {types}
  OPTIONAL {{ ?e lin:status ?status }} OPTIONAL {{ ?e dcterms:date ?date }}
}}"""

_ESTABLISHED = "SELECT ?x ?date WHERE {{ {restrict} ?x lin:established ?date }}"


def happened_by(value: DateValue | str | None, when: str) -> bool:
    """True when a dated thing has happened by `when`; False when undated."""
    if value is None:
        return False
    return _not_after(value if isinstance(value, str) else value.lexical, when)


@lru_cache(maxsize=65536)
def _not_after(lexical: str, when: str) -> bool:
    """not_after, memoised: a whole-graph diff compares the same few thousand dates often."""
    return not_after(lexical, when)


def started_by(span: Lifespan | None, when: str) -> bool:
    """Whether an institution is on the record at `when`: undated ones are (in their own
    group, never mixed with dated ones); dated ones once their start has happened."""
    return span is None or span.start is None or happened_by(span.start.date, when)


def ended_by(span: Lifespan | None, when: str) -> bool:
    """Whether an institution has ended by `when` (an undated end never has)."""
    return span is not None and span.end is not None and happened_by(span.end.date, when)


def exists_at(span: Lifespan | None, when: str) -> bool:
    """Started (or undated) and not yet ended at `when`."""
    return started_by(span, when) and not ended_by(span, when)


def membership_began_by(start: DateValue | None, when: str) -> bool:
    """A membership is on the record at `when` once its lin:from has happened (or undated)."""
    return start is None or happened_by(start, when)


def membership_ended_by(end: DateValue | None, when: str) -> bool:
    """A membership has ended at `when` once its lin:until has happened."""
    return happened_by(end, when)


def event_kinds(store: Store) -> dict[str, str]:
    """Every change-event class (prefixed) -> the most specific kind of the rule it falls under
    (lin:Conversion, ...), or lin:ChangeEvent for other kinds."""
    known = set(STARTING + ENDING + FOUNDING + ("lin:Acceptance",))
    kinds = {"lin:ChangeEvent": "lin:ChangeEvent"}
    for cls in subclasses(store, [LIN.ChangeEvent]):
        ancestors = [shorten(a) for a in nearest_first(store, cls)]
        kinds[shorten(cls)] = next((a for a in ancestors if a in known), "lin:ChangeEvent")
    return kinds


def lifespans(store: Store, iris: Iterable[str] | None = None) -> dict[str, Lifespan]:
    """The lifespan of each institution (of every party to an event, or of `iris` only)."""
    wanted = None if iris is None else sorted(set(iris))
    kinds = event_kinds(store)
    parties = _rows(store, _PARTIES, wanted, "x", types=among(store, "type", LIN.ChangeEvent))
    established = [(str(row["x"]), DateValue.from_literal(row["date"]))
                   for row in _rows(store, _ESTABLISHED, wanted, "x")]
    spans = _spans(_events_of(parties, kinds), established)
    if wanted is not None:
        return {i: spans.get(i, Lifespan(i)) for i in wanted}
    return spans


def whole_graph_lifespans(store: Store, whole: "WholeGraph") -> dict[str, Lifespan]:
    """lifespans(store) from facts already read (see lineage.graph.whole): the same rule,
    no query of its own but the class tree's."""
    kinds, kind_of = event_kinds(store), {}
    events = {}
    for iri, e in whole.events.items():
        types = frozenset(e.types)
        if types not in kind_of:
            kind_of[types] = _kind(types, kinds)
        events[iri] = {"o": set(e.originals), "r": set(e.results), "kind": kind_of[types],
                       "status": e.status, "date": e.date}
    return _spans(events, whole.established)


def _kind(types: Iterable[str], kinds: dict[str, str]) -> str:
    """The rule's kind of an event of these types (a named kind before lin:ChangeEvent)."""
    found = sorted(kinds.get(shorten(t), "lin:ChangeEvent") for t in types)
    return next((k for k in found if k != "lin:ChangeEvent"), "lin:ChangeEvent")


def _rows(store: Store, template: str, wanted: list[str] | None, var: str, **fill) -> list:
    """Rows of one query, over the whole graph or in VALUES chunks of the wanted IRIs."""
    if wanted is None:
        return list(store.select_plain(template.format(restrict="", **fill)).bindings())
    return [row for chunk in chunks(wanted) for row in store.select_plain(template.format(
        restrict=f"VALUES ?{var} {{ {values(chunk)} }}", **fill)).bindings()]


def _events_of(parties: list[dict], kinds: dict[str, str]) -> dict[str, dict]:
    """Each event's originals, results, kind, status and date, from rows of _PARTIES."""
    by_event: dict[str, dict] = defaultdict(lambda: {"o": set(), "r": set()})
    for row in parties:
        event = by_event[str(row["e"])]
        event["o" if str(row["side"]) == "o" else "r"].add(str(row["x"]))
        kind = kinds.get(shorten(str(row["type"])), "lin:ChangeEvent")
        if kind != "lin:ChangeEvent" or "kind" not in event:
            event["kind"] = kind
        event["status"] = shorten(str(row["status"])) if "status" in row else None
        event["date"] = DateValue.from_literal(row.get("date"))
    return by_event


def _spans(by_event: dict[str, dict], established: list[tuple[str, DateValue | None]]
           ) -> dict[str, Lifespan]:
    """Apply the rule: own date, else settled resulting event, else earliest.

    Candidates are plain tuples, the fields of a DatedBy; only the dates a lifespan keeps
    become DatedBy objects (a whole graph weighs some fifty thousand candidates)."""
    starts, ends, earliest, known = {}, {}, {}, {}
    for iri, event in sorted(by_event.items()):
        _consider(iri, event, starts, ends, earliest, known)
    own = {}
    for node, date in established:
        if date is not None:
            _keep_earliest(own, node, (date, "established", None, None, None))
    found = set(own) | set(starts) | set(earliest) | set(ends) | set(known)
    return {i: Lifespan(i, _dated_by(own.get(i) or starts.get(i) or earliest.get(i)),
                        _dated_by(ends.get(i)), _dated_by(known.get(i))) for i in found}


def _dated_by(candidate: tuple | None) -> DatedBy | None:
    return None if candidate is None else DatedBy(*candidate)


def _consider(iri: str, event: dict, starts: dict, ends: dict, earliest: dict,
              known: dict) -> None:
    """Let one event date the starts, ends and known-by dates of its parties."""
    date, kind, status = event["date"], event.get("kind"), event["status"]
    if date is None:
        return
    settled = status in SETTLED
    results, originals = event["r"], event["o"] - event["r"]
    if kind in FOUNDING and not results:  # establishes its originals
        results, originals = originals, set()
    for result in results:
        _keep_earliest(earliest, result, (date, "earliest", iri, kind, status))
        if settled and kind in STARTING:
            _keep_earliest(starts, result, (date, "result", iri, kind, status))
    for original in originals:
        if kind not in FOUNDING:
            _keep_earliest(known, original, (date, "known", iri, kind, status))
        if settled and kind in ENDING:
            _keep_earliest(ends, original, (date, "ending", iri, kind, status))


def _keep_earliest(table: dict, iri: str, candidate: tuple) -> None:
    """Keep the earlier of two candidates (date, basis, event, ...): a coarser date sorts
    before the finer ones it covers, and of two on one date the first event by IRI wins."""
    current = table.get(iri)
    if current is None or (candidate[0].lexical, candidate[2] or "") < (
            current[0].lexical, current[2] or ""):
        table[iri] = candidate


_LATER_EVENTS = "SELECT ?x ?date WHERE {{ ?x a ?t ; dcterms:date ?date . {event_types} }}"
_LATER_MEMBERSHIPS = "SELECT ?x ?date WHERE { ?x a org:Membership ; lin:from ?date }"


def not_yet(store: Store, when: str) -> set[str]:
    """Everything the rule places after `when`: institutions not yet started, events dated
    later, memberships that begin later (what an as-of export leaves out)."""
    later = {i for i, span in lifespans(store).items() if not started_by(span, when)}
    events = _LATER_EVENTS.format(event_types=among(store, "t", LIN.ChangeEvent))
    for query in (events, _LATER_MEMBERSHIPS):
        later |= {str(r["x"]) for r in store.select_plain(query).bindings()
                  if not happened_by(DateValue.from_literal(r["date"]), when)}
    return later
