"""The reference dossier's facts are in the bundled graph, each with its source (issue 8).

The dossier itself (shared/reference/facts.yaml) is not shipped and users never have it, so the
record list is hard-coded below: every record of high or medium confidence maps either to a label
(en or zh) that a node of the graph carries together with a dcterms:source, or to LEFT_OUT, in
which case graphs/README.md must list the record with the reason it was left out.

Queries go through the library facade (`Lineage.open()`, project prefixes pre-bound).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import XSD

from lineage.namespaces import DERIVED_GRAPH

ROOT = Path(__file__).resolve().parent.parent
GRAPHS = ROOT / "graphs"
README = GRAPHS / "README.md"
LIN = "https://w3id.org/lineage/ontology#"

LEFT_OUT = "LEFT_OUT"

# Every high- or medium-confidence record of the dossier (71 of its 81 records) -> a label the graph
# must carry on a sourced node, or LEFT_OUT.
RECORDS: dict[str, str] = {
    # seed-derived statistics (graphs/seed-article.ttl)
    "seed-netrc-count-374": "At least 374 NETRCs in China (2020)",
    "seed-netrc-count-360-most-reports": "360 NETRCs described by the MOST reports (2016)",
    "seed-netrc-origin-of-achievements-2014": "70.40 percent of NETRC achievements from self-developed R&D (2014)",
    "seed-netrc-origin-of-achievements-2015": "71.22 percent of NETRC achievements from self-developed R&D (2015)",
    "seed-netrc-origin-of-achievements-2016": "88.72 percent of NETRC achievements from indigenous innovation (2016)",
    "seed-netrc-outputs-2016": "8,240 patents approved for NETRCs (2016)",
    "seed-netrc-managing-units": "The Ministry of Public Security serves as managing unit of some NETRCs",
    "seed-nerc-count-191": "Approximately 191 NERCs in operation (2022)",
    # national technology innovation centres
    "ntic-high-speed-train": "国家高速列车技术创新中心",
    "ntic-new-energy-vehicle": "国家新能源汽车技术创新中心",
    "ntic-synthetic-biology": "国家合成生物技术创新中心",
    "ntic-jingjinji": "京津冀国家技术创新中心",
    "ntic-yangtze-river-delta": "长三角国家技术创新中心",
    "ntic-new-display": "国家新型显示技术创新中心",
    "ntic-third-gen-semiconductor": "国家第三代半导体技术创新中心",
    "ntic-biopharma": "国家生物药技术创新中心",
    "ntic-saline-alkali-rice": "国家耐盐碱水稻技术创新中心",
    "ntic-dairy": "国家乳业技术创新中心",
    "ntic-digital-construction": "国家数字建造技术创新中心",
    "ntic-intelligent-design-nc": "国家智能设计与数控技术创新中心",
    "ntic-eda": "国家集成电路设计自动化技术创新中心",
    "ntic-blockchain": "国家区块链技术创新中心",
    "ntic-green-low-carbon-building": "国家建筑绿色低碳技术创新中心",
    "ntic-high-end-aviation-equipment": "国家高端航空装备技术创新中心",
    "ntic-sichuan-tibet-railway": "国家川藏铁路技术创新中心",
    "ntic-saline-alkali-land": "国家盐碱地综合利用技术创新中心",
    "ntic-wheat-preparatory": "国家小麦技术创新中心",
    "ntic-live-pig": "国家生猪技术创新中心",
    # NERC / NEL new sequence
    "event-nerc-nel-optimization-2021": "National Engineering Laboratories and National Engineering Research Centers combined into a new sequence of National Engineering Research Centers",
    "stat-nerc-new-sequence-batch1": "38 centres admitted to the new sequence in the first batch (2021)",
    "stat-nerc-new-sequence-from-counts": "217 national engineering laboratories in the pool from which the 191 new-sequence NERCs were selected",
    "stat-nerc-participants-discrepancy": "349 NERCs and NELs evaluated for the new sequence in 2021 (variant)",
    "nerc-advanced-polymers": "先进聚合物国家工程研究中心",
    "nerc-tire-equipment-materials": "轮胎先进装备与关键材料国家工程研究中心",
    "nerc-soil-fertilizer": "土肥高效利用国家工程研究中心",
    "nerc-highway-maintenance": "公路养护技术国家工程研究中心",
    "nerc-vacuum-metallurgy": "真空冶金国家工程研究中心",
    "nerc-agri-biodiversity": LEFT_OUT,
    "nerc-medical-implant-devices": LEFT_OUT,
    "nerc-eda-empyrean": LEFT_OUT,
    "nerc-harbin-power-equipment": "哈电发电设备国家工程研究中心有限公司",
    "nerc-digital-tv": "数字电视国家工程研究中心",
    "nel-municipal-wastewater": "城镇污水深度处理与资源化利用技术国家工程实验室",
    "nerc-novel-vaccines-sinopharm": LEFT_OUT,
    "nerc-advanced-pharma-manufacturing": LEFT_OUT,
    # national engineering technology research centres and their rounds
    "netrc-silicon-led": "国家硅基LED工程技术研究中心",
    "netrc-wheat": "国家小麦工程技术研究中心",
    "netrc-asic-system": "National ASIC System Engineering Technology Research Center",
    "netrc-mountain-highway": "国家山区公路工程技术研究中心",
    "netrc-agri-product-preservation-tianjin": "国家农产品保鲜工程技术研究中心（天津）",
    "netrc-batch-accepted-2005": "2005 acceptance round of National Engineering Technology Research Centers (seven centres)",
    "event-netrc-2006-formation-plan": "关于国家镁合金材料工程技术研究中心等12个工程技术研究中心可行性论证报告的批复",
    "event-netrc-2014-approvals": "科技部关于2014年度国家工程技术研究中心立项的通知",
    "event-netrc-2016-acceptance": "2016 acceptance round of National Engineering Technology Research Centers (31 centres)",
    "event-netrc-2017-acceptance": "科技部关于重载快捷铁路货车等38个国家工程技术研究中心通过验收的通知",
    # policies
    "policy-1993-netrc-interim-measures": "国家工程技术研究中心暂行管理办法",
    "policy-2014-central-st-program-reform": "关于深化中央财政科技计划(专项、基金等)管理改革的方案",
    "policy-2016-idds": "国家创新驱动发展战略纲要",
    "policy-2016-13th-fyp-st-innovation": "“十三五”国家科技创新规划",
    "policy-2017-st-base-optimization": "国家科技创新基地优化整合方案",
    "policy-2017-ntic-work-guidelines": "国家技术创新中心建设工作指引",
    "policy-2020-ntic-general-plan": "关于推进国家技术创新中心建设的总体方案(暂行)",
    "policy-2021-ntic-admin-measures": "国家技术创新中心建设运行管理办法(暂行)",
    "policy-2022-enterprise-capability-action-plan": "企业技术创新能力提升行动方案(2022—2023年)",
    "policy-2020-nerc-admin-measures": "国家工程研究中心管理办法",
    "policy-2006-nel-guidance": "建设国家工程实验室的指导意见",
    # cross-cutting events and figures
    "event-ntic-batch-approvals-2022-12-30": "Conversion of the National ASIC System Engineering Technology Research Center into the National Integrated Circuit Design Automation Technology Innovation Center",
    "stat-ntic-count-19-before-eda": "19 NTICs before the EDA centre (3 comprehensive, 16 field-specific)",
    "stat-ntic-target-2017": "About 20 NTICs to be built during the 13th Five-Year Plan period",
    "event-moe-netrc-conversion-push": LEFT_OUT,
    "disambiguation-innovation-center-types": "国家数字化设计与制造创新中心",
}

# The look-alike centres of other programmes (MIIT manufacturing, NDRC industrial innovation centres).
LOOKALIKES = {
    "国家动力电池创新中心": "NationalManufacturingInnovationCenter",
    "国家数字化设计与制造创新中心": "NationalManufacturingInnovationCenter",
    "国家智能网联汽车创新中心": "NationalManufacturingInnovationCenter",
    "国家精准医学产业创新中心": "NationalIndustrialInnovationCenter",
}

DERIVED = {"succeededBy", "precededBy", "pendingSuccessor", "convertedInto", "mergedInto",
           "supportingUnit", "managingUnit"}


@pytest.fixture(scope="module")
def lg():
    from lineage import Lineage

    return Lineage.open()


def select(lg, sparql: str) -> list[dict]:
    return lg.query(sparql).bindings()


@pytest.fixture(scope="module")
def sourced_labels(lg) -> set[str]:
    """Every rdfs:label (any language) of a node that has a dcterms:source pointing at a lin:Source."""
    rows = select(lg, """
        SELECT DISTINCT ?label WHERE {
          ?x rdfs:label ?label ; dcterms:source ?s .
          ?s a/rdfs:subClassOf* lin:Source .
        }""")
    return {str(r["label"]) for r in rows}


def test_the_record_table_covers_71_records():
    assert len(RECORDS) == 71
    assert len(set(RECORDS)) == len(RECORDS)


@pytest.mark.parametrize("record", sorted(r for r, v in RECORDS.items() if v != LEFT_OUT))
def test_record_is_in_the_graph_with_a_source(record, sourced_labels):
    label = RECORDS[record]
    assert label in sourced_labels, f"dossier record {record}: no sourced node labelled {label!r}"


@pytest.fixture(scope="module")
def readme_rows() -> dict[str, str]:
    """Left-out table of graphs/README.md: record id -> reason."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`([a-z0-9-]+)`\s*\|\s*(high|medium|low)\s*\|\s*(.+?)\s*\|\s*$", line)
        if m:
            rows[m.group(1)] = m.group(3)
    return rows


@pytest.mark.parametrize("record", sorted(r for r, v in RECORDS.items() if v == LEFT_OUT))
def test_left_out_record_is_listed_with_a_reason(record, readme_rows):
    assert record in readme_rows, f"{record} is left out but not listed in graphs/README.md"
    assert len(readme_rows[record].split()) >= 5, f"{record}: the README gives no real reason"


def test_left_out_records_are_really_absent(readme_rows, sourced_labels):
    # A record listed as left out must not also be mapped to a label the test expects.
    assert not [r for r in readme_rows if RECORDS.get(r) not in (None, LEFT_OUT)]


# =====================================================================================================
# The EDA conversion
# =====================================================================================================

def test_eda_conversion_is_approved_on_2022_12_30_with_a_source(lg):
    rows = select(lg, """
        SELECT ?e ?status ?date ?source ?title ?body WHERE {
          ?asic rdfs:label "National ASIC System Engineering Technology Research Center"@en ;
                rdfs:label "国家专用集成电路系统工程技术研究中心"@zh ;
                a lin:NationalEngineeringTechnologyResearchCenter ;
                lin:labelIsTranslation true .
          ?eda rdfs:label "国家集成电路设计自动化技术创新中心"@zh ; a lin:NationalTechnologyInnovationCenter .
          ?e a lin:Conversion ; org:originalOrganization ?asic ; org:resultingOrganization ?eda ;
             lin:status ?status ; dcterms:date ?date ; dcterms:source ?source ;
             prov:wasAssociatedWith ?body .
          ?source a lin:Source ; dcterms:title ?title .
        }""")
    assert rows, "no conversion from the ASIC NETRC to the EDA NTIC"
    assert {str(r["status"]) for r in rows} == {LIN + "Approved"}
    assert {r["date"] for r in rows} == {Literal("2022-12-30", datatype=XSD.date)}
    assert {str(r["body"]) for r in rows} == {"https://w3id.org/lineage/id/inst/ministry-of-science-and-technology"}
    assert len({str(r["source"]) for r in rows}) >= 2


def test_eda_centre_lead_and_organising_units(lg):
    rows = select(lg, """
        SELECT ?role ?unit WHERE {
          ?eda rdfs:label "国家集成电路设计自动化技术创新中心"@zh .
          ?m a org:Membership ; org:member ?eda ; org:role ?role ; org:organization/rdfs:label ?unit ;
             dcterms:source ?s .
          FILTER(LANG(?unit) = "zh")
        }""")
    pairs = {(str(r["role"]).rsplit("#", 1)[1], str(r["unit"])) for r in rows}
    assert ("LeadUnit", "东南大学") in pairs
    assert {("OrganizingUnit", "江苏省人民政府"), ("OrganizingUnit", "教育部")} <= pairs


# =====================================================================================================
# Conflicting claims: kept twice, each with its own source, linked by lin:conflictsWith
# =====================================================================================================

def test_conflicting_claims_have_their_own_sources_and_are_linked_both_ways(lg):
    rows = select(lg, """
        SELECT ?a ?b ?type WHERE {
          ?a lin:conflictsWith ?b . ?a a ?type . ?b a ?type .
          FILTER(?type IN (qb:Observation, lin:Establishment, lin:Conversion, lin:Merger, org:Membership))
        }""")
    pairs = {(str(r["a"]), str(r["b"])) for r in rows}
    assert len(pairs) >= 6, "expected at least three conflicts, each linked both ways"
    for a, b in pairs:
        assert (b, a) in pairs, f"lin:conflictsWith {a} -> {b} is not stated both ways"
        sources = {}
        for node in (a, b):
            found = select(lg, f"SELECT ?s WHERE {{ <{node}> dcterms:source ?s . ?s a/rdfs:subClassOf* lin:Source }}")
            sources[node] = {str(r["s"]) for r in found}
            assert sources[node], f"{node} has no source"
        assert sources[a] - sources[b] and sources[b] - sources[a], (
            f"{a} and {b} do not each have a source of their own")


def _values(lg, node: str, prop: str) -> set:
    return {r["v"] for r in select(lg, f"SELECT ?v WHERE {{ <{node}> {prop} ?v }}")}


def test_participants_348_and_349_are_both_kept(lg):
    rows = select(lg, """
        SELECT ?a ?b ?va ?vb WHERE {
          ?a lin:conflictsWith ?b ; lin:indicator ?i ; lin:refPeriod ?p ; lin:value ?va .
          ?b lin:indicator ?i ; lin:refPeriod ?p ; lin:value ?vb .
          FILTER(?i = lin:EvaluatedUnitCount)
        }""")
    assert {(int(r["va"].toPython()), int(r["vb"].toPython())) for r in rows} >= {(348, 349), (349, 348)}


def test_jingjinji_approval_month_may_and_june_both_kept(lg):
    rows = select(lg, """
        SELECT ?e ?date ?other WHERE {
          ?c rdfs:label "京津冀国家技术创新中心"@zh .
          ?e a lin:Establishment ; org:originalOrganization|org:resultingOrganization ?c ;
             dcterms:date ?date ; lin:status lin:Approved ; lin:conflictsWith ?other .
        }""")
    assert {str(r["date"]) for r in rows} == {"2020-05", "2020-06"}
    assert all(r["date"].datatype == XSD.gYearMonth for r in rows)


def test_show_presents_both_conflicting_events(run):
    result = run("show", "京津冀国家技术创新中心")
    assert result.exit_code == 0
    assert "2020-05" in result.output and "2020-06" in result.output


# =====================================================================================================
# Look-alike programmes are not national technology innovation centres
# =====================================================================================================

def test_no_lookalike_is_typed_as_ntic(lg):
    rows = select(lg, """
        SELECT DISTINCT ?x ?zh WHERE {
          ?x a lin:NationalTechnologyInnovationCenter ; rdfs:label ?zh .
          FILTER(LANG(?zh) = "zh")
          FILTER(CONTAINS(?zh, "制造业创新中心") || CONTAINS(?zh, "产业创新中心")
                 || !CONTAINS(?zh, "技术创新中心"))
        }""")
    assert rows == [], f"not NTICs by name: {[str(r['zh']) for r in rows]}"
    both = select(lg, """
        SELECT ?x WHERE {
          ?x a lin:NationalTechnologyInnovationCenter .
          { ?x a lin:NationalManufacturingInnovationCenter } UNION { ?x a lin:NationalIndustrialInnovationCenter }
        }""")
    assert both == []


@pytest.mark.parametrize("zh", sorted(LOOKALIKES))
def test_lookalike_has_its_own_class_and_a_source(lg, zh):
    rows = select(lg, f"""
        SELECT ?t WHERE {{
          ?x rdfs:label "{zh}"@zh ; dcterms:source ?s .
          GRAPH ?g {{ ?x a ?t }} FILTER(?g != <{DERIVED_GRAPH}>)  # the stated type, not the closure
          FILTER(STRSTARTS(STR(?t), "{LIN}"))
        }}""")
    types = {str(r["t"]).rsplit("#", 1)[1] for r in rows}
    assert types == {LOOKALIKES[zh]}, f"{zh}: typed {types}"


def test_lookalike_classes_are_disjoint_from_ntic(lg):
    rows = select(lg, """
        SELECT ?m WHERE {
          ?d a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first lin:NationalTechnologyInnovationCenter ;
             owl:members/rdf:rest*/rdf:first ?m .
        }""")
    members = {str(r["m"]) for r in rows}
    assert {LIN + "NationalManufacturingInnovationCenter", LIN + "NationalIndustrialInnovationCenter"} <= members


def test_hust_trap_one_university_leads_an_ntic_and_an_miit_centre(lg):
    rows = select(lg, """
        SELECT ?type WHERE {
          ?hust rdfs:label "华中科技大学"@zh .
          ?m a org:Membership ; org:role lin:LeadUnit ; org:organization ?hust ; org:member ?c ;
             dcterms:source ?s .
          ?c a ?type . FILTER(?type IN (lin:NationalTechnologyInnovationCenter, lin:NationalManufacturingInnovationCenter))
        }""")
    assert {str(r["type"]).rsplit("#", 1)[1] for r in rows} == {
        "NationalTechnologyInnovationCenter", "NationalManufacturingInnovationCenter"}


# =====================================================================================================
# The files themselves
# =====================================================================================================

GRAPH_FILES = sorted(GRAPHS.glob("*.ttl"))


@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: p.name)
def test_graph_file_starts_with_a_header_comment(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith("#"), f"{path.name} does not start with a comment"
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    text = "\n".join(header)
    assert len(header) >= 10 and f"graphs/{path.name}" in text, f"{path.name}: header too short or unnamed"
    for part in ("covers", "Sources", "Curator notes"):
        assert part in text, f"{path.name}: header lacks a '{part}' section"


@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: p.name)
def test_graph_file_writes_no_derived_edges_and_dates_are_typed(path):
    g = Graph().parse(path, format="turtle")
    used = {str(p)[len(LIN):] for p in g.predicates() if str(p).startswith(LIN)}
    assert not used & DERIVED, f"{path.name} writes derived properties {used & DERIVED}"
    dated = {"http://purl.org/dc/terms/date", "http://purl.org/dc/terms/issued"} | {
        LIN + n for n in ("established", "refPeriod", "statusAsOf", "prizeYear", "from", "until")}
    for s, p, o in g:
        if str(p) in dated:
            assert isinstance(o, Literal) and o.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear), (s, p, o)


def test_location_literals_are_language_tagged(lg):
    rows = select(lg, """
        SELECT ?x ?v WHERE { ?x lin:province|lin:city ?v . FILTER(LANG(?v) = "") }""")
    assert rows == []


def test_every_ntic_has_a_chinese_name_and_every_approval_event_a_body(lg):
    rows = select(lg, """
        SELECT ?e WHERE {
          ?e a lin:Establishment ; lin:status lin:Approved ;
             org:originalOrganization|org:resultingOrganization ?c .
          ?c a lin:NationalTechnologyInnovationCenter .
          FILTER NOT EXISTS { ?e prov:wasAssociatedWith ?body }
        }""")
    assert rows == [], "NTIC approvals without an approving body"


# =====================================================================================================
# Managing units, the lineages the leads name, and the audit's fixes
# =====================================================================================================

def test_every_institution_says_whether_its_english_label_is_a_translation(lg):
    missing = select(lg, """
        SELECT ?i WHERE {
          ?i a/rdfs:subClassOf* lin:Institution .
          FILTER NOT EXISTS { ?i lin:labelIsTranslation ?flag }
        }""")
    assert missing == [], f"no lin:labelIsTranslation: {[str(r['i']) for r in missing]}"


def test_every_untranslated_english_label_cites_a_page_that_prints_it(lg):
    rows = select(lg, """
        SELECT ?i ?url WHERE {
          ?i a/rdfs:subClassOf* lin:Institution ; lin:labelIsTranslation false .
          OPTIONAL { ?i lin:englishLabelSource ?s . ?s a/rdfs:subClassOf* lin:Source ; schema:url ?url }
        }""")
    assert rows, "no institution has an English label a source prints"
    assert [str(r["i"]) for r in rows if r.get("url") is None] == []


@pytest.mark.parametrize("zh", ["长沙理工大学", "华中科技大学"])
def test_csust_and_hust_english_names_cite_the_page_that_prints_them(lg, zh):
    rows = select(lg, f"""
        SELECT ?flag ?url WHERE {{
          ?i rdfs:label "{zh}"@zh ; lin:labelIsTranslation ?flag .
          OPTIONAL {{ ?i lin:englishLabelSource/schema:url ?url }}
        }}""")
    assert rows and all(r["flag"].toPython() is False for r in rows)
    assert all(r.get("url") is not None for r in rows)


def test_no_inferred_role_is_of_high_confidence(lg):
    rows = select(lg, """
        SELECT ?m WHERE { ?m a org:Membership ; lin:roleInferred true ; lin:confidence lin:High }""")
    assert rows == []


@pytest.mark.parametrize("member_zh, unit_zh, role", [
    # "东南大学国家专用集成电路系统工程技术研究中心": a possessive, not 依托单位
    ("国家专用集成电路系统工程技术研究中心", "东南大学", "SupportingUnit"),
    # "牵头申请": led the application, not the lead unit
    ("国家新型显示技术创新中心", "广东聚华新型显示研究院", "LeadUnit"),
    # "我校...国家工程实验室": a possessive
    ("公路养护技术国家工程实验室", "长沙理工大学", "SupportingUnit"),
])
def test_roles_read_into_other_wording_are_marked_inferred_and_low(lg, member_zh, unit_zh, role):
    rows = select(lg, f"""
        SELECT ?inferred ?conf WHERE {{
          ?m a org:Membership ; org:role lin:{role} ; org:member/rdfs:label "{member_zh}"@zh ;
             org:organization/rdfs:label "{unit_zh}"@zh ; lin:confidence ?conf .
          OPTIONAL {{ ?m lin:roleInferred ?inferred }}
        }}""")
    assert len(rows) == 1
    assert rows[0]["inferred"].toPython() is True and str(rows[0]["conf"]) == LIN + "Low"


@pytest.mark.parametrize("short, full", [
    ("中国绿发", "中国绿发投资集团有限公司"), ("中国建材", "中国建材集团有限公司"),
    ("中国能建", "中国能源建设集团有限公司"), ("中林集团", "中国林业集团有限公司"),
    ("中国节能", "中国节能环保集团有限公司"),
])
def test_short_names_are_alt_labels_of_the_full_registered_name(lg, short, full):
    rows = select(lg, f"""
        SELECT DISTINCT ?x WHERE {{
          ?x rdfs:label "{full}"@zh ; skos:altLabel "{short}"@zh ;
             lin:labelSource/schema:url ?url .
        }}""")
    assert len(rows) == 1
    assert select(lg, f'SELECT ?x WHERE {{ ?x rdfs:label "{short}"@zh }}') == []


def test_managing_unit_memberships_are_sourced_data(lg):
    rows = select(lg, """
        SELECT ?centre ?unit ?url WHERE {
          ?m a org:Membership ; org:role lin:ManagingUnit ; org:member/rdfs:label ?centre ;
             org:organization/rdfs:label ?unit ; dcterms:source/schema:url ?url .
          FILTER(LANG(?centre) = "zh" && LANG(?unit) = "zh")
        }""")
    assert ("公路养护技术国家工程实验室", "湖南省发展和改革委员会") in {
        (str(r["centre"]), str(r["unit"])) for r in rows}
    # the derived shortcut is computed from the membership
    derived = select(lg, """
        SELECT ?u WHERE { ?c rdfs:label "公路养护技术国家工程实验室"@zh ; lin:managingUnit ?u }""")
    assert len(derived) == 1


def test_by_managing_unit_canned_query_lists_memberships_each_with_a_source(run):
    result = run("query", "--name", "by-managing-unit", "--format", "json")
    assert result.exit_code == 0, result.output
    import json

    rows = json.loads(result.stdout)["results"]["bindings"]
    assert rows and all("source" in r for r in rows)
    assert any(r["scope"]["value"] == "institution" for r in rows)


@pytest.mark.parametrize("nel_zh, nerc_zh, status, confidence", [
    ("轮胎先进装备与关键材料国家工程实验室", "轮胎先进装备与关键材料国家工程研究中心", "Completed", "Medium"),
    ("高速铁路建造技术国家工程实验室", "高速铁路建造技术国家工程研究中心", "Completed", "Low"),
])
def test_named_nel_to_nerc_lineages_are_sourced_conversions(lg, nel_zh, nerc_zh, status, confidence):
    rows = select(lg, f"""
        SELECT ?status ?conf ?url WHERE {{
          ?e a lin:Conversion ; org:originalOrganization/rdfs:label "{nel_zh}"@zh ;
             org:resultingOrganization/rdfs:label "{nerc_zh}"@zh ;
             lin:status ?status ; lin:confidence ?conf ; dcterms:source/schema:url ?url .
        }}""")
    assert rows
    assert {str(r["status"]) for r in rows} == {LIN + status}
    assert {str(r["conf"]) for r in rows} == {LIN + confidence}


def test_refractory_and_rice_laboratories_are_recorded_without_an_invented_successor(lg):
    rows = select(lg, """
        SELECT ?zh ?succ WHERE {
          VALUES ?zh { "难冶有色金属资源高效利用国家工程实验室"@zh "稻谷及副产物深加工国家工程实验室"@zh }
          ?x rdfs:label ?zh ; dcterms:source ?s .
          OPTIONAL { ?x lin:succeededBy ?succ }
        }""")
    assert {str(r["zh"]) for r in rows} == {"难冶有色金属资源高效利用国家工程实验室", "稻谷及副产物深加工国家工程实验室"}
    assert all(r.get("succ") is None for r in rows)


def test_2014_plan_and_2020_ntic_plan_as_their_copies_give_them(lg):
    rows = select(lg, """
        SELECT ?issued ?id WHERE {
          ?p rdfs:label "关于深化中央财政科技计划(专项、基金等)管理改革的方案"@zh ;
             dcterms:issued ?issued ; dcterms:identifier ?id ; dcterms:creator/rdfs:label "国务院"@zh .
        }""")
    assert [(str(r["issued"]), str(r["id"])) for r in rows] == [("2014-12-03", "国发[2014]64号")]
    creators = select(lg, """
        SELECT ?c WHERE { ?p rdfs:label "关于推进国家技术创新中心建设的总体方案(暂行)"@zh ;
                              dcterms:creator/rdfs:label ?c . FILTER(LANG(?c) = "zh") }""")
    assert {str(r["c"]) for r in creators} == {"科学技术部", "财政部"}
    # no copy of the 2020 plan itself was reachable: no number, month precision only
    assert select(lg, """SELECT ?id WHERE { ?p rdfs:label "关于推进国家技术创新中心建设的总体方案(暂行)"@zh ;
                                             dcterms:identifier ?id }""") == []


@pytest.mark.parametrize("statement_body_zh, rule_source_url", [
    ("工业和信息化部", "http://nbxinxi.com/a/zhengcedaquan/2018/1025/13157.html"),
    ("国家发展和改革委员会", "http://drive.dizo.com.cn/guonei/2022/0323/100018466.html"),
])
def test_programme_role_statements_cite_the_programme_rule(lg, statement_body_zh, rule_source_url):
    rows = select(lg, f"""
        SELECT ?st WHERE {{
          ?st a lin:ProgrammeRoleStatement ; org:organization/rdfs:label "{statement_body_zh}"@zh ;
              lin:concerns ?cls ; dcterms:source/schema:url <{rule_source_url}> .
          FILTER(?cls IN (lin:NationalManufacturingInnovationCenter, lin:NationalIndustrialInnovationCenter))
        }}""")
    assert len(rows) == 1
