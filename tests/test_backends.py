"""One suite over the three backends: memory, an on-disk Oxigraph store, a SPARQL server.

The same trace, query, show and render answers on each, for the bundled graph.
"""

from __future__ import annotations

import json

import pytest

from lineage import Lineage
from lineage.model import jsonable

WHEAT = "National Wheat Engineering Technology Research Center"


@pytest.fixture(scope="module", params=["memory", "oxigraph", "sparql"])
def backend(request, tmp_path_factory):
    """A store spec for each backend, filled with the bundled graph."""
    if request.param == "memory":
        return "memory"
    if request.param == "oxigraph":
        return "oxigraph:" + str(tmp_path_factory.mktemp("store") / "db")
    url = request.getfixturevalue("oxigraph_server")
    return f"sparql:{url}/query,{url}/update"


@pytest.fixture(scope="module")
def memory():
    return Lineage.open()


def test_trace_is_the_same(backend, memory):
    lg = Lineage.open(store=backend)
    for name, direction in ((WHEAT, "down"), ("国家小麦技术创新中心", "up"),
                            ("National ASIC System Engineering Technology Research Center", "down")):
        assert jsonable(lg.trace(name, direction)) == jsonable(memory.trace(name, direction))


def test_canned_queries_are_the_same(backend, memory):
    lg = Lineage.open(store=backend)
    for name, query in memory.canned_queries().items():
        ours = sorted(map(str, lg.run_canned(name).rows))
        assert ours == sorted(map(str, memory.run_canned(name).rows)), name


def test_show_and_search_are_the_same(backend, memory):
    lg = Lineage.open(store=backend)
    assert jsonable(lg.show(WHEAT)) == jsonable(memory.show(WHEAT))
    assert jsonable(lg.search("小麦")) == jsonable(memory.search("小麦"))


def test_render_is_the_same(backend, memory):
    lg = Lineage.open(store=backend)
    assert lg.render(lineage=WHEAT) == memory.render(lineage=WHEAT)


def test_cli_answers_the_same(backend, run):
    for args in (["trace", WHEAT, "--format", "json"], ["query", "--name", "conversions", "--format", "csv"],
                 ["show", WHEAT, "--format", "json"]):
        here = run("--store", backend, *args)
        there = run(*args)
        assert here.exit_code == 0, here.output
        if args[-1] == "json":
            assert json.loads(here.stdout) == json.loads(there.stdout)
        else:
            assert sorted(here.stdout.splitlines()) == sorted(there.stdout.splitlines())


def test_validate_passes(backend):
    assert Lineage.open(store=backend).validate().conforms
