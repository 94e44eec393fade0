"""Contract tests for ontology/lineage.ttl.

The term lists below are hard-coded on purpose: they are the data-model contract of
DESIGN.md section 4 and of the project's vocabulary notes. Renaming or dropping a term
must break these tests.
"""

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

ONTOLOGY_FILE = Path(__file__).parent.parent / "ontology" / "lineage.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/lineage/ontology")
LIN_NS = "https://w3id.org/lineage/ontology#"

# Plain Namespace objects (not rdflib's DefinedNamespace classes, which warn when pytest
# inspects module attributes).
LIN = Namespace(LIN_NS)
DCTERMS = Namespace("http://purl.org/dc/terms/")
ORG = Namespace("http://www.w3.org/ns/org#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
PROV = Namespace("http://www.w3.org/ns/prov#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
VANN = Namespace("http://purl.org/vocab/vann/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

PREFIXES = {
    "lin": LIN,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "xsd": XSD,
}

# Kinds of term, as the IRI of their rdf:type.
CLASS = OWL.Class
OBJ = OWL.ObjectProperty
DATA = OWL.DatatypeProperty
ANNOT = OWL.AnnotationProperty
CONCEPT = SKOS.Concept
SCHEME = SKOS.ConceptScheme

# Every lin: term named in DESIGN.md section 4, with its kind.
DESIGN_TERMS = {
    # 4.1 institutions
    "Institution": CLASS,
    "NationalEngineeringTechnologyResearchCenter": CLASS,
    "NationalTechnologyInnovationCenter": CLASS,
    "NationalEngineeringResearchCenter": CLASS,
    "NationalEngineeringLaboratory": CLASS,
    "University": CLASS,
    "Enterprise": CLASS,
    "ResearchInstitute": CLASS,
    "GovernmentBody": CLASS,
    "labelIsTranslation": DATA,
    "established": DATA,
    # 4.2 events
    "ChangeEvent": CLASS,
    "Conversion": CLASS,
    "Merger": CLASS,
    "Establishment": CLASS,
    "Acceptance": CLASS,
    "Renaming": CLASS,
    "Dissolution": CLASS,
    "status": OBJ,
    "mandatedBy": OBJ,
    "confidence": OBJ,
    "High": CONCEPT,
    "Medium": CONCEPT,
    "Low": CONCEPT,
    # DESIGN names the status vocabulary lin:EventStatus; the ontology keeps that name as
    # the class of status values (range of lin:status) next to lin:EventStatusScheme.
    "EventStatus": CLASS,
    "Planned": CONCEPT,
    "Applied": CONCEPT,
    "Approved": CONCEPT,
    "Completed": CONCEPT,
    "Rejected": CONCEPT,
    "Withdrawn": CONCEPT,
    # 4.3 relations
    "SupportingUnit": CONCEPT,
    "ManagingUnit": CONCEPT,
    "CoBuilder": CONCEPT,
    "CommercializationPartner": CONCEPT,
    "from": DATA,
    "until": DATA,
    # 4.4 sources, policies, statistics
    "Source": CLASS,
    "citedVia": OBJ,
    "PolicyDocument": CLASS,
    "concerns": OBJ,
    "indicator": OBJ,
    "population": OBJ,
    "refPeriod": DATA,
    "value": DATA,
    "unit": OBJ,
    # 4.6 derived shortcut edges
    "succeededBy": OBJ,
    "precededBy": OBJ,
    "pendingSuccessor": OBJ,
    "convertedInto": OBJ,
    "mergedInto": OBJ,
    "supportingUnit": OBJ,
    "managingUnit": OBJ,
}

# Terms added beyond DESIGN by the vocabulary notes (concepts are checked per scheme below).
EXTRA_TERMS = {
    "Person": CLASS,
    "Split": CLASS,
    "ProgrammeChange": CLASS,
    "AwardConferral": CLASS,
    "Visit": CLASS,
    "ProgrammeRoleStatement": CLASS,
    "zhLabelIsTranslation": DATA,
    "labelSource": OBJ,
    "statusAsOf": DATA,
    "resultingClass": OBJ,
    "changeKind": OBJ,
    "recipient": OBJ,
    "prize": DATA,
    "prizeLevel": DATA,
    "prizeYear": DATA,
    "awardedFor": DATA,
    "visited": OBJ,
    "valueQualifier": OBJ,
    "origin": OBJ,
    "researchField": OBJ,
    "titleIsDescriptive": DATA,
    "derived": ANNOT,
}

SCHEMES = {
    "EventStatusScheme": [
        "Planned", "Applied", "Approved", "Completed", "Rejected", "Withdrawn", "InProgress",
    ],
    "MembershipRoleScheme": [
        "SupportingUnit", "ManagingUnit", "CoBuilder", "CommercializationPartner",
        "LeadUnit", "OrganizingUnit", "Director",
    ],
    "ConfidenceScheme": ["High", "Medium", "Low"],
    "ProgrammeChangeKindScheme": [
        "StopNewApprovals", "MergeOrIntegrate", "ConvertIntoNewType", "Consolidation",
    ],
    "IndicatorScheme": [
        "CentreCount", "CentreCountByField", "AchievementShareByOrigin", "RDStaffCount",
        "PhDStaffCount", "PatentsGranted", "StandardsFiled", "InternationalStandardsFiled",
        "TotalAssets",
    ],
    "UnitScheme": ["Count", "Persons", "Percent", "BillionCNY", "BillionUSD"],
    "ValueQualifierScheme": ["Exact", "AtLeast", "MoreThan", "Approximately"],
    "InnovationOriginScheme": [
        "SelfDevelopedRD", "AbsorbedFromSupportingUnit", "AbsorbedFromOutsideUnits",
        "IntroducedFromAbroad", "OtherOrigin", "IndigenousInnovation", "IDARReinnovation",
    ],
    "ResearchFieldScheme": [
        "MaterialsField", "BiotechnologyAndPopulationHealthField", "AdvancedManufacturingField",
    ],
    "PolicyConceptScheme": ["IDARSystem", "ChokepointTechnology"],
}

# The Chinese terms of the MOST reports, as quoted by the seed article.
INNOVATION_ORIGIN_ZH = {
    "SelfDevelopedRD": "自行研发",
    "AbsorbedFromSupportingUnit": "吸收依托单位",
    "AbsorbedFromOutsideUnits": "吸收外单位",
    "IntroducedFromAbroad": "引进国外",
    "OtherOrigin": "其他",
    "IndigenousInnovation": "自主创新",
    "IDARReinnovation": "引进、消化、吸收再创新",
}

DERIVED = {
    "succeededBy", "precededBy", "pendingSuccessor", "convertedInto", "mergedInto",
    "supportingUnit", "managingUnit",
}

ACRONYMS = {
    "NationalEngineeringTechnologyResearchCenter": "NETRC",
    "NationalTechnologyInnovationCenter": "NTIC",
    "NationalEngineeringResearchCenter": "NERC",
    "NationalEngineeringLaboratory": "NEL",
}

ALIGNMENT_AXIOMS = [
    (LIN.Institution, RDFS.subClassOf, ORG.Organization),
    (LIN.ChangeEvent, RDFS.subClassOf, ORG.ChangeEvent),
    (LIN.Source, RDFS.subClassOf, PROV.Entity),
    (LIN.PolicyDocument, RDFS.subClassOf, LIN.Source),
    (LIN.Person, RDFS.subClassOf, PROV.Person),
    (LIN.AwardConferral, RDFS.subClassOf, PROV.Activity),
    (LIN.Visit, RDFS.subClassOf, PROV.Activity),
    (LIN.ProgrammeChange, RDFS.subClassOf, PROV.Activity),
    (LIN.labelSource, RDFS.subPropertyOf, DCTERMS.source),
    (LIN.convertedInto, RDFS.subPropertyOf, LIN.succeededBy),
    (LIN.mergedInto, RDFS.subPropertyOf, LIN.succeededBy),
    (LIN.succeededBy, OWL.inverseOf, LIN.precededBy),
    (LIN.precededBy, RDFS.subPropertyOf, PROV.wasInfluencedBy),
]

DISJOINT_GROUPS = [
    [
        "NationalEngineeringTechnologyResearchCenter", "NationalTechnologyInnovationCenter",
        "NationalEngineeringResearchCenter", "NationalEngineeringLaboratory",
    ],
    ["University", "Enterprise", "ResearchInstitute", "GovernmentBody"],
]

TERM_KINDS = "owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty"


@pytest.fixture(scope="module")
def graph():
    g = Graph()
    g.parse(ONTOLOGY_FILE, format="turtle")
    return g


def select(g, query):
    return list(g.query(query, initNs=PREFIXES))


def short(term):
    text = str(term)
    return "lin:" + text[len(LIN_NS):] if text.startswith(LIN_NS) else text


def test_file_parses_and_is_nonempty(graph):
    assert len(graph) > 0
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph


def test_header_metadata(graph):
    expected = {
        DCTERMS.license: URIRef("https://creativecommons.org/licenses/by/4.0/"),
        DCTERMS.created: Literal("2026-11-29", datatype=XSD.date),
        DCTERMS.creator: Literal("lineage project"),
        OWL.versionIRI: URIRef("https://w3id.org/lineage/ontology/0.1.0"),
        OWL.versionInfo: Literal("0.1.0"),
        VANN.preferredNamespacePrefix: Literal("lin"),
    }
    problems = [
        f"{p.n3(graph.namespace_manager)} should be {v.n3()}"
        for p, v in expected.items()
        if v not in set(graph.objects(ONTOLOGY_IRI, p))
    ]
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.modified):
        if graph.value(ONTOLOGY_IRI, p) is None:
            problems.append(f"{p.n3(graph.namespace_manager)} is missing")
    english_titles = [t for t in graph.objects(ONTOLOGY_IRI, DCTERMS.title) if t.language == "en"]
    if not english_titles:
        problems.append("dcterms:title has no @en value")
    modified = graph.value(ONTOLOGY_IRI, DCTERMS.modified)
    if modified is not None and getattr(modified, "datatype", None) != XSD.date:
        problems.append("dcterms:modified is not an xsd:date")
    ns_uri = graph.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)
    if ns_uri is None or str(ns_uri) != LIN_NS:
        problems.append(f"vann:preferredNamespaceUri should be {LIN_NS}, got {ns_uri!r}")
    assert not problems, "ontology header: " + "; ".join(problems)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_terms_have_exactly_one_label_per_language(graph, lang):
    rows = select(
        graph,
        f"""
        SELECT ?t (COUNT(DISTINCT ?l) AS ?n) WHERE {{
            VALUES ?kind {{ {TERM_KINDS} }}
            ?t a ?kind .
            FILTER(STRSTARTS(STR(?t), "{LIN_NS}"))
            OPTIONAL {{ ?t rdfs:label ?l . FILTER(LANGMATCHES(LANG(?l), "{lang}")) }}
        }} GROUP BY ?t HAVING (COUNT(DISTINCT ?l) != 1)
        """,
    )
    bad = sorted(f"{short(t)} ({n})" for t, n in rows)
    assert not bad, f"terms without exactly one rdfs:label @{lang}: {bad}"


@pytest.mark.parametrize("kind", ["skos:Concept", "skos:ConceptScheme"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_concepts_and_schemes_have_exactly_one_preflabel_per_language(graph, kind, lang):
    rows = select(
        graph,
        f"""
        SELECT ?t (COUNT(DISTINCT ?l) AS ?n) WHERE {{
            ?t a {kind} .
            FILTER(STRSTARTS(STR(?t), "{LIN_NS}"))
            OPTIONAL {{ ?t skos:prefLabel ?l . FILTER(LANGMATCHES(LANG(?l), "{lang}")) }}
        }} GROUP BY ?t HAVING (COUNT(DISTINCT ?l) != 1)
        """,
    )
    bad = sorted(f"{short(t)} ({n})" for t, n in rows)
    assert not bad, f"{kind} without exactly one skos:prefLabel @{lang}: {bad}"


def test_everything_has_an_english_definition(graph):
    rows = select(
        graph,
        f"""
        SELECT ?t (COUNT(DISTINCT ?d) AS ?n) WHERE {{
            VALUES ?kind {{ {TERM_KINDS} skos:Concept skos:ConceptScheme }}
            ?t a ?kind .
            FILTER(STRSTARTS(STR(?t), "{LIN_NS}"))
            OPTIONAL {{ ?t skos:definition ?d . FILTER(LANGMATCHES(LANG(?d), "en")) }}
        }} GROUP BY ?t HAVING (COUNT(DISTINCT ?d) != 1)
        """,
    )
    bad = sorted(f"{short(t)} ({n})" for t, n in rows)
    assert not bad, f"terms without exactly one skos:definition @en: {bad}"


def test_terms_and_schemes_are_defined_by_the_ontology(graph):
    rows = select(
        graph,
        f"""
        SELECT DISTINCT ?t WHERE {{
            VALUES ?kind {{ {TERM_KINDS} skos:ConceptScheme }}
            ?t a ?kind .
            FILTER(STRSTARTS(STR(?t), "{LIN_NS}"))
            FILTER NOT EXISTS {{ ?t rdfs:isDefinedBy <{ONTOLOGY_IRI}> }}
        }}
        """,
    )
    bad = sorted(short(t) for (t,) in rows)
    assert not bad, f"terms without rdfs:isDefinedBy <{ONTOLOGY_IRI}>: {bad}"


def test_concepts_are_in_exactly_one_declared_scheme(graph):
    rows = select(
        graph,
        f"""
        SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
            ?c a skos:Concept .
            FILTER(STRSTARTS(STR(?c), "{LIN_NS}"))
            OPTIONAL {{ ?c skos:inScheme ?s . ?s a skos:ConceptScheme . }}
        }} GROUP BY ?c HAVING (COUNT(DISTINCT ?s) != 1)
        """,
    )
    bad = sorted(f"{short(c)} ({n})" for c, n in rows)
    assert not bad, f"concepts not in exactly one declared skos:ConceptScheme: {bad}"


def test_properties_have_exactly_one_owl_kind(graph):
    rows = select(
        graph,
        f"""
        SELECT ?p (COUNT(DISTINCT ?kind) AS ?n) WHERE {{
            VALUES ?kind {{ owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }}
            ?p a ?kind .
            FILTER(STRSTARTS(STR(?p), "{LIN_NS}"))
        }} GROUP BY ?p HAVING (COUNT(DISTINCT ?kind) > 1)
        """,
    )
    bad = sorted(short(p) for p, _ in rows)
    assert not bad, f"properties typed with more than one OWL property kind: {bad}"


def _check_kinds(graph, terms):
    missing, wrong = [], []
    for name, kind in terms.items():
        term = LIN[name]
        types = set(graph.objects(term, RDF.type))
        if not types:
            missing.append(f"lin:{name}")
        elif kind not in types:
            wrong.append(f"lin:{name} is not a {kind.n3(graph.namespace_manager)}")
    return missing, wrong


def test_design_section_4_terms_exist(graph):
    missing, wrong = _check_kinds(graph, DESIGN_TERMS)
    assert not missing, f"DESIGN.md section 4 terms missing from the ontology: {missing}"
    assert not wrong, f"DESIGN.md section 4 terms of the wrong kind: {wrong}"


def test_extra_vocabulary_terms_exist(graph):
    missing, wrong = _check_kinds(graph, EXTRA_TERMS)
    assert not missing, f"vocabulary terms missing from the ontology: {missing}"
    assert not wrong, f"vocabulary terms of the wrong kind: {wrong}"


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_scheme_has_listed_concepts(graph, scheme):
    scheme_iri = LIN[scheme]
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in graph, (
        f"lin:{scheme} is not declared a skos:ConceptScheme"
    )
    rows = select(
        graph,
        f"SELECT ?c WHERE {{ ?c a skos:Concept ; skos:inScheme <{scheme_iri}> . }}",
    )
    present = {str(c) for (c,) in rows}
    missing = [f"lin:{c}" for c in SCHEMES[scheme] if str(LIN[c]) not in present]
    assert not missing, f"lin:{scheme} lacks concepts: {missing}"


def test_event_status_concepts_are_event_status_values(graph):
    untyped = [
        f"lin:{c}"
        for c in SCHEMES["EventStatusScheme"]
        if (LIN[c], RDF.type, LIN.EventStatus) not in graph
    ]
    assert not untyped, f"status concepts not typed lin:EventStatus: {untyped}"
    assert (LIN.status, RDFS.range, LIN.EventStatus) in graph


def test_innovation_origin_chinese_terms(graph):
    wrong = []
    for name, zh in INNOVATION_ORIGIN_ZH.items():
        labels = {
            str(l) for l in graph.objects(LIN[name], SKOS.prefLabel) if l.language == "zh"
        }
        if labels != {zh}:
            wrong.append(f"lin:{name} has {sorted(labels)}, expected {zh!r}")
    assert not wrong, f"innovation-origin @zh labels: {wrong}"


def test_derived_properties_are_marked(graph):
    rows = select(graph, "SELECT ?p WHERE { ?p lin:derived true . }")
    marked = {short(p) for (p,) in rows}
    expected = {f"lin:{p}" for p in DERIVED}
    assert marked == expected, (
        f"lin:derived true: missing {sorted(expected - marked)}, "
        f"unexpected {sorted(marked - expected)}"
    )
    undocumented = sorted(
        f"lin:{p}"
        for p in DERIVED
        if not any("never hand-written" in str(d) for d in graph.objects(LIN[p], SKOS.definition))
    )
    assert not undocumented, f"derived properties whose definition omits 'never hand-written': {undocumented}"


def test_alignment_axioms(graph):
    missing = [
        " ".join(x.n3(graph.namespace_manager) for x in triple)
        for triple in ALIGNMENT_AXIOMS
        if triple not in graph
    ]
    assert not missing, f"alignment axioms missing: {missing}"


def test_no_wrong_direction_alignment(graph):
    # lin:succeededBy runs from the earlier to the later institution; the later one was
    # influenced by the earlier, so only lin:precededBy may specialise prov:wasInfluencedBy.
    assert (LIN.succeededBy, RDFS.subPropertyOf, PROV.wasInfluencedBy) not in graph
    assert (LIN.pendingSuccessor, RDFS.subPropertyOf, LIN.succeededBy) not in graph


@pytest.mark.parametrize("group", DISJOINT_GROUPS, ids=["programmes", "body-types"])
def test_disjoint_classes(graph, group):
    rows = select(
        graph,
        """
        SELECT ?d ?m WHERE {
            ?d a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first ?m .
        }
        """,
    )
    members_by_axiom = {}
    for d, m in rows:
        members_by_axiom.setdefault(d, set()).add(str(m))
    wanted = {str(LIN[c]) for c in group}
    assert any(wanted <= members for members in members_by_axiom.values()), (
        f"no owl:AllDisjointClasses covers {sorted(f'lin:{c}' for c in group)}"
    )


def test_programme_classes_have_acronyms(graph):
    wrong = [
        f"lin:{cls} lacks skos:altLabel {acronym!r}"
        for cls, acronym in ACRONYMS.items()
        if acronym not in {str(a) for a in graph.objects(LIN[cls], SKOS.altLabel)}
    ]
    assert not wrong, "; ".join(wrong)


def test_every_lin_iri_used_is_declared(graph):
    rows = select(
        graph,
        f"""
        SELECT DISTINCT ?x WHERE {{
            {{ ?x ?p ?o }} UNION {{ ?s ?x ?o }} UNION {{ ?s ?p ?x }}
            FILTER(ISIRI(?x) && STRSTARTS(STR(?x), "{LIN_NS}"))
            FILTER NOT EXISTS {{ ?x a ?type }}
        }}
        """,
    )
    bad = sorted(short(x) for (x,) in rows)
    assert not bad, f"lin: IRIs used but not declared (typo?): {bad}"
