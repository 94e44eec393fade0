"""Persistent and remote stores: filled once, locked for writers, shared by readers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lineage import Lineage
from lineage.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [str(ROOT / "examples" / f"{k}.csv")
            for k in ("sources", "institutions", "events", "memberships", "observations")]
EXAMPLE_CENTRE = "Example Coastal Engineering Technology Research Center"


def test_disk_store_is_filled_once_then_opened_read_only(tmp_path):
    spec = f"oxigraph:{tmp_path / 'db'}"
    first = Lineage.open(store=spec)
    assert first.resolve("MOST")
    first.store.close()
    second = Lineage.open(store=spec)
    assert second.store.read_only and second.validate().conforms


def test_import_then_trace_and_show_on_disk(run, tmp_path):
    spec = f"oxigraph:{tmp_path / 'db'}"
    result = run("--store", spec, "import", *EXAMPLES)
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "lin:Conversion" in result.output
    trace = run("--store", spec, "trace", EXAMPLE_CENTRE)
    assert "APPLIED, pending - not approved" in trace.output and "Example Daily" in trace.output
    show = run("--store", spec, "show", "ECETRC")
    assert "Example Maritime University" in show.output and "example.org" in show.output
    again = run("--store", spec, "import", *EXAMPLES)
    assert again.exit_code == 2 and "--replace" in again.stderr


def test_import_into_memory_needs_dry_run(run):
    refused = run("import", *EXAMPLES)
    assert refused.exit_code == 2 and "--dry-run" in refused.stderr
    checked = run("import", "--dry-run", *EXAMPLES)
    assert checked.exit_code == 0 and "would add" in checked.output


def test_failed_import_leaves_the_disk_store_unchanged(run, tmp_path):
    spec = f"oxigraph:{tmp_path / 'db'}"
    assert run("--store", spec, "import", *EXAMPLES).exit_code == 0
    before = run("--store", spec, "info", "--format", "json", "--no-validate").stdout
    bad = ROOT / "tests" / "fixtures" / "ingest" / "bad-last-line.ttl"
    result = run("--store", spec, "import", str(bad))
    assert result.exit_code == 2 and "bad-last-line.ttl:" in result.stderr
    assert run("--store", spec, "info", "--format", "json", "--no-validate").stdout == before


def test_failed_bulk_import_leaves_the_disk_store_unchanged(run, tmp_path):
    """--no-validate takes the bulk loader (no transaction log): the whole file is parsed
    before anything is written, so a bad last line still leaves nothing behind."""
    spec = f"oxigraph:{tmp_path / 'db'}"
    assert run("--store", spec, "import", *EXAMPLES).exit_code == 0
    before = run("--store", spec, "info", "--format", "json", "--no-validate").stdout
    bad = ROOT / "tests" / "fixtures" / "ingest" / "bad-last-line.ttl"
    result = run("--store", spec, "import", "--no-validate", str(bad))
    assert result.exit_code == 2 and "bad-last-line.ttl:" in result.stderr
    assert run("--store", spec, "info", "--format", "json", "--no-validate").stdout == before


def test_data_files_are_refused_for_a_persistent_store(run, tmp_path):
    result = run("--store", f"oxigraph:{tmp_path / 'db'}", "--data", EXAMPLES[0], "info")
    assert result.exit_code == 2 and "lineage --store" in result.stderr


def test_a_second_writer_gets_a_clear_lock_error_and_readers_still_work(run, tmp_path):
    db = tmp_path / "db"
    Lineage.open(store=f"oxigraph:{db}").store.close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time, pyoxigraph
        store = pyoxigraph.Store({str(db)!r})
        print("locked", flush=True)
        time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(UsageError) as err:
            Lineage.open(store=f"oxigraph:{db}", writable=True)
        assert "locked by another process" in str(err.value)
        cli = run("--store", f"oxigraph:{db}", "import", *EXAMPLES)
        assert cli.exit_code == 2 and "locked by another process" in cli.stderr
        reader = run("--store", f"oxigraph:{db}", "trace", "National Wheat Engineering Technology Research Center")
        assert reader.exit_code == 0 and "APPLIED" in reader.output
    finally:
        holder.kill()
        holder.wait()


def test_sparql_store_import_and_read_only_endpoint(run, oxigraph_server):
    spec = f"sparql:{oxigraph_server}/query,{oxigraph_server}/update"
    result = run("--store", spec, "import", *EXAMPLES)
    assert result.exit_code == 0, result.output
    read_only = f"sparql:{oxigraph_server}/query"
    assert "APPLIED" in run("--store", read_only, "trace", EXAMPLE_CENTRE).output
    refused = run("--store", read_only, "import", "--replace", *EXAMPLES)
    assert refused.exit_code == 2 and "read-only" in refused.stderr


def test_unreachable_sparql_store_is_a_clear_error(run):
    result = run("--store", "sparql:http://127.0.0.1:9/query", "info")
    assert result.exit_code == 2 and "cannot reach the SPARQL endpoint" in result.stderr


def test_a_million_triples_import_then_trace_without_rereading(tmp_path, run):
    """1M-triple N-Triples import into oxigraph:DIR; trace then answers from the store."""
    path = tmp_path / "million.nt"
    lin, base = "https://w3id.org/lineage/ontology#", "https://w3id.org/lineage/id/"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    with path.open("w", encoding="utf-8") as out:
        for i in range(125_000):
            inst, event = f"<{base}inst/m{i}>", f"<{base}event/m{i}>"
            out.write(f"{inst} {rdf_type} <{lin}NationalEngineeringResearchCenter> .\n"
                      f'{inst} {label} "Million {i}"@en .\n{inst} {label} "百万{i}"@zh .\n'
                      f"{inst} <http://purl.org/dc/terms/source> <{base}src/million> .\n")
            if i % 5:
                out.write(f"{event} {rdf_type} <{lin}Conversion> .\n"
                          f"{event} <http://www.w3.org/ns/org#originalOrganization> <{base}inst/m{i - 1}> .\n"
                          f"{event} <http://www.w3.org/ns/org#resultingOrganization> {inst} .\n"
                          f"{event} <{lin}status> <{lin}Approved> .\n"
                          f'{event} <http://purl.org/dc/terms/date> "2001"^^<http://www.w3.org/2001/XMLSchema#gYear> .\n')
    spec = f"oxigraph:{tmp_path / 'db'}"
    result = run("--store", spec, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "validation skipped" in result.stderr
    path.unlink()  # the trace below must not need the file
    trace = run("--store", spec, "trace", "Million 100001")
    assert trace.exit_code == 0 and "Million 100004" in trace.output


def test_bulk_rdf_import_into_a_sparql_store(run, oxigraph_server, tmp_path):
    """One RDF file with --no-validate takes the bulk path, on a remote store too."""
    path = tmp_path / "bulk.nt"
    path.write_text('<https://w3id.org/lineage/id/inst/bulk-probe> '
                    '<http://www.w3.org/2000/01/rdf-schema#label> "Bulk probe"@en .\n')
    spec = f"sparql:{oxigraph_server}/query,{oxigraph_server}/update"
    result = run("--store", spec, "import", "--no-validate", str(path))
    assert result.exit_code == 0, result.output
    assert "added 1 triples" in result.output


def test_plain_literals_are_values_equal_and_hashed_by_their_fields():
    from lineage.store.local import PlainLiteral

    lg = Lineage.open(bundled=False)
    rows = lg.store.select_plain('SELECT ?x ?y WHERE { VALUES (?x ?y) { ("小麦"@zh "1"^^xsd:integer) } }')
    (zh, one), = rows
    assert zh == PlainLiteral("小麦", "zh") and str(zh) == "小麦"
    assert one == PlainLiteral("1", None, "http://www.w3.org/2001/XMLSchema#integer")
    assert zh != PlainLiteral("小麦", "en") and zh != "小麦"
    assert len({zh, PlainLiteral("小麦", "zh"), one}) == 2
    assert "language='zh'" in repr(zh)
