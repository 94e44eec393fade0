"""Exports are faithful, deterministic and atomic (lineage.export, `lineage export`)."""

from __future__ import annotations

import io
import subprocess
import sys

import networkx as nx
import pytest
from conftest import TURTLE_PREFIXES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from lineage import Lineage
from lineage.outputs import export as ex
from lineage.ingest import import_files
from lineage.namespaces import DERIVED_GRAPH, ONTOLOGY_GRAPH


def data_graph(lg) -> Graph:
    """The union of the data graphs (no ontology, no derived edges) as rdflib."""
    return lg.store.to_rdflib(exclude=[str(ONTOLOGY_GRAPH), str(DERIVED_GRAPH)])


@pytest.mark.parametrize("fmt,suffix", [("ttl", ".ttl"), ("nt", ".nt"), ("trig", ".trig"),
                                        ("jsonld", ".jsonld")])
def test_round_trip_into_an_empty_store_is_isomorphic(bundled, tmp_path, fmt, suffix):
    path = tmp_path / f"export{suffix}"
    path.write_bytes(ex.export_bytes(bundled.store, fmt))
    empty = Lineage.open(bundled=False)
    import_files(empty.store, [path], validate=False)
    assert isomorphic(data_graph(empty), data_graph(bundled))


pieces = st.sampled_from(['"', "'", "\\", "\n", "\r", "\t", "小麦", "🌾", "\\u0041", '"""', " "])
labels = st.lists(pieces | st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=5),
                  min_size=1, max_size=8).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(en=labels, zh=labels)
def test_awkward_labels_survive_every_rdf_format(tmp_path, en, zh):
    source = tmp_path / "labels.nt"
    graph = Graph()
    node = URIRef("https://w3id.org/lineage/id/inst/awkward")
    graph.add((node, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(en, lang="en")))
    graph.add((node, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(zh, lang="zh")))
    source.write_text(graph.serialize(format="nt"), encoding="utf-8")
    original = Lineage.open(bundled=False)
    import_files(original.store, [source], validate=False)
    for fmt, suffix in (("ttl", ".ttl"), ("nt", ".nt"), ("trig", ".trig"), ("jsonld", ".jsonld")):
        out = tmp_path / f"out{suffix}"
        out.write_bytes(ex.export_bytes(original.store, fmt))
        copy = Lineage.open(bundled=False)
        import_files(copy.store, [out], validate=False)
        assert isomorphic(data_graph(copy), graph), fmt


def test_trig_keeps_named_graphs(bundled):
    dataset = Dataset()
    dataset.parse(data=ex.export_bytes(bundled.store, "trig").decode(), format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert any(n.endswith("/bundled/seed-article.ttl") for n in names)


def test_jsonld_has_a_context(bundled):
    import json

    document = json.loads(ex.export_bytes(bundled.store, "jsonld"))
    assert document["@context"]["lin"] == "https://w3id.org/lineage/ontology#"
    assert any(n["@id"].startswith("inst:") for n in document["@graph"])


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_network_exports_read_back_with_networkx(bundled, fmt):
    reader = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    graph = reader(io.BytesIO(ex.export_bytes(bundled.store, fmt)))
    expected = ex.network_graph(bundled.store)
    assert graph.number_of_nodes() == expected.number_of_nodes()
    assert graph.number_of_edges() == expected.number_of_edges()
    wheat = "https://w3id.org/lineage/id/inst/national-wheat-engineering-technology-research-center"
    assert graph.nodes[wheat]["label_zh"] == "国家小麦工程技术研究中心"
    relations = {d["relation"] for _, _, d in graph.edges(data=True)}
    assert {"lin:Conversion", "lin:SupportingUnit"} <= relations
    wheat_ntic = "https://w3id.org/lineage/id/inst/national-wheat-technology-innovation-center"
    [conversion] = [d for u, v, d in graph.edges(data=True) if (u, v) == (wheat, wheat_ntic)]
    assert conversion["status"] == "lin:Applied" and str(conversion["pending"]).lower() == "true"


def test_gexf_carries_start_dates_for_gephi_timeline(bundled):
    text = ex.export_bytes(bundled.store, "gexf").decode()
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text
    graph = nx.read_gexf(io.BytesIO(text.encode()))
    most = graph.nodes["https://w3id.org/lineage/id/inst/ministry-of-science-and-technology"]
    sstc = graph.nodes["https://w3id.org/lineage/id/inst/state-scientific-and-technological-commission"]
    assert most["start"].startswith("1998") and sstc["end"].startswith("1998")
    assert all("start" in d for _, _, d in graph.edges(data=True) if d["kind"] == "event")


def test_csv_nodes_and_edges(bundled):
    files = ex.to_csv_files(bundled.store)
    nodes = files["nodes.csv"].decode("utf-8-sig")
    edges = files["edges.csv"].decode("utf-8-sig")
    assert nodes.startswith("id,label_en,label_zh") and "国家小麦工程技术研究中心" in nodes
    assert edges.startswith("source,target,kind,relation") and "lin:Conversion" in edges


def test_exports_are_deterministic_across_processes(tmp_path):
    script = ("import sys; from lineage import Lineage; from lineage.outputs import export as ex; "
              "sys.stdout.buffer.write(ex.export_bytes(Lineage.open().store, sys.argv[1]))")
    for fmt in ("ttl", "trig", "nt", "jsonld", "gexf", "graphml"):
        runs = {subprocess.run([sys.executable, "-c", script, fmt], capture_output=True,
                               check=True, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
                for seed in ("1", "2")}
        assert len(runs) == 1, f"{fmt} export differs between runs"


def test_cli_export_formats_and_stdout(run, tmp_path):
    out = tmp_path / "graph.nt"
    assert run("export", "--format", "nt", "-o", str(out)).exit_code == 0
    assert out.read_bytes() == run("export", "--format", "nt", "-o", "-").stdout_bytes
    tables = tmp_path / "tables"
    assert run("export", "--format", "csv", "-o", str(tables)).exit_code == 0
    assert (tables / "nodes.csv").read_bytes().startswith(b"\xef\xbb\xbfid,")
    refused = run("export", "--format", "csv", "-o", "-")
    assert refused.exit_code == 2


def test_a_killed_export_never_leaves_a_partial_file(tmp_path):
    """SIGKILL an export at different moments: the output is always the old file or a whole
    new one, never a truncated mix."""
    import signal
    import time

    big = tmp_path / "big.nt"
    with big.open("w") as handle:
        for i in range(60_000):
            handle.write(f'<https://w3id.org/lineage/id/inst/k{i}> '
                         f'<http://www.w3.org/2000/01/rdf-schema#label> "Killed export {i}"@en .\n')
    out = tmp_path / "export.nt"
    old = b"previous export, which must survive\n"
    command = [sys.executable, "-c", "from lineage.cli import main; main()", "--data", str(big),
               "export", "--format", "nt", "-o", str(out)]
    complete = subprocess.run(command, capture_output=True, check=True)
    new = out.read_bytes()
    assert len(new) > 1_000_000 and complete.returncode == 0
    outcomes = set()
    for delay in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0):
        out.write_bytes(old)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        content = out.read_bytes()
        assert content in (old, new), f"partial file after a kill at {delay} s"
        outcomes.add(content == new)
    assert False in outcomes  # at least one kill landed before the new file was swapped in


FORMULAS = TURTLE_PREFIXES + """inst:formula a lin:University ; rdfs:label "=HYPERLINK(\\"http://evil.example/\\")"@en, "@SUM(1)"@zh ;
    dcterms:source src:formula .
src:formula a lin:Source ; dcterms:title "+cmd|' /C calc'!A0" .
event:formula a lin:Conversion ; org:originalOrganization inst:formula ;
    org:resultingOrganization inst:national-wheat-technology-innovation-center ;
    lin:status lin:Applied ; dcterms:date "2020"^^xsd:gYear ; dcterms:source src:formula .
"""


def test_csv_export_neutralises_cells_a_spreadsheet_would_evaluate(run, tmp_path):
    data = tmp_path / "formula.ttl"
    data.write_text(FORMULAS, encoding="utf-8")
    assert run("--data", str(data), "export", "--format", "csv", "-o", str(tmp_path / "safe")).exit_code == 0
    nodes = (tmp_path / "safe" / "nodes.csv").read_text(encoding="utf-8-sig")
    edges = (tmp_path / "safe" / "edges.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in nodes and "'@SUM(1)" in nodes and "'+cmd" in edges
    import csv

    cells = [c for text in (nodes, edges) for row in csv.reader(io.StringIO(text)) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    raw = tmp_path / "raw"
    assert run("--data", str(data), "export", "--format", "csv", "--raw-cells", "--no-bom",
               "-o", str(raw)).exit_code == 0
    raw_nodes = (raw / "nodes.csv").read_bytes()
    assert raw_nodes.startswith(b"id,") and b'"=HYPERLINK(""http://evil.example/"")"' in raw_nodes


@pytest.mark.parametrize("name", ["graph.csv", "GRAPH.CSV", "existing-file"])
def test_csv_export_to_a_file_name_is_refused_not_made_a_folder(run, tmp_path, name):
    target = tmp_path / name
    if name == "existing-file":
        target.write_text("keep me")
    result = run("export", "--format", "csv", "-o", str(target))
    assert result.exit_code == 2 and "names a folder" in result.stderr
    assert not target.is_dir() and (name != "existing-file" or target.read_text() == "keep me")


def _as_rdflib(data: bytes, fmt) -> Graph:
    """The triples of an export (graph names dropped), read strictly, lexical forms kept."""
    import pyoxigraph as ox

    triples = (ox.Triple(q.subject, q.predicate, q.object) if isinstance(q, ox.Quad) else q
               for q in ox.parse(data, format=fmt))
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    return graph


@pytest.mark.parametrize("flags", [(), ("--include-derived",), ("--include-ontology",),
                                   ("--include-derived", "--include-ontology")])
def test_every_rdf_export_is_isomorphic_with_every_other(run, monkeypatch, flags):
    import pyoxigraph as ox
    import rdflib

    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)  # compare lexical forms
    parsers = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE,
               "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}
    exported = {fmt: run("export", "--format", fmt, *flags, "-o", "-").stdout_bytes for fmt in parsers}
    reference = _as_rdflib(exported["nt"], parsers["nt"])
    assert b'"191"^^<http://www.w3.org/2001/XMLSchema#decimal>' in exported["nt"]
    for fmt in ("ttl", "trig", "jsonld"):
        assert isomorphic(_as_rdflib(exported[fmt], parsers[fmt]), reference), fmt
    Dataset().parse(data=exported["trig"].decode(), format="trig")  # rdflib reads it too


NASTY = "Bad\x01label\x0b with\x1b[31m controls\ufffe"


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_xml_exports_are_well_formed_with_control_characters_in_labels(run, tmp_path, fmt):
    import xml.etree.ElementTree as ET

    data = tmp_path / "nasty.nt"
    data.write_text('<https://w3id.org/lineage/id/inst/nasty> '
                    '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                    '<https://w3id.org/lineage/ontology#University> .\n'
                    '<https://w3id.org/lineage/id/inst/nasty> <http://www.w3.org/2000/01/rdf-schema#label> '
                    f'"{NASTY}"@en .\n', encoding="utf-8")
    result = run("--data", str(data), "export", "--format", fmt, "-o", "-")
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout_bytes)
    assert "Badlabel with[31m controls" in result.stdout
    if fmt == "gexf":
        graph = root.find("{http://www.gexf.net/1.2draft}graph")
        assert "name" not in graph.attrib and b"networkx_key" not in result.stdout_bytes
        assert b'title="iri"' in result.stdout_bytes
