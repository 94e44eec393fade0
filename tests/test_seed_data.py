"""The seed article's facts are in the graph, each with its source (graphs/seed-article.ttl).

Every test finds things BY LABEL (never by IRI) and proves the fact carries a dcterms:source that is a
lin:Source. The graph is opened through the library facade (`Lineage.open()`, which loads the ontology,
graphs/ and the derived edges) when the package provides it; otherwise the ontology (if present) and
graphs/*.ttl are loaded into a plain rdflib Graph, so these tests run in either state of the code.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = ROOT / "graphs" / "seed-article.ttl"

PREFIXES = {
    "lin": "https://w3id.org/lineage/ontology#",
    "inst": "https://w3id.org/lineage/id/inst/",
    "event": "https://w3id.org/lineage/id/event/",
    "rel": "https://w3id.org/lineage/id/rel/",
    "src": "https://w3id.org/lineage/id/src/",
    "policy": "https://w3id.org/lineage/id/policy/",
    "obs": "https://w3id.org/lineage/id/obs/",
    "person": "https://w3id.org/lineage/id/person/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "qb": "http://purl.org/linked-data/cube#",
    "schema": "https://schema.org/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
LIN = PREFIXES["lin"]
ARTICLE_TITLE = "In Search of Self-Reliance: Xi Overhauls China's Innovation System"


def _facade_query():
    try:
        from lineage import Lineage
    except (ImportError, AttributeError):
        return None
    lg = Lineage.open()
    return lambda q: lg.query(q).bindings()


def _fallback_query():
    graph = Graph()
    ontology = ROOT / "ontology" / "lineage.ttl"
    if ontology.exists():
        graph.parse(ontology, format="turtle")
    for path in sorted((ROOT / "graphs").glob("*.ttl")):
        graph.parse(path, format="turtle")

    def run(q: str) -> list[dict]:
        result = graph.query(q, initNs=PREFIXES)
        names = [str(v) for v in result.vars]
        return [{n: t for n, t in zip(names, row) if t is not None} for row in result]

    return run


@pytest.fixture(scope="module")
def q():
    """Run a SELECT; returns a list of dicts (variable name -> rdflib term), unbound names left out."""
    run = _facade_query() or _fallback_query()
    return lambda sparql: run(PROLOGUE + sparql)


def one(rows: list[dict]) -> dict:
    assert len(rows) >= 1, "expected at least one solution, got none"
    return rows[0]


# A reusable pattern: ?s has a dcterms:source that is a lin:Source with a title.
SOURCED = "{s} dcterms:source ?_src_{s_} . ?_src_{s_} a/rdfs:subClassOf* lin:Source ; dcterms:title ?_t_{s_} ."


def sourced(var: str) -> str:
    return SOURCED.format(s=var, s_=var.lstrip("?"))


# =====================================================================================================
# The article itself
# =====================================================================================================

def test_seed_article_source_node(q):
    row = one(q(f"""
        SELECT ?s ?pub ?date ?url ?creator ?lang WHERE {{
          ?s a lin:Source ; dcterms:title ?t ; dcterms:publisher ?pub ; dcterms:date ?date ;
             schema:url ?url ; dcterms:creator ?creator ; dcterms:language ?lang .
          FILTER(STR(?t) = "{ARTICLE_TITLE}")
        }}"""))
    assert "Jamestown" in str(row["pub"]) and "Volume 23, Issue 3" in str(row["pub"])
    assert row["date"] == Literal("2023", datatype=XSD.gYear)
    assert str(row["url"]) == ("https://jamestown.org/program/"
                               "in-search-of-self-reliance-xi-overhauls-chinas-innovation-system/")
    assert str(row["creator"]) == "Michael Laha"
    assert str(row["lang"]) == "en"


# =====================================================================================================
# National Silicon-based LED ETRC
# =====================================================================================================

LED = "National Silicon-based LED Engineering Technology Research Center"


def test_silicon_led_centre_supporting_unit_is_nanchang_university(q):
    rows = q(f"""
        SELECT ?c ?zh ?u ?uzh WHERE {{
          ?c a lin:NationalEngineeringTechnologyResearchCenter ; rdfs:label "{LED}"@en , ?zh .
          FILTER(LANG(?zh) = "zh")
          ?m a org:Membership ; org:member ?c ; org:organization ?u ; org:role lin:SupportingUnit .
          ?u a lin:University ; rdfs:label "Nanchang University"@en , ?uzh . FILTER(LANG(?uzh) = "zh")
          {sourced("?m")} {sourced("?c")}
          ?u lin:labelSource ?ls .
        }}""")
    row = one(rows)
    assert str(row["zh"]) == "国家硅基LED工程技术研究中心"
    assert str(row["uzh"]) == "南昌大学"


def test_lattice_power_is_commercialisation_partner_citing_nanchang_university(q):
    rows = q(f"""
        SELECT ?e ?zh ?srcpub WHERE {{
          ?c rdfs:label "{LED}"@en .
          ?e a lin:Enterprise ; rdfs:label "Lattice Power"@en , ?zh . FILTER(LANG(?zh) = "zh")
          ?m a org:Membership ; org:member ?c ; org:organization ?e ;
             org:role lin:CommercializationPartner ; dcterms:source ?src .
          ?src a lin:Source ; dcterms:publisher ?srcpub ; dcterms:title ?t ;
               lin:citedVia ?article . ?article dcterms:title ?at .
          FILTER(STR(?at) = "{ARTICLE_TITLE}")
          FILTER(STR(?srcpub) = "Nanchang University")
        }}""")
    assert str(one(rows)["zh"]) == "晶能光电"


def test_jiang_fengyi_is_director_citing_china_education_news(q):
    rows = q(f"""
        SELECT ?p ?zh WHERE {{
          ?c rdfs:label "{LED}"@en .
          ?p a lin:Person ; rdfs:label "Jiang Fengyi"@en , ?zh . FILTER(LANG(?zh) = "zh")
          ?m a org:Membership ; org:member ?p ; org:organization ?c ; org:role lin:Director ;
             dcterms:source ?src .
          ?src a lin:Source ; dcterms:publisher "China Education News" ;
               dcterms:date "2022-06-20"^^xsd:date ; lin:citedVia ?article .
        }}""")
    assert str(one(rows)["zh"]) == "江风益"


def test_2015_national_technology_invention_prize(q):
    rows = q(f"""
        SELECT ?a ?date WHERE {{
          ?c rdfs:label "{LED}"@en .
          ?a a lin:AwardConferral ; lin:recipient ?c ; lin:prizeYear "2015"^^xsd:gYear ;
             lin:prize "National Technology Invention Prize"@en ; lin:prizeLevel "first place"@en ;
             lin:awardedFor "high-efficiency GaN-based blue-light emitting diodes on silicon-substrates"@en ;
             dcterms:date ?date ; dcterms:source ?src .
          ?src a lin:Source ; dcterms:publisher "State Council" ; dcterms:date "2016-01-08"^^xsd:date ;
               dcterms:title ?t ; lin:citedVia ?article .
        }}""")
    assert one(rows)["date"] == Literal("2016-01-08", datatype=XSD.date)


def test_xi_jinping_2016_visit(q):
    rows = q(f"""
        SELECT ?v ?date WHERE {{
          ?c rdfs:label "{LED}"@en .
          ?u rdfs:label "Nanchang University"@en .
          ?x a lin:Person ; rdfs:label "Xi Jinping"@en .
          ?v a lin:Visit ; lin:visited ?c , ?u ; prov:wasAssociatedWith ?x ; dcterms:date ?date ;
             dcterms:source ?src .
          ?src a lin:Source ; dcterms:publisher "Jiangxi News" ; dcterms:date "2019-09-25"^^xsd:date ;
               dcterms:title ?t ; lin:citedVia ?article .
        }}""")
    assert str(one(rows)["date"]).startswith("2016")


# =====================================================================================================
# National Wheat ETRC and its application to become an NTIC
# =====================================================================================================

WHEAT = "National Wheat Engineering Technology Research Center"
WHEAT_NTIC = "National Wheat Technology Innovation Center"


def test_wheat_etrc_with_supporting_unit_henan_agricultural_university(q):
    rows = q(f"""
        SELECT ?zh ?uzh WHERE {{
          ?c a lin:NationalEngineeringTechnologyResearchCenter ; rdfs:label "{WHEAT}"@en , ?zh .
          FILTER(LANG(?zh) = "zh")
          ?m a org:Membership ; org:member ?c ; org:organization ?u ; org:role lin:SupportingUnit .
          ?u a lin:University ; rdfs:label "Henan Agricultural University"@en , ?uzh .
          FILTER(LANG(?uzh) = "zh")
          ?u lin:labelSource ?ls . ?ls a lin:Source ; schema:url ?url .
          {sourced("?m")}
        }}""")
    row = one(rows)
    assert str(row["zh"]) == "国家小麦工程技术研究中心"
    assert str(row["uzh"]) == "河南农业大学"


def test_wheat_conversion_is_applied_with_three_cited_sources(q):
    base = f"""
          ?etrc rdfs:label "{WHEAT}"@en .
          ?ntic a lin:NationalTechnologyInnovationCenter ; rdfs:label "{WHEAT_NTIC}"@en .
          ?e a lin:Conversion ; org:originalOrganization ?etrc ; org:resultingOrganization ?ntic ."""
    row = one(q(f"SELECT ?status ?date ?asof WHERE {{ {base} ?e lin:status ?status ; dcterms:date ?date ;"
                f" lin:statusAsOf ?asof . }}"))
    assert row["status"] == URIRef(LIN + "Applied")
    assert row["date"].datatype in (XSD.date, XSD.gYearMonth, XSD.gYear)
    statuses = q(f"SELECT ?status WHERE {{ {base} ?e lin:status ?status . }}")
    assert len(statuses) == 1, "exactly one status: Applied, not Approved"

    cited = q(f"""
        SELECT ?pub ?date ?title WHERE {{ {base}
          ?e dcterms:source ?src .
          ?src a lin:Source ; dcterms:publisher ?pub ; dcterms:date ?date ; dcterms:title ?title ;
               lin:citedVia ?article .
          ?article dcterms:title ?at . FILTER(STR(?at) = "{ARTICLE_TITLE}")
        }}""")
    found = {(str(r["pub"]), str(r["date"])) for r in cited}
    assert {("Henan Business Daily", "2023-01-12"),
            ("Henan Agricultural University", "2022-10-21"),
            ("Henan Agricultural University", "2020-07-17")} <= found


def test_wheat_ntic_is_not_established_and_has_chinese_name(q):
    rows = q(f"""
        SELECT ?ntic ?zh ?est WHERE {{
          ?ntic a lin:NationalTechnologyInnovationCenter ; rdfs:label "{WHEAT_NTIC}"@en , ?zh .
          FILTER(LANG(?zh) = "zh")
          OPTIONAL {{ ?ntic lin:established ?est }}
          {sourced("?ntic")}
        }}""")
    row = one(rows)
    assert str(row["zh"]) == "国家小麦技术创新中心"
    assert "est" not in row, "the NTIC is applied for, not established"


def test_wheat_ntic_preparatory_centre_led_by_henan_agricultural_university(q):
    rows = q(f"""
        SELECT ?conf WHERE {{
          ?ntic rdfs:label "{WHEAT_NTIC}"@en ; skos:altLabel "国家小麦技术创新中心(筹)"@zh .
          ?u rdfs:label "Henan Agricultural University"@en .
          ?m a org:Membership ; org:member ?ntic ; org:organization ?u ; org:role lin:LeadUnit ;
             lin:confidence ?conf ; dcterms:source ?src .
          ?src a lin:Source ; schema:url ?url ; lin:confidence ?sconf .
        }}""")
    assert one(rows)["conf"] == URIRef(LIN + "Medium")


# =====================================================================================================
# National ETRC for Nanomedicine (photo caption)
# =====================================================================================================

def test_nanomedicine_centre_claims_nothing_beyond_the_caption(q):
    name = "National Engineering Technology Research Center for Nanomedicine"
    row = one(q(f"""
        SELECT ?c ?conf ?comment WHERE {{
          ?c a lin:NationalEngineeringTechnologyResearchCenter ; rdfs:label "{name}"@en ;
             lin:confidence ?conf ; rdfs:comment ?comment ; dcterms:source ?src .
          ?src dcterms:title ?at . FILTER(STR(?at) = "{ARTICLE_TITLE}")
        }}"""))
    assert row["conf"] == URIRef(LIN + "Low")
    assert "photo credit" in str(row["comment"]).lower()
    relations = q(f"""
        SELECT ?m WHERE {{
          ?c rdfs:label "{name}"@en .
          {{ ?m org:member ?c }} UNION {{ ?m org:organization ?c }}
          UNION {{ ?m org:originalOrganization ?c }} UNION {{ ?m org:resultingOrganization ?c }}
        }}""")
    assert relations == [], "no relation may be invented for the caption's centre"
    # a Chinese label that is not from a source must be flagged; this one cites its label source
    zh = q(f"""
        SELECT ?zh ?flag ?ls WHERE {{
          ?c rdfs:label "{name}"@en , ?zh . FILTER(LANG(?zh) = "zh")
          OPTIONAL {{ ?c lin:zhLabelIsTranslation ?flag }}
          OPTIONAL {{ ?c lin:labelSource ?ls . ?ls schema:url ?url }}
        }}""")
    for r in zh:
        assert "ls" in r or r.get("flag") == Literal(True)


# =====================================================================================================
# Government bodies
# =====================================================================================================

MANAGING_UNITS = [
    "Ministry of Education",
    "Ministry of Science and Technology",
    "Ministry of Public Security",
    "Logistics Support Department of the Central Military Commission",
]


@pytest.mark.parametrize("body", MANAGING_UNITS)
def test_managing_unit_statements(q, body):
    rows = q(f"""
        SELECT ?st ?zh WHERE {{
          ?b a lin:GovernmentBody ; rdfs:label "{body}"@en , ?zh . FILTER(LANG(?zh) = "zh")
          ?b lin:labelSource ?ls .
          ?st a lin:ProgrammeRoleStatement ; org:organization ?b ; org:role lin:ManagingUnit ;
              lin:concerns lin:NationalEngineeringTechnologyResearchCenter ; dcterms:source ?src .
          ?src dcterms:title ?at . FILTER(STR(?at) = "{ARTICLE_TITLE}")
        }}""")
    one(rows)


ISSUERS = {
    "State Council": ("国务院", None),
    "Central Committee of the Communist Party of China": ("中共中央", "CPC Central Committee"),
    "Ministry of Finance": ("财政部", "MOF"),
    "National Development and Reform Commission": ("国家发展和改革委员会", "NDRC"),
    "State Scientific and Technological Commission": ("国家科学技术委员会", "SSTC"),
    "Ministry of Science and Technology": ("科学技术部", "MOST"),
}


@pytest.mark.parametrize("body", sorted(ISSUERS))
def test_issuing_bodies_are_government_bodies_with_sourced_names(q, body):
    zh, acronym = ISSUERS[body]
    row = one(q(f"""
        SELECT ?b WHERE {{
          ?b a lin:GovernmentBody ; rdfs:label "{body}"@en , "{zh}"@zh ; lin:labelSource ?ls .
          ?ls a lin:Source ; dcterms:title ?t .
          {sourced("?b")}
        }}"""))
    if acronym:
        alts = q(f"SELECT ?a WHERE {{ <{row['b']}> skos:altLabel ?a }}")
        assert acronym in {str(r["a"]) for r in alts}


def test_sstc_renamed_most(q):
    rows = q("""
        SELECT ?e ?status WHERE {
          ?old rdfs:label "State Scientific and Technological Commission"@en .
          ?new rdfs:label "Ministry of Science and Technology"@en .
          ?e a lin:Renaming ; org:originalOrganization ?old ; org:resultingOrganization ?new ;
             lin:status ?status ; dcterms:date ?d ; dcterms:source ?src . ?src a lin:Source .
        }""")
    assert one(rows)["status"] == URIRef(LIN + "Completed")


# =====================================================================================================
# Programme-level changes
# =====================================================================================================

def _programme_change(q, kind: str) -> list[dict]:
    return q(f"""
        SELECT ?pc ?date ?status ?result ?mandate ?conf WHERE {{
          ?pc a lin:ProgrammeChange ; lin:changeKind lin:{kind} ; dcterms:date ?date ;
              lin:status ?status ; lin:confidence ?conf ; rdfs:label ?label .
          OPTIONAL {{ ?pc lin:resultingClass ?result }}
          OPTIONAL {{ ?pc lin:mandatedBy ?mandate }}
          {sourced("?pc")}
        }}""")


def test_programme_change_stop_new_netrc_approvals_2017(q):
    row = one(_programme_change(q, "StopNewApprovals"))
    assert row["date"] == Literal("2017", datatype=XSD.gYear)
    one(q("""SELECT ?pc WHERE { ?pc lin:changeKind lin:StopNewApprovals ;
               lin:concerns lin:NationalEngineeringTechnologyResearchCenter ; dcterms:source ?s .
             ?s dcterms:publisher "Gov.cn" ; dcterms:date "2018-08-24"^^xsd:date ; lin:citedVia ?a . }"""))


def test_programme_change_merge_or_integrate_2017(q):
    row = one(_programme_change(q, "MergeOrIntegrate"))
    assert row["date"] == Literal("2017", datatype=XSD.gYear)
    assert "mandate" in row


def test_programme_change_convert_netrcs_into_ntics_in_progress(q):
    row = one(_programme_change(q, "ConvertIntoNewType"))
    assert row["status"] == URIRef(LIN + "InProgress")
    assert row["result"] == URIRef(LIN + "NationalTechnologyInnovationCenter")
    mandate = one(q(f"""SELECT ?l WHERE {{ <{row['mandate']}> a lin:PolicyDocument ;
                          dcterms:issued "2021-02-02"^^xsd:date ; rdfs:label ?l . }}"""))
    assert mandate


def test_programme_change_nel_and_nerc_consolidation(q):
    row = one(_programme_change(q, "Consolidation"))
    assert row["result"] == URIRef(LIN + "NationalEngineeringResearchCenter")
    assert row["date"] == Literal("2021", datatype=XSD.gYear)
    concerned = q(f"SELECT ?c WHERE {{ <{row['pc']}> lin:concerns ?c }}")
    assert {URIRef(LIN + "NationalEngineeringLaboratory"),
            URIRef(LIN + "NationalEngineeringResearchCenter")} <= {r["c"] for r in concerned}
    one(q(f"""SELECT ?s WHERE {{ <{row['pc']}> dcterms:source ?s .
                 ?s dcterms:publisher "ASPI The Strategist" ; dcterms:date "2022-09-26"^^xsd:date . }}"""))


# =====================================================================================================
# Policy documents
# =====================================================================================================

POLICIES = [
    # (an English label or altLabel, creators' English labels, issued, zh title or None, identifier or None)
    ("Interim Administrative Measures for National Engineering Technology Research Centers",
     {"State Scientific and Technological Commission"}, "1993-02-04",
     "国家工程技术研究中心暂行管理办法", "国科发计字[93]060号"),
    ("Innovation-Driven Development Strategy",
     {"State Council", "Central Committee of the Communist Party of China"}, "2016-05-19",
     "国家创新驱动发展战略纲要", None),
    ("13th Five Year Plan for Science and Technology Innovation",
     {"State Council"}, "2016-07-28", "“十三五”国家科技创新规划", None),
    ("2017 work plan for national technology innovation centers",
     {"Ministry of Science and Technology"}, "2017-11-23", "国家技术创新中心建设工作指引", None),
    ("Plan for the Optimisation and Integration of National Science and Technology Innovation Bases",
     {"Ministry of Science and Technology", "Ministry of Finance",
      "National Development and Reform Commission"}, "2017", "国家科技创新基地优化整合方案", None),
    ("Administrative Measures for the Construction and Operation of National Technology Innovation "
     "Centers (Provisional)",
     {"Ministry of Science and Technology", "Ministry of Finance"}, "2021-02-02",
     "国家技术创新中心建设运行管理办法(暂行)", "国科发区〔2021〕17号"),
    ("Action Plan for Improving the Technological Capabilities of Enterprises (2022-2023)",
     {"Ministry of Science and Technology", "Ministry of Finance"}, "2022-08-05",
     "企业技术创新能力提升行动方案(2022—2023年)", None),
]


@pytest.mark.parametrize("label,creators,issued,zh,ident", POLICIES, ids=[p[0][:40] for p in POLICIES])
def test_policy_documents(q, label, creators, issued, zh, ident):
    rows = q(f"""
        SELECT ?p ?issued ?creator ?zh ?id WHERE {{
          ?p a lin:PolicyDocument ; rdfs:label|skos:altLabel "{label}"@en ;
             dcterms:issued ?issued ; dcterms:creator ?c .
          ?c a lin:GovernmentBody ; rdfs:label ?creator . FILTER(LANG(?creator) = "en")
          OPTIONAL {{ ?p rdfs:label ?zh FILTER(LANG(?zh) = "zh") }}
          OPTIONAL {{ ?p dcterms:identifier ?id }}
          {sourced("?p")}
        }}""")
    assert rows, f"policy {label!r} not found with creator, issue date and source"
    assert {str(r["issued"]) for r in rows} == {issued}
    assert rows[0]["issued"].datatype in (XSD.date, XSD.gYearMonth, XSD.gYear)
    assert {str(r["creator"]) for r in rows} == creators
    assert str(rows[0].get("zh")) == zh
    if ident:
        assert str(rows[0].get("id")) == ident


def test_13th_fyp_typo_is_recorded(q):
    row = one(q("""SELECT ?c WHERE { ?p rdfs:label "13th Five Year Plan for Science and Technology Innovation"@en ;
                                         rdfs:comment ?c . }"""))
    assert "20216" in str(row["c"])


def test_2021_measures_date_disagreement_keeps_both_claims(q):
    rows = q("""
        SELECT ?issued ?copydate WHERE {
          ?p rdfs:label "国家技术创新中心建设运行管理办法(暂行)"@zh ; dcterms:issued ?issued ;
             dcterms:source ?copy . ?copy schema:url ?url ; dcterms:date ?copydate .
        }""")
    assert {str(r["issued"]) for r in rows} == {"2021-02-02"}, "the article's date is the issue date"
    assert "2021-02-10" in {str(r["copydate"]) for r in rows}, "the copy's date is kept on its source"


def test_most_reports_are_cited_sources(q):
    rows = q("""
        SELECT ?date WHERE {
          ?s a lin:Source ; dcterms:publisher ?pub ; dcterms:date ?date ; dcterms:title ?t ;
             lin:titleIsDescriptive true ; lin:citedVia ?a .
          FILTER(CONTAINS(STR(?pub), "MOST"))
        }""")
    assert {"2015-07", "2016-10", "2018-04"} <= {str(r["date"]) for r in rows}


# =====================================================================================================
# Figures
# =====================================================================================================

NETRC = "NationalEngineeringTechnologyResearchCenter"
NERC = "NationalEngineeringResearchCenter"

OBSERVATIONS = [
    # (indicator, population, year, value, unit, qualifier or None, extra pattern, source date)
    ("CentreCount", NETRC, "2020", "374", "Count", "AtLeast", "", "2020-12-03"),
    ("CentreCount", NETRC, "2016", "360", "Count", "Exact", "", "2018-04"),
    ("CentreCountByField", NETRC, "2016", "67", "Count", "Exact",
     "?o lin:researchField lin:MaterialsField .", "2018-04"),
    ("CentreCountByField", NETRC, "2016", "40", "Count", "Exact",
     "?o lin:researchField lin:BiotechnologyAndPopulationHealthField .", "2018-04"),
    ("CentreCountByField", NETRC, "2016", "46", "Count", "Exact",
     "?o lin:researchField lin:AdvancedManufacturingField .", "2018-04"),
    ("AchievementShareByOrigin", NETRC, "2014", "70.40", "Percent", "Exact",
     "?o lin:origin lin:SelfDevelopedRD .", "2015-07"),
    ("AchievementShareByOrigin", NETRC, "2014", "23.56", "Percent", "Exact",
     "?o lin:origin lin:AbsorbedFromSupportingUnit .", "2015-07"),
    ("AchievementShareByOrigin", NETRC, "2015", "71.22", "Percent", "Exact",
     "?o lin:origin lin:SelfDevelopedRD .", "2016-10"),
    ("AchievementShareByOrigin", NETRC, "2015", "24.27", "Percent", "Exact",
     "?o lin:origin lin:AbsorbedFromSupportingUnit .", "2016-10"),
    ("AchievementShareByOrigin", NETRC, "2016", "88.72", "Percent", "Exact",
     "?o lin:origin lin:IndigenousInnovation .", "2018-04"),
    ("RDStaffCount", NETRC, "2016", "50000", "Persons", "MoreThan", "", "2018-04"),
    ("PhDStaffCount", NETRC, "2016", "12000", "Persons", None, "", "2018-04"),
    ("PatentsGranted", NETRC, "2016", "8240", "Count", "Exact", "", "2018-04"),
    ("StandardsFiled", NETRC, "2016", "1196", "Count", "Exact", "", "2018-04"),
    ("InternationalStandardsFiled", NETRC, "2016", "101", "Count", "Exact", "", "2018-04"),
    ("TotalAssets", NETRC, "2016", "258.106", "BillionCNY", "Approximately", "", "2018-04"),
    ("TotalAssets", NETRC, "2016", "37.74", "BillionUSD", "Approximately", "", "2023"),
    ("CentreCount", NERC, "2022", "191", "Count", "Approximately", "", "2022-09-26"),
]


@pytest.mark.parametrize("ind,pop,year,value,unit,qual,extra,srcdate", OBSERVATIONS,
                         ids=[f"{o[0]}-{o[2]}-{o[3]}" for o in OBSERVATIONS])
def test_observations(q, ind, pop, year, value, unit, qual, extra, srcdate):
    rows = q(f"""
        SELECT ?o ?v ?qual ?conf WHERE {{
          ?o a qb:Observation ; lin:indicator lin:{ind} ; lin:population lin:{pop} ;
             lin:refPeriod "{year}"^^xsd:gYear ; lin:value ?v ; lin:unit lin:{unit} ;
             lin:confidence ?conf ; dcterms:source ?src .
          ?src a lin:Source ; dcterms:date ?sd ; dcterms:title ?t .
          FILTER(STR(?sd) = "{srcdate}")
          OPTIONAL {{ ?o lin:valueQualifier ?qual }}
          {extra}
        }}""")
    matching = [r for r in rows if r["v"].toPython() == Decimal(value)]
    assert matching, f"no observation {ind} {year} = {value} sourced to a source dated {srcdate}"
    row = matching[0]
    assert row["v"].datatype == XSD.decimal
    if qual:
        assert row.get("qual") == URIRef(LIN + qual)
    else:
        assert "qual" not in row


def test_staff_figures_have_low_confidence_and_explained_period(q):
    rows = q("""
        SELECT ?o ?conf ?c WHERE {
          ?o lin:indicator ?i ; lin:confidence ?conf ; rdfs:comment ?c .
          VALUES ?i { lin:RDStaffCount lin:PhDStaffCount }
        }""")
    assert len(rows) >= 2
    assert all(r["conf"] == URIRef(LIN + "Low") for r in rows)


def test_no_invented_figure_for_other_origin(q):
    assert q("SELECT ?o WHERE { ?o lin:origin lin:OtherOrigin }") == []


# =====================================================================================================
# The provenance rule, over everything loaded
# =====================================================================================================

SOURCED_CLASSES = """lin:Institution org:Membership lin:ChangeEvent lin:PolicyDocument qb:Observation
    lin:ProgrammeChange lin:AwardConferral lin:Visit lin:ProgrammeRoleStatement
    lin:NationalEngineeringTechnologyResearchCenter lin:NationalTechnologyInnovationCenter
    lin:NationalEngineeringResearchCenter lin:NationalEngineeringLaboratory lin:University
    lin:Enterprise lin:ResearchInstitute lin:GovernmentBody lin:Conversion lin:Merger lin:Split
    lin:Establishment lin:Acceptance lin:Renaming lin:Dissolution"""


def test_nothing_lacks_a_source(q):
    rows = q(f"""
        SELECT DISTINCT ?x WHERE {{
          VALUES ?top {{ {SOURCED_CLASSES} }}
          ?x a ?t . ?t rdfs:subClassOf* ?top .
          FILTER NOT EXISTS {{ ?x dcterms:source ?s . ?s a/rdfs:subClassOf* lin:Source }}
        }}""")
    assert rows == [], "unsourced: " + ", ".join(sorted(str(r["x"]) for r in rows))


# =====================================================================================================
# The file itself
# =====================================================================================================

def test_seed_file_parses_strictly_with_pyoxigraph():
    pyoxigraph = pytest.importorskip("pyoxigraph")
    with open(SEED_FILE, "rb") as f:
        triples = list(pyoxigraph.parse(f, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) > 500


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    return Graph().parse(SEED_FILE, format="turtle")


def test_seed_file_writes_no_derived_edges(seed_graph):
    derived = {"succeededBy", "precededBy", "pendingSuccessor", "convertedInto", "mergedInto",
               "supportingUnit", "managingUnit"}
    used = {str(p)[len(LIN):] for p in seed_graph.predicates() if str(p).startswith(LIN)}
    assert not used & derived


def test_seed_file_dates_have_honest_precision(seed_graph):
    dated = {PREFIXES["dcterms"] + n for n in ("date", "issued")} | {
        LIN + n for n in ("established", "refPeriod", "statusAsOf", "prizeYear", "from", "until")}
    for s, p, o in seed_graph:
        if str(p) in dated:
            assert isinstance(o, Literal) and o.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear), (s, p, o)


def test_seed_file_sources_have_titles_and_persons_are_sourced(seed_graph):
    rows = seed_graph.query("""
        SELECT ?x WHERE {
          { ?x a lin:Source FILTER NOT EXISTS { ?x dcterms:title ?t } }
          UNION { ?x a lin:Person FILTER NOT EXISTS { ?x dcterms:source ?s } }
          UNION { ?x a lin:Source ; lin:citedVia ?v FILTER NOT EXISTS { ?x dcterms:publisher ?p } }
        }""", initNs=PREFIXES)
    assert list(rows) == []


def test_seed_file_chinese_labels_cite_their_source(seed_graph):
    rows = seed_graph.query("""
        SELECT ?x WHERE {
          ?x rdfs:label ?zh . FILTER(LANG(?zh) = "zh")
          { ?x a lin:Person } UNION { ?x a ?c . FILTER(?c IN (lin:NationalEngineeringTechnologyResearchCenter,
              lin:NationalTechnologyInnovationCenter, lin:University, lin:Enterprise, lin:GovernmentBody)) }
          FILTER NOT EXISTS { ?x lin:labelSource ?s }
          FILTER NOT EXISTS { ?x lin:zhLabelIsTranslation true }
        }""", initNs=PREFIXES)
    assert list(rows) == []
