"""One rule picks a node's English and Chinese label (lineage.labels), and every part of the
library that shows a name gives the same answer for the same node."""

from __future__ import annotations

import pytest
from rdflib import Literal

from lineage import Lineage
from lineage.labels import LabelChooser, english_and_chinese
from lineage.outputs.views import build_view

FRENCH_ONLY = "inst:labels-test-centre"
WHEAT = "National Wheat Engineering Technology Research Center"

DATA = """\
@prefix lin: <https://w3id.org/lineage/ontology#> .
@prefix inst: <https://w3id.org/lineage/id/inst/> .
@prefix event: <https://w3id.org/lineage/id/event/> .
@prefix src: <https://w3id.org/lineage/id/src/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

inst:labels-test-centre a lin:NationalEngineeringTechnologyResearchCenter ;
    rdfs:label "Centre national d'essai"@fr , "国家测试中心"@zh ;
    lin:labelIsTranslation true ;
    dcterms:source src:labels-test-source .

event:labels-test-conversion a lin:Conversion ;
    org:originalOrganization inst:labels-test-centre ;
    org:resultingOrganization inst:national-wheat-technology-innovation-center ;
    lin:status lin:Applied ;
    dcterms:date "2021"^^xsd:gYear ;
    dcterms:source src:labels-test-source .

src:labels-test-source a lin:Source ;
    rdfs:label "A test fixture, not a real source"@en .
"""


@pytest.mark.parametrize("labels, expected", [
    ([Literal("A", lang="fr"), Literal("甲", lang="zh")], (None, "甲")),
    ([Literal("B", lang="en-GB"), Literal("A", lang="en")], ("A", None)),
    ([Literal("B", lang="en-US"), Literal("A", lang="en-GB")], ("A", None)),
    ([Literal("plain"), Literal("tagged", lang="en")], ("tagged", None)),
    ([Literal("plain"), Literal("乙", lang="zh-Hans")], ("plain", "乙")),
    ([Literal("乙", lang="zh-TW"), Literal("甲", lang="zh-CN")], (None, "乙")),
])
def test_the_rule(labels, expected):
    assert english_and_chinese(labels) == expected
    assert english_and_chinese(reversed(labels)) == expected  # order never matters


def test_the_chooser_keeps_nodes_apart():
    chooser = LabelChooser()
    chooser.add("a", Literal("A", lang="en"))
    chooser.add("b", Literal("乙", lang="zh"))
    assert (chooser.english("a"), chooser.chinese("a")) == ("A", None)
    assert (chooser.english("b"), chooser.chinese("b")) == (None, "乙")


@pytest.fixture(scope="module")
def lg(tmp_path_factory):
    path = tmp_path_factory.mktemp("labels") / "french.ttl"
    path.write_text(DATA, encoding="utf-8")
    return Lineage.open(data=[path])


def test_a_french_and_chinese_node_reads_the_same_everywhere(lg):
    expected = (None, "国家测试中心")
    resolved = lg.resolve(FRENCH_ONLY)
    by_label = lg.resolve("国家测试中心")
    (hit,) = [h.institution for h in lg.search("测试中心")]
    shown = lg.show(FRENCH_ONLY).institution
    traced = lg.trace(FRENCH_ONLY).root
    traced_up = lg.trace("国家小麦技术创新中心", "up").institutions[resolved.iri]
    (node,) = [n for n in build_view(lg.store, focus=resolved).nodes if n.get("iri") == resolved.iri]
    for ref in (resolved, by_label, hit, shown, traced, traced_up):
        assert (ref.label_en, ref.label_zh) == expected
    assert (node.get("en"), node.get("zh")) == expected


def test_the_french_label_is_not_taken_for_english_in_a_neighbours_details(lg):
    # show() of the institution it converted into names it through Describer.refs
    detail = lg.show("国家小麦技术创新中心")
    named = [p for e in detail.events for p in (*e.originals, *e.results)
             if p.iri.endswith("labels-test-centre")]
    assert named and all((p.label_en, p.label_zh) == (None, "国家测试中心") for p in named)
