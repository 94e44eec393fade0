"""The RDFS closure in the derived graph (lineage.derive): `?x a lin:Institution` works on every
local store kind, nothing is counted twice, and nothing the library shows changes with it.
The remote servers are covered in test_remote_servers.py."""

from __future__ import annotations

import json

import pytest

from lineage import Lineage
from lineage.model import jsonable
from lineage.namespaces import DERIVED_GRAPH, DERIVED_PROPERTIES, INST, LIN, RDF

COUNT_INSTITUTIONS = "SELECT (COUNT(?x) AS ?n) WHERE { ?x a lin:Institution }"

#: A university typed with its superclass as well (the closure must not repeat that), an
#: institution with no source and no Chinese name, a pending conversion, and a label source.
EXTRA = """
@prefix lin: <https://w3id.org/lineage/ontology#> .
@prefix inst: <https://w3id.org/lineage/id/inst/> .
@prefix event: <https://w3id.org/lineage/id/event/> .
@prefix src: <https://w3id.org/lineage/id/src/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
inst:test-closure-university a lin:University , lin:Institution ;
    rdfs:label "Closure Test University"@en , "闭包测试大学"@zh ;
    lin:labelSource src:test-closure-source ; dcterms:source src:test-closure-source .
inst:test-closure-unsourced a lin:NationalEngineeringResearchCenter ;
    rdfs:label "Closure Test Centre"@en .
event:test-closure-conversion a lin:Conversion ; lin:status lin:Applied ;
    org:originalOrganization inst:test-closure-unsourced ;
    org:resultingOrganization inst:test-closure-university ;
    dcterms:date "2024"^^<http://www.w3.org/2001/XMLSchema#gYear> ;
    dcterms:source src:test-closure-source .
src:test-closure-source a lin:Source ; dcterms:title "A test source" .
"""


@pytest.fixture(scope="module")
def extra(tmp_path_factory):
    path = tmp_path_factory.mktemp("closure") / "extra.ttl"
    path.write_text(EXTRA, encoding="utf-8")
    return path


def _count(lg: Lineage, query: str) -> int:
    (n,), = lg.query(query).rows
    return int(n)


def _info_count(info, label: str) -> int:
    return next(c.count for c in info.class_counts if c.label == label)


def test_institutions_and_change_events_are_found_by_their_broad_class(bundled):
    info = bundled.info(validate=False)
    assert _count(bundled, COUNT_INSTITUTIONS) == _info_count(info, "institution") > 100
    assert _count(bundled, "SELECT (COUNT(?e) AS ?n) WHERE { ?e a lin:ChangeEvent }") \
        == _info_count(info, "change event") > 20
    assert _count(bundled, "SELECT (COUNT(?s) AS ?n) WHERE { ?s a lin:Source }") == info.sources


def test_the_acceptance_query_prints_the_info_count_in_memory_and_on_disk(run, tmp_path):
    for store in ([], ["--store", f"oxigraph:{tmp_path / 'db'}"]):
        info = json.loads(run(*store, "info", "--no-validate", "--format", "json").output)
        expected = next(c["count"] for c in info["class_counts"] if c["label"] == "institution")
        result = run(*store, "query", COUNT_INSTITUTIONS, "--format", "csv")
        assert result.exit_code == 0, result.output
        assert result.stdout.split() == ["n", str(expected)]


def test_every_info_row_is_the_count_a_query_gives_and_sits_under_its_broader_class(bundled):
    from lineage.graph.classes import superclasses

    counts = bundled.info(validate=False).class_counts
    supers = superclasses(bundled.store)
    for index, row in enumerate(counts):
        assert row.count == _count(
            bundled, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{row.iri}> }}"), row.label
        if row.depth:
            parent = next(c for c in reversed(counts[:index]) if c.depth == row.depth - 1)
            assert parent.iri in supers[row.iri] and parent.count >= row.count, row.label
    assert any(c.depth for c in counts) and any(not c.depth for c in counts)


def test_info_indents_narrower_classes_beneath_the_broad_one(run):
    lines = run("info", "--no-validate").output.splitlines()
    institution = next(i for i, line in enumerate(lines) if line.startswith("institution "))
    assert lines[institution + 1].startswith("  ")
    assert any(line.startswith("  National Technology Innovation Center ") for line in
               lines[institution:])
    assert "(a class counts its narrower classes too)" in lines


def test_a_type_stated_beside_its_subclass_is_not_counted_twice(extra):
    lg = Lineage.open(data=[extra])
    counted = lg.query("SELECT ?x (COUNT(?x) AS ?n) WHERE { ?x a lin:Institution } GROUP BY ?x "
                       "HAVING (COUNT(?x) > 1)")
    assert len(counted) == 0
    assert _count(lg, COUNT_INSTITUTIONS) == _info_count(lg.info(validate=False), "institution")


def _closure_triples(lg: Lineage) -> int:
    return _count(lg, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} "
                      f"FILTER(?p NOT IN ({', '.join(f'<{p}>' for p in DERIVED_PROPERTIES)})) }}")


def _everything(lg: Lineage) -> dict:
    """What the library answers and writes, as comparable values."""
    from lineage.outputs.terminal import render_info

    names = ["MOST", "Closure Test University", "Closure Test Centre", "国家小麦工程技术研究中心"]
    answers = {
        "info": render_info(lg.info()).replace(f"triples:  {len(lg.store)}", ""),
        "validate": [str(v) for v in lg.validate().violations],
        "diff": jsonable(lg.diff("2015", "2025")),
        "render": lg.render(focus="MOST", depth=2),
        "search": jsonable(lg.search("center")),
    }
    for name in names:
        answers[f"show {name}"] = jsonable(lg.show(name))
        answers[f"trace {name}"] = jsonable(lg.trace(name, direction="both"))
    for fmt in ("ttl", "gexf", "csv"):
        answers[f"export {fmt}"] = lg.export(fmt)
    for name, query in sorted(lg.canned_queries().items()):
        params = {p.name: "Closure Test University" for p in query.params
                  if p.type == "institution"}
        answers[f"canned {name}"] = lg.run_canned(name, params).rows
    return answers


def test_nothing_the_library_answers_changes_with_the_closure(extra):
    """Every canned query, show, trace, diff, search, info, validate, a view and the exports
    are the same with the closure in the derived graph and with it taken out again."""
    lg = Lineage.open(data=[extra])
    assert _closure_triples(lg) > 100
    with_closure = _everything(lg)
    unsourced = [str(r[0]) for r in with_closure["canned quality-unsourced"]]
    assert unsourced.count("https://w3id.org/lineage/id/inst/test-closure-unsourced") == 1
    assert len(with_closure["canned quality-no-chinese-label"]) == 1
    lg.store.update(f"DELETE {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ "
                    f"GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} FILTER(?p NOT IN "
                    f"({', '.join(f'<{p}>' for p in DERIVED_PROPERTIES)})) }}")
    assert _closure_triples(lg) == 0
    without = _everything(lg)
    for key in with_closure:
        assert with_closure[key] == without[key], key


def test_exports_without_the_derived_graph_hold_no_inferred_type(bundled):
    ttl = bundled.export("nt").decode()
    wheat = "<https://w3id.org/lineage/id/inst/national-wheat-technology-innovation-center>"
    typed = [line for line in ttl.splitlines() if line.startswith(wheat) and "#type>" in line]
    assert typed and not any("ontology#Institution>" in line for line in typed)
    assert "ontology#Institution> ." in bundled.export("nt", include_derived=True).decode()


def test_an_import_closes_the_new_types_once(tmp_path, extra):
    lg = Lineage.open(store=f"oxigraph:{tmp_path / 'db'}", writable=True)
    before = _count(lg, COUNT_INSTITUTIONS)
    lg.import_files([extra], validate=False)
    assert _count(lg, COUNT_INSTITUTIONS) == before + 2
    assert _count(lg, "SELECT (COUNT(*) AS ?n) WHERE { "
                      "<https://w3id.org/lineage/id/inst/test-closure-university> a lin:Institution }") == 1
    assert _count(lg, COUNT_INSTITUTIONS) == _info_count(lg.info(validate=False), "institution")
    lg.store.close()


UNIVERSITY = str(INST["test-closure-university"])
UNSOURCED = str(INST["test-closure-unsourced"])
RDF_TYPE, INSTITUTION, PENDING_SUCCESSOR = str(RDF.type), str(LIN.Institution), str(LIN.pendingSuccessor)


def _derived(lg: Lineage) -> set[tuple[str, str, str]]:
    rows = lg.store.select_plain(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} }}")
    return {tuple(map(str, row)) for row in rows}


def test_an_import_on_disk_derives_what_a_full_rebuild_derives(tmp_path, extra, monkeypatch):
    """Imports write the new edges with the engine's bulk writer, and close the types the
    import's own parse saw (the store is not read for them); the result must be the derived
    graph a rebuild from all the data gives."""
    from lineage.graph import derive as derive_module
    from lineage.graph.derive import derive

    lg = Lineage.open(store=f"oxigraph:{tmp_path / 'db'}", writable=True)
    with monkeypatch.context() as patched:
        patched.setattr(derive_module, "_stated_of_class",
                        lambda *a: pytest.fail("the import read stated types back from the store"))
        lg.import_files([extra], validate=False)
    imported = _derived(lg)
    derive(lg.store)
    assert imported == _derived(lg)
    assert (UNIVERSITY, RDF_TYPE, INSTITUTION) not in imported  # the data states it already
    assert (UNSOURCED, PENDING_SUCCESSOR, UNIVERSITY) in imported
    lg.store.close()


def test_a_bulk_write_that_fails_part_way_leaves_a_whole_derived_graph(tmp_path, extra, monkeypatch):
    """A failed bulk write of the new edges (not one transaction) is followed by a rebuild
    of the derived graph, so no half of it stays; the error still reaches the caller."""
    from lineage.graph.derive import derive

    lg = Lineage.open(store=f"oxigraph:{tmp_path / 'db'}", writable=True)
    store = lg.store
    write = type(store).add_quads

    def half_then_fail(self, quads, replace_graphs=(), bulk=False):
        if bulk:
            write(self, quads[: len(quads) // 2], bulk=True)
            raise OSError("disk full")
        return write(self, quads, replace_graphs, bulk)

    monkeypatch.setattr(type(store), "add_quads", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        lg.import_files([extra], validate=False)
    after_failure = _derived(lg)
    monkeypatch.undo()
    derive(store)
    assert after_failure == _derived(lg)
    assert (UNSOURCED, PENDING_SUCCESSOR, UNIVERSITY) in after_failure
    store.close()


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_blank_node_gets_its_superclass_types_on_the_same_node(tmp_path, on_disk):
    """The closure reads subjects as plain strings: a blank node must come back as itself."""
    data = tmp_path / "blank.ttl"
    data.write_text("@prefix lin: <https://w3id.org/lineage/ontology#> .\n"
                    "[] a lin:University .\n", encoding="utf-8")
    if on_disk:
        lg = Lineage.open(store=f"oxigraph:{tmp_path / 'db'}", writable=True)
        lg.import_files([data], validate=False)
    else:
        lg = Lineage.open(data=[data], bundled=False)
    both = "SELECT (COUNT(*) AS ?n) WHERE { ?b a lin:University , lin:Institution FILTER(isBlank(?b)) }"
    assert _count(lg, both) == 1
    assert _count(lg, "SELECT (COUNT(*) AS ?n) WHERE { ?b a lin:Institution FILTER(isBlank(?b)) }") == 1
    lg.store.close()
