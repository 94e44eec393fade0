"""Match a list of institutions against the graph and propose what it would add.

Each list row becomes one review row: matched (which institution, why, score), new, or
ambiguous (the candidates), with the units it names resolved and the lineage links it
suggests (a predecessor it names, or an NEL with the same field and supporting unit as a
new-sequence NERC). Nothing is written into the graph here: a curator reviews the rows and
imports the accepted ones (lineage.curation.review).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..gcpause import paused_gc
from ..graph.classes import most_specific, superclasses
from ..graph.search import institution_names
from ..ingest.mapping import slugify
from ..namespaces import INST, LIN, RDFS, shorten
from ..store.local import Store
from .lists import InstitutionList, ListEntry
from .normalise import PROGRAMMES, folded, keys_of, name_key, programme_key

#: Scores by how a name matched, strictest first.
EXACT_LABEL, EXACT_ALT, NORMALISED, PROGRAMME_VARIANT = 1.0, 0.95, 0.9, 0.8
WHY = {EXACT_LABEL: "exact name", EXACT_ALT: "exact alternative name or acronym",
       NORMALISED: "same name up to width, case, script (traditional/simplified) and punctuation",
       PROGRAMME_VARIANT: "same programme and field, written another way"}
NEL, NERC = str(LIN.NationalEngineeringLaboratory), str(LIN.NationalEngineeringResearchCenter)

_MEMBERSHIPS = """SELECT ?member ?unit ?role WHERE {
  ?m org:member ?member ; org:organization ?unit ; org:role ?role }"""
_EVENT_PAIRS = """SELECT ?o ?r WHERE { ?e org:originalOrganization ?o ; org:resultingOrganization ?r }"""


@dataclass
class Candidate:
    iri: str
    score: float
    why: str


@dataclass
class GraphIndex:
    """The graph's institutions under every match key, with their units and event pairs."""

    labels: dict[str, list[str]]
    types: dict[str, set[str]]
    exact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    exact_alt: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_key: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_programme: dict[tuple, set[str]] = field(default_factory=lambda: defaultdict(set))
    units: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    store: Store | None = None  # read again for the event pairs, only if a row needs them
    _event_pairs: set[tuple[str, str]] | None = None
    supers: dict[str, frozenset[str]] = field(default_factory=dict)
    english: dict[str, str] = field(default_factory=dict)
    cache: dict[str, tuple] = field(default_factory=dict)  # name -> (name key, programme key)

    @classmethod
    def build(cls, store: Store) -> GraphIndex:
        with paused_gc():  # some million small strings, sets and tuples, none cyclic
            return cls._build(store)

    @classmethod
    def _build(cls, store: Store) -> GraphIndex:
        labels: dict[str, list[str]] = defaultdict(list)
        types, rows = institution_names(store, plain=True)
        index = cls(labels, types)
        texts = [str(name) for _, _, name in rows]
        label = str(RDFS.label)
        exact, exact_alt, by_key = index.exact, index.exact_alt, index.by_key
        for (iri, prop, name), text, (key, programme) in zip(rows, texts, keys_of(texts)):
            labels[iri].append(text)
            if prop == label:
                exact[text].add(iri)
                if getattr(name, "language", None) == "en":
                    index.english[iri] = text
            else:
                exact_alt[text].add(iri)
            by_key[key].add(iri)
            if programme:
                index.by_programme[programme].add(iri)
        index.supers = superclasses(store)
        # only the most specific types: the derived graph also states every superclass, and
        # a broad one (lin:Institution) would fit any wanted class and let look-alikes through
        specific: dict[frozenset, set[str]] = {}  # few distinct sets of types among many
        for iri, found in index.types.items():
            found = frozenset(found)
            if found not in specific:
                specific[found] = set(most_specific(found, index.supers))
            index.types[iri] = specific[found]
        for member, unit, role in store.select_plain(_MEMBERSHIPS):
            index.units[(str(member), shorten(str(role)))].add(str(unit))
        index.store = store
        return index

    def has_event(self, origin: str, result: str) -> bool:
        """True when the graph already has an event from origin to result (read on first use:
        most lists propose no event, and a 100k graph has some 60,000 pairs)."""
        if self._event_pairs is None:
            rows = self.store.select_plain(_EVENT_PAIRS) if self.store else []
            self._event_pairs = {(str(o), str(r)) for o, r in rows}
        return (origin, result) in self._event_pairs

    def compatible(self, iri: str, wanted: str | None) -> bool:
        """True when the institution's types fit the wanted class (or no class is wanted)."""
        if not wanted:
            return True
        for t in self.types.get(iri, ()):
            if t == wanted or wanted in self.supers.get(t, ()) or t in self.supers.get(wanted, ()):
                return True
        return False

    def match(self, names: list[str], wanted: str | None = None,
              programme_variants: bool = True) -> tuple[list[Candidate], list[str]]:
        """Candidates for the names (best score per institution), and the look-alikes left out
        because their type does not fit the wanted class."""
        best: dict[str, Candidate] = {}
        skipped: set[str] = set()

        def offer(iris, score):
            for iri in iris:
                if not self.compatible(iri, wanted):
                    skipped.add(iri)
                elif iri not in best or best[iri].score < score:
                    best[iri] = Candidate(iri, score, WHY[score])

        for name in names:
            offer(self.exact.get(name, ()), EXACT_LABEL)
            offer(self.exact_alt.get(name, ()), EXACT_ALT)
            plain, programme = self.keys(name)
            offer(self.by_key.get(plain, ()), NORMALISED)
            key = programme if programme_variants else None
            if key and (not wanted or key[0] == wanted.rsplit("#", 1)[-1]):
                offer(self.by_programme.get(key, ()), PROGRAMME_VARIANT)
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.iri))
        return ranked, sorted(skipped - set(best))

    def warm(self, names) -> None:
        """Compute the match keys of many names in one pass (see normalise.keys_of)."""
        todo = sorted({n for n in names if n and n not in self.cache})
        self.cache.update(zip(todo, keys_of(todo)))

    def keys(self, name: str) -> tuple[str, tuple[str, str] | None]:
        found = self.cache.get(name)
        if found is None:
            found = self.cache[name] = (name_key(name), programme_key(name))
        return found

    def label(self, iri: str) -> str:
        return self.english.get(iri) or next(iter(self.labels.get(iri, [])), shorten(iri))


def row_class(entry: ListEntry, vocabulary, keys=None) -> str | None:
    """The class a row's type column or programme designator names, as an IRI string."""
    given = entry.get("type")
    if given:
        found = vocabulary.lookup("class", "Institution", given)
        if found is not None:
            return str(found)
        text = folded(given)
        for cls, zh, en in PROGRAMMES:
            if zh in text or en in text.replace("centre", "center"):
                return str(LIN[cls])
        return None
    for name in entry.names():
        key = keys(name)[1] if keys else programme_key(name)
        if key:
            return str(LIN[key[0]])
    return None


@dataclass
class Decision:
    """What reconcile found for one list row, before it is written as a review row."""

    entry: ListEntry
    wanted: str | None
    outcome: str = "new"  # matched | new | ambiguous
    institution: str = ""
    score: float = 0.0
    why: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    supporting_unit: str = ""
    managing_unit: str = ""
    proposal: str = ""
    proposal_from: str = ""
    proposal_confidence: str = ""


def reconcile(store: Store, listing: InstitutionList, status: str = "",
              index: GraphIndex | None = None) -> list[Decision]:
    """One decision per list row: matched, new or ambiguous, units resolved, links proposed."""
    with paused_gc():  # a million small strings and tuples, none of them cyclic garbage
        return _reconcile(store, listing, status, index)


def _reconcile(store: Store, listing: InstitutionList, status: str,
               index: GraphIndex | None) -> list[Decision]:
    from ..ingest.mapping import Vocabulary

    index = index or GraphIndex.build(store)
    vocabulary = Vocabulary(store)
    index.warm(n for e in listing.entries
               for n in (*e.names(), e.get("supporting_unit"), e.get("managing_unit"), e.get("predecessor")))
    decisions = [Decision(e, row_class(e, vocabulary, index.keys)) for e in listing.entries]
    for d in decisions:
        _decide(index, d)
    taken = set(index.labels) | set(index.types)
    for d in decisions:
        if d.outcome == "new" and d.entry.get("name_en"):
            d.institution = _fresh_iri(d.entry.get("name_en"), taken)
    by_list_key = _list_keys(index, decisions)
    for d in decisions:
        d.supporting_unit = _unit(index, by_list_key, d, "supporting_unit", "lin:SupportingUnit")
        d.managing_unit = _unit(index, by_list_key, d, "managing_unit", "lin:ManagingUnit")
    for d in decisions:
        _propose(index, by_list_key, d)
    return decisions


def _decide(index: GraphIndex, d: Decision) -> None:
    candidates, skipped = index.match(d.entry.names(), d.wanted)
    for iri in skipped[:3]:
        d.why.append(f"look-alike left out: {index.label(iri)} is another kind of institution")
    if not candidates:
        d.why.insert(0, "no institution in the graph has this name")
        return
    top = [c for c in candidates if c.score == candidates[0].score]
    strong = {c.iri for c in candidates if c.score >= NORMALISED}
    if len(top) == 1 and len(strong - {top[0].iri}) == 0:
        _matched(d, top[0])
        return
    d.outcome, d.candidates = "ambiguous", top if len(top) > 1 else candidates[:5]
    d.score = candidates[0].score
    d.why.insert(0, f"{len(d.candidates)} institutions fit: {candidates[0].why}")


def _matched(d: Decision, c: Candidate, note: str = "") -> None:
    d.outcome, d.institution, d.score = "matched", c.iri, c.score
    d.why.insert(0, c.why + note)
    d.candidates = []


def _fresh_iri(name_en: str, taken: set[str]) -> str:
    base = str(INST[slugify(name_en) or "institution"])
    iri, n = base, 2
    while iri in taken:
        iri, n = f"{base}-{n}", n + 1
    taken.add(iri)
    return iri


def _list_keys(index: GraphIndex, decisions: list[Decision]) -> dict[str, list[Decision]]:
    found: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        for key in {index.keys(name)[0] for name in d.entry.names()}:
            found[key].append(d)
    return found


def _unit(index: GraphIndex, by_list_key, d: Decision, column: str, role: str) -> str:
    """The IRI of the unit a row names: in the graph, else another row of the list."""
    name = d.entry.get(column)
    if not name:
        return ""
    found, _ = index.match([name], None, programme_variants=False)
    top = [c for c in found if c.score == found[0].score] if found else []
    if len(top) == 1:
        return top[0].iri
    if len(top) > 1:
        d.why.append(f"{column.replace('_', ' ')} {name!r} fits {len(top)} institutions: not linked")
        return ""
    rows = [r for r in by_list_key.get(index.keys(name)[0], []) if r is not d and r.institution]
    if len(rows) == 1:
        return rows[0].institution
    d.why.append(f"{column.replace('_', ' ')} {name!r} is not in the graph: add it as a row of "
                 "its own to link it")
    return ""


def tie_break(index: GraphIndex, d: Decision) -> None:
    """Among equally good candidates, the only one with the row's supporting unit wins."""
    if d.outcome != "ambiguous" or not d.supporting_unit:
        return
    with_unit = [c for c in d.candidates
                 if d.supporting_unit in index.units.get((c.iri, "lin:SupportingUnit"), ())]
    if len(with_unit) == 1:
        d.why = [w for w in d.why if "institutions fit" not in w]
        _matched(d, with_unit[0], "; the supporting unit tells the candidates apart")


def _propose(index: GraphIndex, by_list_key, d: Decision) -> None:
    tie_break(index, d)
    target = d.institution
    predecessor = d.entry.get("predecessor")
    if predecessor:
        found, _ = index.match([predecessor])
        top = [c for c in found if c.score == found[0].score] if found else []
        origin = top[0].iri if len(top) == 1 else ""
        if not top:
            rows = [r for r in by_list_key.get(index.keys(predecessor)[0], []) if r is not d]
            origin = rows[0].institution if len(rows) == 1 else ""
        if not origin:
            d.why.append(f"predecessor {predecessor!r} not found (or not unique): no event proposed")
        elif target and index.has_event(origin, target):
            d.why.append("the event from the predecessor is already in the graph")
        elif origin != target:
            kind = (d.entry.get("predecessor_event") or "Conversion").strip()
            d.proposal, d.proposal_from, d.proposal_confidence = kind, origin, "Medium"
            d.why.append(f"the list names {predecessor!r} as predecessor: {kind} proposed")
        return
    if d.wanted != NERC or not d.supporting_unit:
        return
    for name in d.entry.names():
        key = index.keys(name)[1]
        if not key or key[0] != "NationalEngineeringResearchCenter":
            continue
        nels = [i for i in index.by_programme.get(("NationalEngineeringLaboratory", key[1]), ())
                if d.supporting_unit in index.units.get((i, "lin:SupportingUnit"), ())
                and i != target and not index.has_event(i, target)]
        if len(nels) == 1:
            d.proposal, d.proposal_from, d.proposal_confidence = "Conversion", nels[0], "Low"
            d.why.append(f"{index.label(nels[0])} (NEL) has the same field and supporting unit: "
                         "conversion into this NERC proposed (an inference)")
            return


def review_rows(decisions: list[Decision], listing: InstitutionList, status: str = "") -> list[dict]:
    """The review file's rows (lineage.curation.review.COLUMNS), one per list row."""
    from .review import status_name

    rows = []
    for d in decisions:
        e = d.entry
        stated = status_name(e.get("status") or listing.status or status)
        proposal_status = stated if d.proposal else ""
        why = list(d.why)
        if d.proposal and not stated:
            why.append("the list does not say how far the change went: fill proposal_status")
        rows.append({
            "list_row": e.number, "kind": "list", "outcome": d.outcome,
            "institution": shorten(d.institution) if d.institution else "",
            "score": f"{d.score:.2f}" if d.score else "", "why": "; ".join(why),
            "candidates": "; ".join(f"{shorten(c.iri)} ({c.score:.2f})" for c in d.candidates),
            "proposal": d.proposal, "proposal_from": shorten(d.proposal_from) if d.proposal_from else "",
            "proposal_status": proposal_status,
            "proposal_date": (e.get("approved") or e.get("established")) if d.proposal else "",
            "proposal_confidence": d.proposal_confidence,
            "name_zh": e.get("name_zh"), "name_en": e.get("name_en"),
            "name_en_is_translation": "false" if e.get("name_en") else "",
            "type": e.get("type") or (d.wanted.rsplit("#", 1)[-1] if d.wanted else ""),
            "alt_names": e.get("alt_names"),
            "supporting_unit": e.get("supporting_unit"),
            "supporting_unit_iri": shorten(d.supporting_unit) if d.supporting_unit else "",
            "managing_unit": e.get("managing_unit"),
            "managing_unit_iri": shorten(d.managing_unit) if d.managing_unit else "",
            "approved": e.get("approved"), "established": e.get("established"),
            "source_title": e.source.title, "source_url": e.source.url,
            "source_publisher": e.source.publisher, "source_date": e.source.date,
            "list_file": listing.file,
        })
    return rows
