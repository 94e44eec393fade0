"""The query page of `lineage serve` (lineage.query_page) and its routes: `/` and `/run`.

Through the server's App (plain requests, no socket); the page in a browser is in
test_query_page_browser.py.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import urllib.parse

import pytest

from lineage.errors import UsageError
from lineage.server import App, ServerConfig
from lineage.sparql import QueryTimeout

WHEAT = "National Wheat Engineering Technology Research Center"
WHEAT_ZH = "国家小麦工程技术研究中心"
HOST = {"Host": "127.0.0.1:8000"}
_ISLAND = re.compile(r'<script type="application/json" id="page-data">(.*?)</script>', re.S)
_SCRIPTS = re.compile(r"<script>(.*?)</script>", re.S)
_STYLES = re.compile(r"<style>(.*?)</style>", re.S)


@pytest.fixture(scope="module")
def app(bundled):
    return App(bundled, ServerConfig(timeout=10))


def run(app, headers=None, **fields):
    """POST a form to /run, as the page's script does."""
    body = urllib.parse.urlencode(fields).encode("utf-8")
    return app.handle("POST", "/run", {**HOST, "Content-Type": "application/x-www-form-urlencoded",
                                       **(headers or {})}, body)


def answer(response) -> dict:
    assert response.content_type == "application/json", response.body[:200]
    return json.loads(response.body)


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def column(data: dict, name: str) -> list:
    index = data["variables"].index(name)
    return [row[index] for row in data["rows"]]


# -- the page -------------------------------------------------------------------------------

def test_the_page_lists_every_canned_query_with_its_parameters(app, bundled):
    page = app.handle("GET", "/", HOST)
    assert page.status == 200 and page.content_type.startswith("text/html")
    data = json.loads(_ISLAND.search(page.body.decode()).group(1))
    shown = {q["name"]: q for q in data["canned"]}
    assert set(shown) == set(bundled.canned_queries())
    lineage_of = shown["lineage-of"]
    assert lineage_of["text"] == bundled.canned_query("lineage-of").text
    assert [p["name"] for p in lineage_of["params"]] == ["institution"]
    assert lineage_of["params"][0]["default"] == WHEAT
    assert ["lin", "https://w3id.org/lineage/ontology#"] in data["prefixes"]


def test_the_page_allows_only_its_own_script_and_style(app):
    page = app.handle("GET", "/", HOST)
    policy = page.headers["Content-Security-Policy"]
    text = page.body.decode()
    scripts, styles = _SCRIPTS.findall(text), _STYLES.findall(text)
    assert len(scripts) == 1 and len(styles) == 1
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == sha256(scripts[0])
    assert directives["style-src"] == sha256(styles[0])
    assert directives["connect-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    # nothing on the page names another site: no CDN, no URL to load
    assert "http://" not in text and "https://" not in text


def test_a_page_request_from_another_site_is_refused(app):
    response = run(app, {"Origin": "https://evil.example"}, query="ASK { ?s ?p ?o }")
    assert response.status == 403
    assert run(app, {"Sec-Fetch-Site": "cross-site"}, query="ASK { ?s ?p ?o }").status == 403
    assert run(app, {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
               query="ASK { ?s ?p ?o }").status == 200


# -- /run: answers -------------------------------------------------------------------------

def test_a_canned_query_runs_with_its_parameter_and_labels_institutions(app, bundled):
    data = answer(run(app, canned="lineage-of", query="", **{"p.institution": WHEAT}))
    direct = bundled.run_canned("lineage-of", {"institution": WHEAT})
    assert data["kind"] == "SELECT" and len(data["rows"]) == len(direct) > 0
    wheat = bundled.resolve(WHEAT).iri
    cells = [c for c in column(data, "institution") if c["value"] == wheat]
    assert cells, "the institution asked about is a column of its own lineage"
    cell = cells[0]
    assert cell["label"] == WHEAT and cell["zh"] == WHEAT_ZH
    assert cell["view"] == "/view?focus=" + urllib.parse.quote(wheat, safe="")
    # the link leads to a served view of that institution
    view = app.handle("GET", cell["view"], HOST)
    assert view.status == 200 and WHEAT_ZH.encode() in view.body


def test_list_cells_read_as_lineage_query_prints_them(app, bundled):
    """A canned query's list cells (sources, ...) are sorted and written with prefixed names
    on the page too, not as the engine's GROUP_CONCAT of full IRIs."""
    data = answer(run(app, canned="lineage-of", query="", **{"p.institution": WHEAT}))
    direct = bundled.run_canned("lineage-of", {"institution": WHEAT})
    shown = [c["value"] for c in column(data, "sources")]
    assert shown == [str(row[direct.variables.index("sources")]) for row in direct.rows]
    assert all(part.startswith("src:") for cell in shown for part in cell.split("; "))


def test_other_iris_get_prefixed_names_and_literals_keep_their_tags(app):
    data = answer(run(app, canned="lineage-of", query="", **{"p.institution": WHEAT}))
    event = column(data, "event")[0]
    assert event["type"] == "uri" and event["short"].startswith("event:")
    assert "view" not in event and "label" not in event
    kind = column(data, "type")[0]
    assert kind == {"type": "literal", "value": "conversion", "lang": "en"}
    date = next(c for c in column(data, "date") if c)
    assert date["datatype"].startswith("xsd:")


def test_another_value_of_the_parameter_gives_another_answer(app, bundled):
    other = "Nanchang University"
    wheat = answer(run(app, canned="by-supporting-unit", query="",
                       **{"p.unit": "Henan Agricultural University"}))
    nanchang = answer(run(app, canned="by-supporting-unit", query="", **{"p.unit": other}))
    assert wheat["rows"] and nanchang["rows"] and wheat["rows"] != nanchang["rows"]
    assert len(nanchang["rows"]) == len(bundled.run_canned("by-supporting-unit", {"unit": other}))


def test_edited_text_runs_with_the_canned_parameters_bound(app, bundled):
    text = bundled.canned_query("lineage-of").text + "\nLIMIT 1"
    edited = answer(run(app, canned="lineage-of", query=text, **{"p.institution": WHEAT}))
    assert len(edited["rows"]) == 1
    wheat = bundled.resolve(WHEAT).iri
    assert edited["rows"][0][0]["value"] == wheat  # ?institution was bound to the parameter


def test_a_query_without_a_canned_name_runs_as_written(app):
    data = answer(run(app, query="SELECT ?u WHERE { ?u a lin:University } ORDER BY ?u LIMIT 3"))
    assert len(data["rows"]) == 3
    assert all(row[0]["label"] and row[0]["view"].startswith("/view?focus=") for row in data["rows"])


def test_ask_and_construct_answers(app):
    assert answer(run(app, query="ASK { ?s lin:pendingSuccessor ?o }"))["boolean"] is True
    assert answer(run(app, query="ASK { ?s lin:noSuchProperty ?o }"))["boolean"] is False
    graph = answer(run(app, query="CONSTRUCT { ?a lin:pendingSuccessor ?b } "
                                  "WHERE { ?a lin:pendingSuccessor ?b }"))
    assert graph["count"] > 0 and "lin:pendingSuccessor" in graph["turtle"]


def test_other_formats_bind_the_parameters_too(app, bundled):
    response = run(app, canned="lineage-of", query="", format="csv", **{"p.institution": WHEAT})
    assert response.status == 200 and response.content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.body.decode())))
    assert len(rows) - 1 == len(bundled.run_canned("lineage-of", {"institution": WHEAT}))
    assert run(app, query="ASK {}", format="yaml").status == 406


# -- /run: errors as JSON the page can show ---------------------------------------------------

def test_a_syntax_error_carries_its_line_and_column(app):
    response = run(app, query="SELECT * WHERE {\n  ?s ?p\n}")
    data = answer(response)
    assert response.status == 400
    assert data["line"] == 2 and data["column"] >= 1
    assert data["error"].startswith(f"SPARQL syntax error at line {data['line']}, column "
                                    f"{data['column']}")


@pytest.mark.parametrize("fields,words", [
    ({"canned": "no-such-query"}, "no canned query named 'no-such-query'"),
    ({"canned": "lineage-of", "p.nothing": "x"}, "has no parameter 'nothing'"),
    ({"canned": "lineage-of", "p.institution": "Nowhere At All"}, "no institution named"),
    ({"query": "   "}, "no query"),
    ({"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
     "SERVICE is not allowed"),
])
def test_bad_requests_are_json_errors_without_a_position(app, fields, words):
    response = run(app, **fields)
    data = answer(response)
    assert response.status == 400 and words in data["error"]
    assert "line" not in data and "Traceback" not in data["error"]


def test_a_time_limit_is_a_503_json_error(bundled):
    class Slow:
        def __getattr__(self, name):
            return getattr(bundled, name)

        def query(self, *args, **kwargs):
            raise QueryTimeout("the query ran past its time limit (10 s)")

    response = run(App(Slow(), ServerConfig(timeout=10)), query="ASK {}")
    assert response.status == 503 and "time limit" in answer(response)["error"]


def test_a_request_without_json_format_gets_the_plain_error(app):
    response = run(app, query="SELECT * WHERE { ?s ?p }", format="json")
    assert response.status == 400 and response.content_type.startswith("text/plain")


# -- the library call behind the labels ------------------------------------------------------

def test_institution_refs_names_only_institutions(bundled):
    wheat = bundled.resolve(WHEAT).iri
    status = "https://w3id.org/lineage/ontology#Applied"
    refs = bundled.institution_refs([wheat, status, "https://example.org/x>", wheat])
    assert set(refs) == {wheat}
    assert refs[wheat].label_en == WHEAT and refs[wheat].label_zh == WHEAT_ZH
    assert refs[wheat].types == bundled.resolve(WHEAT).types


def test_institution_refs_looks_up_many_iris_at_once(bundled):
    everyone = [hit.institution.iri for hit in bundled.search("")]
    assert len(everyone) > 50
    refs = bundled.institution_refs(everyone)
    assert set(refs) == set(everyone)
    assert all(refs[i] == bundled.index.refs[i] for i in everyone)


def test_an_unknown_canned_parameter_is_a_usage_error(bundled):
    with pytest.raises(UsageError, match="parameters: institution"):
        bundled.canned_bindings("lineage-of", {"who": "x"})
