"""Tests for the SHACL shapes in ontology/shapes.ttl.

Every targeted shape lsh:X has fixtures in tests/fixtures/shapes/:
``X.valid.ttl`` conforms to *all* shapes with no result at all, and each
``X.invalid.ttl`` / ``X.invalid-N.ttl`` produces results from lsh:X and from no
other shape (the fixtures are self-contained and isolated).

Each fixture is prepared the way the library loads data: the ontology files
(ontology/*.ttl but the shapes; while ontology/lineage.ttl does not exist, the
subclass axioms in fixtures/shapes/_subclasses.ttl) are added to it and
lin:succeededBy is derived. Validation then goes through
``lineage.validate.validate_graph`` when that module exists, else through a local
stand-in that runs pySHACL the same way. Adding the ontology and the derived
edges here is harmless if validate_graph does so again (RDF graphs are sets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH

ROOT = Path(__file__).resolve().parents[1]
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "lineage.ttl"
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
SUBCLASSES_FILE = FIXTURES / "_subclasses.ttl"

LSH = Namespace("https://w3id.org/lineage/shapes#")
SHAPES_GRAPH_IRI = URIRef("https://w3id.org/lineage/shapes")

# LabelIsTranslationBoolean.invalid-2.ttl holds "yes"^^xsd:boolean on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Parsing weird boolean:UserWarning")

FIXTURE_NAME = re.compile(r"^(?P<shape>[A-Z][A-Za-z0-9]*)\.(?P<kind>valid|invalid(?:-(?P<n>[2-9]|[1-9][0-9]+))?)\.ttl$")


# ---------------------------------------------------------------------------
# Validation: lineage.validate.validate_graph, or a local stand-in with the
# same interface until that module exists.
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Result:
    focus: object
    path: object
    value: object
    message: str | None
    shape: object
    severity: str


@dataclass(frozen=True)
class _Report:
    conforms: bool
    violations: list


# DESIGN 4.6: lin:succeededBy from events with status Approved or Completed.
_DERIVE_SUCCEEDED_BY = """
PREFIX lin: <https://w3id.org/lineage/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
INSERT { ?original lin:succeededBy ?result }
WHERE {
    ?event lin:status ?status ;
           org:originalOrganization ?original ;
           org:resultingOrganization ?result .
    FILTER (?status IN (lin:Approved, lin:Completed))
}
"""

_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


def _ontology_files() -> list:
    files = sorted(p for p in (ROOT / "ontology").glob("*.ttl") if p.name != SHAPES_FILE.name)
    return files if ONTOLOGY_FILE.exists() else [SUBCLASSES_FILE]


def prepare(graph: Graph) -> Graph:
    """Fixture data + ontology + derived lin:succeededBy, as the library validates it."""
    data = Graph()
    for triple in graph:
        data.add(triple)
    for path in _ontology_files():
        data.parse(path, format="turtle")
    data.update(_DERIVE_SUCCEEDED_BY)
    return data


def _local_validate_graph(data: Graph) -> _Report:
    # A fresh shapes graph per call: pySHACL mutates the shapes graph it is given.
    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    conforms, results_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        advanced=True,
        inference="none",
        allow_warnings=True,
    )
    violations = []
    # Top-level results only: nested sh:detail results are typed sh:ValidationResult too.
    for r in results_graph.objects(None, SH.result):
        message = results_graph.value(r, SH.resultMessage)
        violations.append(
            _Result(
                focus=results_graph.value(r, SH.focusNode),
                path=results_graph.value(r, SH.resultPath),
                value=results_graph.value(r, SH.value),
                message=None if message is None else str(message),
                shape=results_graph.value(r, SH.sourceShape),
                severity=_SEVERITY.get(results_graph.value(r, SH.resultSeverity), "Violation"),
            )
        )
    return _Report(conforms=bool(conforms), violations=violations)


try:  # swap in the library's validator once it exists
    from lineage.graph.validate import validate_graph
except ImportError:
    validate_graph = _local_validate_graph


def validate_ttl(**parse_args):
    return validate_graph(prepare(Graph().parse(format="turtle", **parse_args)))


def validate_file(path: Path):
    return validate_ttl(source=path)


def _describe(report) -> str:
    return "\n".join(
        f"  [{v.severity}] {v.shape} focus={v.focus} value={v.value}: {v.message}" for v in report.violations
    )


# ---------------------------------------------------------------------------
# The shapes graph
# ---------------------------------------------------------------------------

_SHAPES = Graph().parse(SHAPES_FILE, format="turtle")

# Constraint parameters, grouped by constraint component (SHACL 4.x).
_COMPONENT_OF = {
    SH["class"]: "class", SH.datatype: "datatype", SH.nodeKind: "nodeKind",
    SH.minCount: "minCount", SH.maxCount: "maxCount",
    SH.minExclusive: "minExclusive", SH.minInclusive: "minInclusive",
    SH.maxExclusive: "maxExclusive", SH.maxInclusive: "maxInclusive",
    SH.minLength: "minLength", SH.maxLength: "maxLength", SH.pattern: "pattern",
    SH.languageIn: "languageIn", SH.uniqueLang: "uniqueLang",
    SH.equals: "equals", SH.disjoint: "disjoint", SH.lessThan: "lessThan",
    SH.lessThanOrEquals: "lessThanOrEquals",
    SH["not"]: "not", SH["and"]: "and", SH["or"]: "or", SH.xone: "xone",
    SH.node: "node", SH.property: "property",
    SH.qualifiedMinCount: "qualifiedMinCount", SH.qualifiedMaxCount: "qualifiedMaxCount",
    SH.closed: "closed", SH.hasValue: "hasValue", SH["in"]: "in",
    SH.sparql: "sparql",
}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def _named_shapes(g: Graph) -> set:
    return {
        s
        for kind in (SH.NodeShape, SH.PropertyShape)
        for s in g.subjects(RDF.type, kind)
        if isinstance(s, URIRef)
    }


def _components(g: Graph, shape) -> set:
    return {_COMPONENT_OF[p] for p in g.predicates(shape, None) if p in _COMPONENT_OF}


def _is_targeted(g: Graph, shape) -> bool:
    return any(g.value(shape, t) is not None for t in _TARGETS)


def _local(shape: URIRef) -> str:
    return str(shape)[len(str(LSH)):]


ALL_SHAPES = sorted(_named_shapes(_SHAPES))
TARGETED_SHAPES = [s for s in ALL_SHAPES if _is_targeted(_SHAPES, s)]
FIXTURE_FILES = sorted(p for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_"))
VALID_FIXTURES = [p for p in FIXTURE_FILES if p.name.endswith(".valid.ttl")]
INVALID_FIXTURES = [p for p in FIXTURE_FILES if ".invalid" in p.name]


def _shape_of(path: Path) -> URIRef:
    m = FIXTURE_NAME.match(path.name)
    assert m, f"fixture name {path.name!r} is not <ShapeLocalName>.valid.ttl or .invalid[-N].ttl"
    return LSH[m.group("shape")]


def test_shape_iris_are_stable_and_in_namespace():
    assert TARGETED_SHAPES, "no targeted shapes found"
    for s in ALL_SHAPES:
        assert str(s).startswith(str(LSH)), f"{s} is not under {LSH}"
    # Every shape that carries a target is named (blank-node shapes only nest inside named ones).
    for kind in (SH.NodeShape, SH.PropertyShape):
        for s in _SHAPES.subjects(RDF.type, kind):
            if isinstance(s, BNode):
                assert not _is_targeted(_SHAPES, s), "a blank-node shape carries a target"


def test_shapes_graph_header():
    assert (SHAPES_GRAPH_IRI, RDF.type, OWL.Ontology) in _SHAPES
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.created, OWL.versionInfo):
        assert _SHAPES.value(SHAPES_GRAPH_IRI, p) is not None, f"shapes graph header lacks {p}"


@pytest.mark.parametrize("shape", ALL_SHAPES, ids=_local)
def test_shape_has_label(shape):
    labels = [o for o in _SHAPES.objects(shape, RDFS.label) if isinstance(o, Literal) and o.language == "en"]
    assert len(labels) == 1, f"{shape} needs exactly one rdfs:label @en"
    if (shape, RDF.type, SH.PropertyShape) in _SHAPES:
        assert _SHAPES.value(shape, SH.name) is not None, f"{shape} needs an sh:name"


@pytest.mark.parametrize("shape", ALL_SHAPES, ids=_local)
def test_every_constraint_has_one_message(shape):
    """One constraint per targeted shape, one sh:message @en per constraint.

    pySHACL reports a shape's sh:message for every constraint in the shape, so a
    shape with two constraints could not say precisely what is wrong. SPARQL
    constraints carry their message on the sh:sparql node instead. Helper shapes
    (no target, used through sh:node) may combine constraints under one message.
    """
    comps = _components(_SHAPES, shape)
    assert comps, f"{shape} has no constraint"
    if "sparql" in comps:
        assert comps == {"sparql"}, f"{shape} mixes sh:sparql with core constraints {comps}"
        assert _SHAPES.value(shape, SH.message) is None, f"{shape}: put the message on the sh:sparql node"
        for c in _SHAPES.objects(shape, SH.sparql):
            msgs = list(_SHAPES.objects(c, SH.message))
            assert len(msgs) == 1 and msgs[0].language == "en", f"{shape}: SPARQL constraint needs one sh:message @en"
            assert _SHAPES.value(c, SH.select) is not None
            assert _SHAPES.value(c, SH.prefixes) == SHAPES_GRAPH_IRI
        return
    msgs = list(_SHAPES.objects(shape, SH.message))
    assert len(msgs) == 1, f"{shape} has {len(msgs)} sh:message, expected 1"
    assert isinstance(msgs[0], Literal) and msgs[0].language == "en", f"{shape}: sh:message must be @en"
    if _is_targeted(_SHAPES, shape):
        assert len(comps) == 1, f"{shape} has several constraints {sorted(comps)}; give each its own shape"


def test_every_targeted_shape_has_valid_and_invalid_fixture():
    missing = []
    for s in TARGETED_SHAPES:
        name = _local(s)
        if not (FIXTURES / f"{name}.valid.ttl").exists():
            missing.append(f"{name}.valid.ttl")
        if not any(FIXTURE_NAME.match(p.name) and p.name.startswith(f"{name}.invalid") for p in INVALID_FIXTURES):
            missing.append(f"{name}.invalid.ttl")
    assert not missing, "missing fixtures: " + ", ".join(missing)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_is_named_for_a_targeted_shape(path):
    assert _shape_of(path) in TARGETED_SHAPES, f"{path.name}: no targeted shape lsh:{path.name.split('.')[0]}"


@pytest.mark.parametrize(
    "path",
    [SHAPES_FILE, SUBCLASSES_FILE, *FIXTURE_FILES],
    ids=lambda p: p.name,
)
def test_parses_as_strict_turtle(path):
    # pyoxigraph rejects what rdflib lets through (bad IRIs, bad escapes, ...).
    quads = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    assert quads


# ---------------------------------------------------------------------------
# Fixtures against the shapes
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", VALID_FIXTURES, ids=lambda p: p.name)
def test_valid_fixture_conforms(path):
    report = validate_file(path)
    assert report.conforms and not report.violations, f"{path.name} should be clean:\n{_describe(report)}"


@pytest.mark.parametrize("path", INVALID_FIXTURES, ids=lambda p: p.name)
def test_invalid_fixture_fails_only_its_shape(path):
    shape = _shape_of(path)
    severity = _SEVERITY[_SHAPES.value(shape, SH.severity) or SH.Violation]
    report = validate_file(path)
    assert report.violations, f"{path.name}: expected results from {shape}, got none"
    others = [v for v in report.violations if v.shape != shape]
    assert not others, f"{path.name}: results from other shapes:\n{_describe(report)}"
    assert all(v.severity == severity for v in report.violations), _describe(report)
    assert all(v.message for v in report.violations), f"{path.name}: result without a message"
    # Only violations make the graph non-conformant; warnings are reported, not fatal.
    assert report.conforms == (severity != "Violation"), _describe(report)


# ---------------------------------------------------------------------------
# Specific behaviour worth pinning down
# ---------------------------------------------------------------------------

def _messages(name: str) -> list:
    return [v.message for v in validate_file(FIXTURES / name).violations]


def test_policy_without_chinese_label_is_only_a_warning():
    report = validate_file(FIXTURES / "PolicyDocumentChineseLabel.invalid.ttl")
    assert report.conforms
    assert [v.severity for v in report.violations] == ["Warning"]


def test_cycle_message_names_the_institutions():
    report = validate_file(FIXTURES / "NoSuccessionCycle.invalid.ttl")
    inst = "https://w3id.org/lineage/id/inst/"
    assert {str(v.focus) for v in report.violations} == {inst + "example-centre-a", inst + "example-centre-b"}
    assert all(str(v.focus) in v.message for v in report.violations)


def test_event_before_establishment_message_shows_both_dates_and_institution():
    report = validate_file(FIXTURES / "EventNotBeforeEstablishment.invalid.ttl")
    [v] = report.violations
    assert str(v.focus) == "https://w3id.org/lineage/id/event/example-conversion-a"
    assert str(v.value) == "https://w3id.org/lineage/id/inst/example-centre-a"
    for text in ("2015", "2016-05-01", "https://w3id.org/lineage/id/inst/example-centre-a"):
        assert text in v.message


def test_label_results_come_with_their_own_message():
    """Missing @en and two @zh in one institution: two results, two different messages."""
    ttl = (FIXTURES / "InstitutionEnglishLabel.invalid.ttl").read_text(encoding="utf-8")
    assert ttl.count('"示例中心甲"@zh') == 1
    ttl = ttl.replace('"示例中心甲"@zh', '"示例中心甲"@zh , "示例旧中心甲"@zh')
    report = validate_ttl(data=ttl)
    by_shape = {v.shape: v.message for v in report.violations}
    assert set(by_shape) == {LSH.InstitutionEnglishLabel, LSH.InstitutionSingleChineseLabel}
    assert "no English" in by_shape[LSH.InstitutionEnglishLabel]
    assert "more than one Chinese" in by_shape[LSH.InstitutionSingleChineseLabel]


def test_validation_does_not_change_shapes_file_results():
    """Validating twice gives the same results (guards against shapes-graph mutation leaking)."""
    path = FIXTURES / "StatusInScheme.invalid.ttl"
    first = sorted((str(v.shape), str(v.focus)) for v in validate_file(path).violations)
    second = sorted((str(v.shape), str(v.focus)) for v in validate_file(path).violations)
    assert first == second and first


def test_inferred_role_at_high_confidence_is_rejected_and_named():
    report = validate_file(FIXTURES / "InferredRoleNotHighConfidence.invalid.ttl")
    assert not report.conforms
    [v] = report.violations
    assert v.shape == LSH.InferredRoleNotHighConfidence and v.severity == "Violation"
    assert str(v.focus) in v.message and "lin:roleInferred" in v.message
    # the same membership at Low confidence passes
    ttl = (FIXTURES / "InferredRoleNotHighConfidence.invalid.ttl").read_text(encoding="utf-8")
    assert ttl.count("lin:confidence lin:High") == 1
    assert validate_ttl(data=ttl.replace("lin:confidence lin:High", "lin:confidence lin:Low")).conforms


def test_institution_label_without_translation_flag_is_rejected():
    report = validate_file(FIXTURES / "InstitutionLabelTranslationFlag.invalid.ttl")
    assert not report.conforms
    assert {v.shape for v in report.violations} == {LSH.InstitutionLabelTranslationFlag}
    assert all("lin:labelIsTranslation" in v.message for v in report.violations)


def test_untranslated_label_needs_the_page_that_prints_it():
    ttl = (FIXTURES / "UntranslatedLabelHasSource.valid.ttl").read_text(encoding="utf-8")
    assert validate_ttl(data=ttl).conforms
    without = ttl.replace("    lin:englishLabelSource src:example-source-a ;\n", "")
    assert without != ttl
    report = validate_ttl(data=without)
    assert {v.shape for v in report.violations} == {LSH.UntranslatedLabelHasSource}
