"""Audit: draw sourced facts at random for a reviewer, and record the verdicts as data.

`sample` draws N facts (institutions, events, memberships, figures, policies ... anything
citing a source) with a seed, each with a one-line claim and its sources; the sheet (CSV or
HTML) has a verdict column. `audit_quads` turns a reviewed sheet into lin:AuditVerdict
nodes (who, when, verdict, note, the sources checked) imported into a graph of their own.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import random
import re
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ..ingest.mapping import _real_date
from ..ingest.problems import Problem
from ..model import SourceRef
from ..namespaces import AUDIT, DERIVED_GRAPH, LIN, expand, shorten
from ..graph.sources import citations, values
from ..store.local import Store, to_oxigraph

COLUMNS = ("fact", "kind", "claim", "sources", "source_urls", "verdict", "reviewer", "reviewed", "note")
VERDICTS = {"supported": "Supported", "partly": "PartlySupported", "partly supported": "PartlySupported",
            "contradicted": "Contradicted", "unreachable": "SourceUnreachable",
            "source unreachable": "SourceUnreachable"}

#: Every node that cites a source and is not itself a source (policy documents count: they are facts).
_FACTS = """SELECT DISTINCT ?x WHERE {
  ?x dcterms:source ?s .
  FILTER NOT EXISTS { ?x a ?t . %(sources)s FILTER NOT EXISTS { ?x a lin:PolicyDocument } }
}"""
#: What the sources state about each fact (not the closure the derived graph adds).
_DESCRIBE = """SELECT ?x ?p ?o ?ol WHERE {{ VALUES ?x {{ {values} }}
  VALUES ?p {{ rdf:type rdfs:label org:member org:organization org:role lin:status dcterms:date
              org:originalOrganization org:resultingOrganization lin:indicator lin:value
              lin:refPeriod lin:established lin:population }}
  GRAPH ?g {{ ?x ?p ?o }} FILTER(?g != <%s>)
  OPTIONAL {{ ?o rdfs:label ?ol FILTER(LANGMATCHES(LANG(?ol), "en")) }} }}""" % DERIVED_GRAPH
_VERDICTS = """SELECT ?fact ?verdict WHERE { ?a a lin:AuditVerdict ; lin:auditedFact ?fact ; lin:verdict ?verdict }"""


@dataclass
class AuditItem:
    fact: str
    kind: str
    claim: str
    sources: list[SourceRef]


def is_audit_header(header: list[str]) -> bool:
    names = [h.strip().lstrip("\ufeff") for h in header]
    return bool(names) and names[0] == "fact" and {"verdict", "claim"} <= set(names)


def facts(store: Store) -> list[str]:
    """Every sourced fact's IRI, sorted (so a seed draws the same sample from the same graph)."""
    from ..graph.classes import among

    query = _FACTS % {"sources": among(store, "t", LIN.Source)}
    return sorted(str(x) for (x,) in store.select_plain(query) if not str(x).startswith("_:"))


def sample(store: Store, n: int, seed: int) -> list[AuditItem]:
    """N facts drawn at random with `seed`, each with its claim in one line and its sources."""
    pool = facts(store)
    chosen = sorted(random.Random(seed).sample(pool, min(n, len(pool))))
    described: dict[str, dict[str, list]] = {iri: {} for iri in chosen}
    for x, p, o, label in store.select_plain(_DESCRIBE.format(values=values(chosen))):
        shown = str(label) if label is not None else (str(o) if not str(o).startswith("http") else shorten(str(o)))
        described[str(x)].setdefault(shorten(str(p)), []).append((str(o), shown, getattr(o, "language", None)))
    cited = citations(store, chosen)
    from ..graph.classes import subclasses

    institution_types = {shorten(c) for c in subclasses(store, [str(LIN.Institution)])}
    return [AuditItem(iri, *_claim(described[iri], institution_types), cited.get(iri, []))
            for iri in chosen]


def _claim(facts: dict[str, list], institution_types: set[str]) -> tuple[str, str]:
    """(kind, one-line claim) from a node's type, labels and main properties."""
    def one(p):
        return facts.get(p, [("", "", None)])[0][1]

    def all_(p):
        return ", ".join(sorted(x[1] for x in facts.get(p, [])))

    kinds = sorted(shorten(t[0]) for t in facts.get("rdf:type", []))
    kind = next((k for k in kinds if k != "lin:Institution"), kinds[0] if kinds else "fact")
    label = next((x[1] for x in facts.get("rdfs:label", []) if x[2] == "en"), one("rdfs:label"))
    if "org:member" in facts:
        claim = f"{one('org:member')} has {one('org:role').split(':')[-1]} {one('org:organization')}"
    elif "org:originalOrganization" in facts:
        results = all_("org:resultingOrganization")
        claim = (f"{kind.split(':')[-1]} of {all_('org:originalOrganization')}"
                 + (f" into {results}" if results else "")
                 + f", {one('lin:status').split(':')[-1]}, {one('dcterms:date')}")
    elif "lin:indicator" in facts or (label and kind not in institution_types):
        claim = label or f"{one('lin:indicator')} {one('lin:refPeriod')}: {one('lin:value')}"
    else:
        zh = next((x[1] for x in facts.get("rdfs:label", []) if x[2] == "zh"), "")
        claim = f"{label}{f' ({zh})' if zh and zh != label else ''} is a {kind.split(':')[-1]}"
        if "lin:established" in facts:
            claim += f", established {one('lin:established')}"
    return kind, " ".join(claim.split())


def to_csv(items: list[AuditItem]) -> bytes:
    """The audit sheet: one row per fact, the verdict, reviewer, date and note left blank."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow([_neutral(c) for c in (
            item.fact, item.kind, item.claim, " | ".join(_citation(s) for s in item.sources),
            " ".join(s.url for s in item.sources if s.url), "", "", "", "")])
    return out.getvalue().encode("utf-8-sig")


def _citation(s: SourceRef) -> str:
    return ", ".join(str(x) for x in (s.title, s.publisher, s.date) if x)


def _neutral(cell: str) -> str:
    return "'" + cell if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell


def to_html(items: list[AuditItem], seed: int) -> bytes:
    """The sheet as a static page (no script; sources as links; text escaped)."""
    rows = []
    for item in items:
        sources = "<br>".join(
            html.escape(_citation(s)) + (f' <a href="{html.escape(s.url)}">{html.escape(s.url)}</a>'
                                         if s.url and s.url.startswith(("http://", "https://")) else "")
            for s in item.sources)
        rows.append(f"<tr><td>{html.escape(shorten(item.fact))}</td><td>{html.escape(item.kind)}</td>"
                    f"<td>{html.escape(item.claim)}</td><td>{sources}</td><td></td></tr>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
            f"<title>lineage audit (seed {seed})</title></head><body>"
            f"<h1>Audit: {len(items)} facts drawn with seed {seed}</h1>"
            "<p>Check each claim against its sources; record verdicts (supported, partly, "
            "contradicted, unreachable) in the CSV sheet and store them with "
            "<code>lineage audit --record</code>.</p><table border=\"1\"><thead><tr><th>fact</th>"
            "<th>kind</th><th>claim</th><th>sources</th><th>verdict</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></body></html>").encode("utf-8")


def audit_quads(store: Store, name: str, data: bytes, graph: str):
    """lin:AuditVerdict nodes for the sheet's rows that carry a verdict; problems name the row."""
    import pyoxigraph as ox

    from ..ingest.tabular import decode_text

    text, problems = decode_text(name, data)
    if problems:
        return [], problems, {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    triples, origin = [], {}
    rows = [(reader.line_num, {k: (v or "").strip() for k, v in r.items() if k}) for r in reader]
    known = _known_facts(store, [r.get("fact", "") for _, r in rows])
    for number, row in rows:
        verdict = row.get("verdict", "").casefold()
        if not verdict:
            continue
        found = _verdict_row(name, number, row, verdict, known, problems)
        if found is None:
            continue
        node, fact, concept, reviewer, reviewed = found
        for p, o in ((RDF.type, LIN.AuditVerdict), (LIN.auditedFact, URIRef(fact)),
                     (LIN.verdict, LIN[concept]), (LIN.auditor, Literal(reviewer)),
                     (DCTERMS.date, Literal(reviewed, datatype=XSD.date))):
            triples.append((node, p, o))
        for source in known[fact]:
            triples.append((node, LIN.checkedSource, URIRef(source)))
        if row.get("note"):
            triples.append((node, RDFS.comment, Literal(row["note"], lang="en")))
        origin[node] = (name, number)
    target = ox.NamedNode(graph)
    quads = [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), target) for s, p, o in triples]
    if not quads and not problems:
        problems.append(Problem(name, "no row has a verdict: write supported, partly, contradicted "
                                      "or unreachable in the verdict column"))
    return quads, problems, origin


def _verdict_row(name, number, row, verdict, known, problems):
    def problem(column, message):
        problems.append(Problem(name, message, row=number, column=column, value=row.get(column) or None))

    fact = expand(row.get("fact", "")) or row.get("fact", "")
    concept = VERDICTS.get(verdict)
    if concept is None:
        return problem("verdict", "expected supported, partly, contradicted or unreachable")
    if fact not in known:
        return problem("fact", "no such sourced fact in the store")
    reviewer, reviewed = row.get("reviewer", ""), row.get("reviewed", "")
    if not reviewer:
        return problem("reviewer", "say who checked it")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", reviewed) or not _real_date(reviewed):
        return problem("reviewed", "the day of the check, YYYY-MM-DD")
    digest = hashlib.sha1(f"{fact}|{reviewer}|{reviewed}".encode("utf-8")).hexdigest()[:16]
    return AUDIT[f"verdict-{digest}"], fact, concept, reviewer, reviewed


def _known_facts(store: Store, iris: list[str]) -> dict[str, list[str]]:
    """fact IRI -> the sources it cites, for the facts the sheet names."""
    from .review import safe_iri

    wanted = sorted({expand(i) or i for i in iris} - {""})
    wanted = [i for i in wanted if safe_iri(i)]
    found: dict[str, list[str]] = {}
    if wanted:
        for x, s in store.select_plain(
                f"SELECT ?x ?s WHERE {{ VALUES ?x {{ {values(wanted)} }} ?x dcterms:source ?s }}"):
            found.setdefault(str(x), []).append(str(s))
    return found


def audit_state(store: Store) -> tuple[int, int, dict[str, int]]:
    """(sourced facts, facts with a verdict, verdicts by kind) for `info`."""
    total = len(facts(store))
    verdicts: dict[str, set[str]] = {}
    for fact, verdict in store.select_plain(_VERDICTS):
        verdicts.setdefault(shorten(str(verdict)).split(":")[-1], set()).add(str(fact))
    audited = set().union(*verdicts.values()) if verdicts else set()
    return total, len(audited), {k: len(v) for k, v in sorted(verdicts.items())}
