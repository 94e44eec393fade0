"""Everything known about one institution, each fact with its sources (`lineage show`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from rdflib.namespace import RDFS, SKOS

from .search import NameIndex
from .classes import among, keep_most_specific, superclasses
from .existence import lifespans
from ..labels import LabelChooser
from ..model import DateValue, EventFact, InstitutionDetail, InstitutionRef, MembershipFact, OtherFact
from ..namespaces import LIN, shorten
from .sources import citations, source_refs, values as _values
from ..store.local import Store


_LABELS = """
SELECT ?n ?label WHERE {{ VALUES ?n {{ {values} }} ?n rdfs:label|skos:prefLabel ?label }}"""

_MEMBERSHIPS = """
SELECT ?m ?role ?member ?unit ?from ?until WHERE {{
  {{ ?m org:member <{iri}> }} UNION {{ ?m org:organization <{iri}> }}
  ?m a org:Membership ; org:member ?member ; org:organization ?unit ; org:role ?role .
  OPTIONAL {{ ?m lin:from ?from }} OPTIONAL {{ ?m lin:until ?until }}
}}"""

_EVENTS = """
SELECT ?e ?type ?status ?date ?asOf ?confidence ?comment WHERE {{
  {{ ?e org:originalOrganization <{iri}> }} UNION {{ ?e org:resultingOrganization <{iri}> }}
  ?e a ?type . {event_types}
  OPTIONAL {{ ?e lin:status ?status }} OPTIONAL {{ ?e dcterms:date ?date }}
  OPTIONAL {{ ?e lin:statusAsOf ?asOf }} OPTIONAL {{ ?e lin:confidence ?confidence }}
  OPTIONAL {{ ?e rdfs:comment ?comment }}
}}"""

_CONFLICTS = "SELECT ?e ?c WHERE {{ VALUES ?e {{ {values} }} ?e lin:conflictsWith ?c }}"

_PARTIES = """
SELECT ?e ?side ?x WHERE {{
  VALUES ?e {{ {values} }}
  {{ ?e org:originalOrganization ?x BIND("original" AS ?side) }}
  UNION {{ ?e org:resultingOrganization ?x BIND("result" AS ?side) }}
}}"""

_OTHER = """
SELECT ?n ?kind ?date ?text WHERE {{
  {{ ?n lin:recipient <{iri}> BIND("award" AS ?kind)
     OPTIONAL {{ ?n lin:prizeLevel ?level }} OPTIONAL {{ ?n lin:prize ?prize }}
     OPTIONAL {{ ?n lin:prizeYear ?year }} OPTIONAL {{ ?n lin:awardedFor ?for }}
     BIND(CONCAT(COALESCE(STR(?level), ""), " ", COALESCE(STR(?prize), ""),
                 COALESCE(CONCAT(" ", STR(?year)), ""), COALESCE(CONCAT(": ", STR(?for)), "")) AS ?text) }}
  UNION {{ ?n lin:visited <{iri}> BIND("visit" AS ?kind)
     OPTIONAL {{ ?n prov:wasAssociatedWith/rdfs:label ?who FILTER(LANGMATCHES(LANG(?who), "en")) }}
     BIND(CONCAT("visit by ", COALESCE(STR(?who), "unknown")) AS ?text) }}
  UNION {{ ?n a lin:ProgrammeRoleStatement ; org:organization <{iri}> ; org:role ?role ; lin:concerns ?cls .
     BIND("programme role" AS ?kind)
     OPTIONAL {{ ?role skos:prefLabel ?roleName FILTER(LANGMATCHES(LANG(?roleName), "en")) }}
     OPTIONAL {{ ?cls skos:altLabel ?acronym }}
     BIND(CONCAT(COALESCE(STR(?roleName), STRAFTER(STR(?role), "#")), " of some ",
                 COALESCE(CONCAT(STR(?acronym), "s"), STRAFTER(STR(?cls), "#"))) AS ?text) }}
  UNION {{ ?n dcterms:creator <{iri}> ; a lin:PolicyDocument ; rdfs:label ?title
     FILTER(LANGMATCHES(LANG(?title), "en")) BIND("policy issued" AS ?kind) BIND(STR(?title) AS ?text) }}
  UNION {{ ?n lin:population <{iri}> ; lin:indicator ?ind ; lin:value ?v ; lin:refPeriod ?p
     BIND("figure" AS ?kind)
     BIND(CONCAT(STRAFTER(STR(?ind), "#"), " ", STR(?p), ": ", STR(?v)) AS ?text) }}
  OPTIONAL {{ ?n dcterms:date|dcterms:issued ?date }}
}}"""


class Describer:
    """Builds an InstitutionDetail from a handful of targeted queries."""

    def __init__(self, store: Store, index: NameIndex):
        self.store, self.index = store, index

    def describe(self, ref: InstitutionRef) -> InstitutionDetail:
        detail = InstitutionDetail(ref)
        own_sources = self._own_properties(ref.iri, detail)
        memberships = self.store.select(_MEMBERSHIPS.format(iri=ref.iri)).bindings()
        events = keep_most_specific(self.store.select(_EVENTS.format(
            iri=ref.iri, event_types=among(self.store, "type", LIN.ChangeEvent))).bindings(),
                                    "e", "type", superclasses(self.store))
        others = self.store.select(_OTHER.format(iri=ref.iri)).bindings()
        nodes = [ref.iri, *(r["m"] for r in memberships), *(r["e"] for r in events),
                 *(r["n"] for r in others)]
        cites = citations(self.store, nodes)
        detail.sources = cites.get(ref.iri, [])
        label_sources = [s for kind, s in own_sources if kind == "label"]
        match_sources = [s for kind, s in own_sources if kind == "match"]
        refs = source_refs(self.store, [s for _, s in own_sources])
        detail.label_sources = sorted((refs[s] for s in set(label_sources) if s in refs),
                                      key=lambda s: (str(s.date or ""), s.title))
        detail.match_sources = sorted((refs[s] for s in set(match_sources) if s in refs),
                                      key=lambda s: (str(s.date or ""), s.title))
        detail.memberships = self._memberships(ref.iri, memberships, cites)
        detail.events = self._events(events, cites)
        detail.other_facts = [
            OtherFact(r["kind"].toPython(), str(r["n"]), " ".join(str(r.get("text", "")).split()),
                      DateValue.from_literal(r.get("date")), tuple(cites.get(str(r["n"]), ())))
            for r in others
        ]
        detail.other_facts.sort(key=lambda f: (f.kind, str(f.date or ""), f.summary))
        detail.lifespan = lifespans(self.store, [ref.iri])[ref.iri]
        return detail

    def _own_properties(self, iri: str, detail: InstitutionDetail) -> list[tuple[str, str]]:
        """Fill names, dates, flags and cross-links; return (kind, source IRI) for the sources
        of its names ("label") and of its cross-links ("match")."""
        label_sources = []
        for p, o in self.store.select(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"):
            if p == SKOS.altLabel:
                detail.alt_labels.append(str(o))
            elif p == LIN.labelIsTranslation:
                detail.label_is_translation = bool(o.toPython())
            elif p == LIN.labelSource:
                label_sources.append(("label", str(o)))
            elif p == LIN.matchSource:
                label_sources.append(("match", str(o)))
            elif p == LIN.established:
                detail.established.append(DateValue.from_literal(o))
            elif p == SKOS.exactMatch:
                detail.exact_matches.append(str(o))
            elif p == RDFS.comment:
                detail.comments.append(str(o))
            elif p == LIN.confidence:
                detail.confidence = shorten(str(o))
        detail.alt_labels.sort()
        detail.established.sort(key=str)
        detail.exact_matches.sort()
        return label_sources

    def refs(self, iris: Iterable) -> dict[str, InstitutionRef]:
        """References for institutions and other labelled nodes (people, bodies)."""
        iris = {str(i) for i in iris}
        refs = {i: self.index.refs[i] for i in iris if i in self.index.refs}
        rest = iris - set(refs)
        if rest:
            chosen = LabelChooser()
            for node, label in self.store.select(_LABELS.format(values=_values(rest))):
                chosen.add(str(node), label)
            refs.update({i: InstitutionRef(i, chosen.english(i), chosen.chinese(i)) for i in rest})
        return refs

    def _memberships(self, iri: str, rows: list[dict], cites) -> list[MembershipFact]:
        refs = self.refs([*(r["member"] for r in rows), *(r["unit"] for r in rows)])
        facts = []
        for r in rows:
            as_member = str(r["member"]) == iri
            other = refs[str(r["unit"] if as_member else r["member"])]
            facts.append(MembershipFact(
                str(r["m"]), shorten(str(r["role"])), other, "unit" if as_member else "member",
                DateValue.from_literal(r.get("from")), DateValue.from_literal(r.get("until")),
                tuple(cites.get(str(r["m"]), ())),
            ))
        return sorted(facts, key=lambda f: (f.direction, f.role, f.other.label, f.iri))

    def _events(self, rows: list[dict], cites) -> list[EventFact]:
        parties: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for e, side, x in self.store.select(_PARTIES.format(values=_values(r["e"] for r in rows))):
            parties[str(e)][str(side)].append(str(x))
        refs = self.refs(x for sides in parties.values() for xs in sides.values() for x in xs)
        facts = []
        for r in rows:
            e = str(r["e"])
            facts.append(EventFact(
                iri=e, event_type=shorten(str(r["type"])),
                status=shorten(str(r["status"])) if "status" in r else None,
                date=DateValue.from_literal(r.get("date")),
                originals=tuple(refs[x] for x in sorted(parties[e]["original"])),
                results=tuple(refs[x] for x in sorted(parties[e]["result"])),
                sources=tuple(cites.get(e, ())),
                confidence=shorten(str(r["confidence"])) if "confidence" in r else None,
                comment=str(r["comment"]) if "comment" in r else None,
                status_as_of=DateValue.from_literal(r.get("asOf")),
            ))
        conflicts: dict[str, list[str]] = defaultdict(list)
        if rows:
            query = _CONFLICTS.format(values=_values(r["e"] for r in rows))
            for event, other in self.store.select(query):
                conflicts[str(event)].append(str(other))
        unique = {(f.iri, str(f.date), f.status): f for f in facts}
        return sorted((replace(f, conflicts_with=tuple(sorted(conflicts.get(f.iri, ()))))
                       for f in unique.values()), key=lambda f: (str(f.date or ""), f.iri))
