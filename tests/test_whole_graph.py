"""lineage.graph.whole and project_whole: the whole graph read in flat queries must give the
same network and the same lifespans as the chunked reads of each institution."""

from __future__ import annotations

import gc

import pytest

from conftest import TURTLE_PREFIXES
from lineage import Lineage
from lineage.analysis.network import all_institutions, project, project_whole
from lineage.gcpause import paused_gc
from lineage.graph.existence import lifespans, whole_graph_lifespans
from lineage.graph.whole import WholeGraph, read_events
from lineage.namespaces import EVENT, INST


def _edges(graph) -> set:
    return {(u, v, k, repr(d)) for u, v, k, d in graph.edges(keys=True, data=True)}


def _nodes(graph) -> dict:
    return {n: repr(sorted(d.items())) for n, d in graph.nodes(data=True)}


#: Every kind of hop and fact the projection reads: a merger, a split, a dissolution (no
#: result), a founding event (not a hop), a pending conversion, a membership.
FAMILY = TURTLE_PREFIXES + """
@prefix rel: <https://w3id.org/lineage/id/rel/> .
inst:a a lin:NationalEngineeringTechnologyResearchCenter ; rdfs:label "A"@en, "甲"@zh ;
  lin:established "1995"^^xsd:gYear ; dcterms:source src:s .
inst:b a lin:NationalEngineeringLaboratory ; rdfs:label "B"@en ; dcterms:source src:s, src:t .
inst:c a lin:NationalEngineeringResearchCenter ; rdfs:label "C"@en .
inst:d a lin:NationalEngineeringResearchCenter ; rdfs:label "D"@en .
inst:e a lin:NationalEngineeringResearchCenter ; rdfs:label "E"@en .
inst:u a lin:University ; rdfs:label "U"@en .
event:found a lin:Establishment ; org:originalOrganization inst:u ; org:resultingOrganization inst:a ;
  lin:status lin:Approved ; dcterms:date "1995"^^xsd:gYear ; dcterms:source src:s .
event:merge a lin:Merger ; org:originalOrganization inst:a, inst:b ; org:resultingOrganization inst:c ;
  lin:status lin:Approved ; dcterms:date "2021-07-01"^^xsd:date ; dcterms:source src:s, src:t .
event:split a lin:Split ; org:originalOrganization inst:c ; org:resultingOrganization inst:d, inst:e ;
  lin:status lin:Applied ; dcterms:date "2023"^^xsd:gYear ; lin:confidence lin:Low .
event:end a lin:Dissolution ; org:originalOrganization inst:d ; lin:status lin:Completed ;
  dcterms:date "2024-03"^^xsd:gYearMonth .
rel:m a org:Membership ; org:member inst:a ; org:organization inst:u ; org:role lin:supportingUnit ;
  lin:from "1995"^^xsd:gYear ; dcterms:source src:t .
src:s dcterms:title "S" ; dcterms:date "2021"^^xsd:gYear .
src:t dcterms:title "T" .
"""


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    path = tmp_path_factory.mktemp("whole") / "family.ttl"
    path.write_text(FAMILY, encoding="utf-8")
    return Lineage.open(data=[path])


@pytest.mark.parametrize("graph", ["bundled", "family"])
@pytest.mark.parametrize("with_units", [False, True])
def test_project_whole_gives_the_chunked_projection_of_every_institution(request, graph,
                                                                           with_units):
    store = request.getfixturevalue(graph).store
    chunked = project(store, all_institutions(store), None, with_units=with_units)
    whole = project_whole(store, with_units=with_units)
    assert _edges(whole.lineage) == _edges(chunked.lineage)
    assert _edges(whole.units) == _edges(chunked.units)
    assert _nodes(whole.lineage) == _nodes(chunked.lineage)
    assert _nodes(whole.units) == _nodes(chunked.units)
    assert {k: sorted(v, key=repr) for k, v in whole.terminal_events.items()} == {
        k: sorted(v, key=repr) for k, v in chunked.terminal_events.items()}
    assert whole.lineage.number_of_edges() >= 5


def test_the_family_projects_every_hop_and_the_dissolution(family):
    net = project_whole(family.store, with_units=True)
    ours = {f"{INST}{x}" for x in "abcde"}  # the bundled graph is loaded too
    hops = {(u.rsplit("/", 1)[-1], v.rsplit("/", 1)[-1], d["event"].event_type)
            for u, v, d in net.lineage.edges(data=True) if u in ours}
    assert hops == {("a", "c", "lin:Merger"), ("b", "c", "lin:Merger"),
                    ("c", "d", "lin:Split"), ("c", "e", "lin:Split")}
    assert [e.event_type for e in net.terminal_events[f"{INST}d"]] == ["lin:Dissolution"]
    merger = net.lineage.edges[f"{INST}a", f"{INST}c", f"{EVENT}merge"]["event"]
    assert [s.title for s in merger.sources] == ["T", "S"]  # undated first, then by date
    assert net.lineage.nodes[f"{INST}a"]["label_zh"] == "甲"
    assert [k for _, _, k in net.units.edges(f"{INST}a", keys=True)] == [
        "https://w3id.org/lineage/id/rel/m"]


@pytest.mark.parametrize("graph", ["bundled", "family"])
def test_whole_graph_lifespans_are_the_rule_read_per_institution(request, graph):
    store = request.getfixturevalue(graph).store
    from_facts = whole_graph_lifespans(store, WholeGraph.read(store))
    queried = lifespans(store)
    assert from_facts == queried
    assert sum(1 for span in queried.values() if span.start is not None) >= 5


def test_events_keep_their_stated_types_parties_and_facts(tmp_path):
    data = tmp_path / "two.ttl"
    data.write_text(TURTLE_PREFIXES + """
inst:a a lin:NationalEngineeringTechnologyResearchCenter ; rdfs:label "A"@en .
inst:b a lin:NationalEngineeringResearchCenter ; rdfs:label "B"@en .
event:ab a lin:Conversion ; org:originalOrganization inst:a ; org:resultingOrganization inst:b ;
  lin:status lin:Approved ; dcterms:date "2021-07"^^xsd:gYearMonth ; dcterms:source src:s .
src:s dcterms:title "S" .
""", encoding="utf-8")
    store = Lineage.open(data=[data]).store
    event = read_events(store)["https://w3id.org/lineage/id/event/ab"]
    # the derived graph adds lin:ChangeEvent (the closure); only the stated type is read
    assert event.types == {"https://w3id.org/lineage/ontology#Conversion"}
    assert event.originals == ["https://w3id.org/lineage/id/inst/a"]
    assert event.results == ["https://w3id.org/lineage/id/inst/b"]
    assert (event.status, event.date.lexical, event.date.precision) == (
        "lin:Approved", "2021-07", "month")


def test_a_paused_collection_leaves_no_young_objects_behind():
    """What a pause allocated joins the oldest generation, so the next young collection
    does not walk all of it at once (regression: a tenth of a 20,000-node view)."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(10**9)  # no automatic collection may move them while we look
    try:
        with paused_gc():
            made = [[i] for i in range(2_000)]  # lists are always tracked
        oldest = {id(o) for o in gc.get_objects(generation=2)}
        young = {id(o) for o in gc.get_objects(generation=0)}
    finally:
        gc.set_threshold(*thresholds)
    assert all(id(item) in oldest and id(item) not in young for item in made)
    assert gc.isenabled()
