"""The review file: one row per proposal, written as CSV and HTML; imported once reviewed.

A curator writes `accept` (or `reject`) in the `decision` column, and in `link_decision`
for a proposed lineage event, then runs `lineage import` on the file. Only accepted rows
enter the graph, each citing the list's (or the dump's) source; an accepted row that matched
an institution adds only what the graph lacks (units, dates, names, cross-links).
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS, XSD

from ..ingest.mapping import _DATE, _real_date, slugify
from ..ingest.problems import Problem
from ..namespaces import EVENT, INST, LIN, REL, SCHEMA, SRC, expand, shorten
from ..store.local import Store, to_oxigraph
from .normalise import has_chinese, name_key

COLUMNS = ("decision", "link_decision", "list_row", "kind", "outcome", "institution", "score",
           "why", "candidates", "proposal", "proposal_from", "proposal_status", "proposal_date",
           "proposal_confidence", "name_zh", "name_en", "name_en_is_translation", "type",
           "alt_names", "supporting_unit", "supporting_unit_iri", "managing_unit",
           "managing_unit_iri", "approved", "established", "exact_match", "source_title",
           "source_url", "source_publisher", "source_date", "list_file")
ACCEPT = {"accept", "accepted", "yes", "y", "ok", "接受", "采纳", "是"}
REJECT = {"reject", "rejected", "no", "n", "拒绝", "否"}
STATUSES = {"planned": "Planned", "applied": "Applied", "inprogress": "InProgress",
            "approved": "Approved", "completed": "Completed", "rejected": "Rejected",
            "withdrawn": "Withdrawn", "已批准": "Approved", "批准": "Approved", "批复": "Approved",
            "已完成": "Completed", "完成": "Completed", "通过验收": "Completed", "已申请": "Applied",
            "申请": "Applied", "计划": "Planned", "计划中": "Planned", "进行中": "InProgress",
            "未获批准": "Rejected", "已撤回": "Withdrawn"}
EVENT_KINDS = {"conversion": "Conversion", "转建": "Conversion", "转设": "Conversion",
               "renaming": "Renaming", "更名": "Renaming", "merger": "Merger", "整合": "Merger",
               "合并": "Merger"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


def safe_iri(text: str) -> bool:
    """An http(s) IRI that can be written into a query or a file as it is (no spaces, angle
    brackets, quotes or braces): values of a review file are never trusted."""
    return bool(_IRI.fullmatch(text))


def is_review_header(header: list[str]) -> bool:
    """A CSV whose header is a review file's (written by reconcile or link)."""
    names = [h.strip().lstrip("\ufeff") for h in header]
    return bool(names) and names[0] == "decision" and {"outcome", "list_row", "institution"} <= set(names)


def status_name(text: str) -> str:
    """The status concept's local name for a list's wording, or '' when it names none."""
    return STATUSES.get(re.sub(r"[\s_-]+", "", text.strip().casefold()), "")


# -- writing ----------------------------------------------------------------------------

def to_csv(rows: list[dict]) -> bytes:
    """The review rows as CSV (UTF-8 with the BOM spreadsheets need to read Chinese);
    a cell a spreadsheet would evaluate as a formula is prefixed with '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_neutral(str(row.get(c, "") or "")) for c in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def _neutral(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA) else cell


_STYLE = ("body{font:14px sans-serif;margin:1em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}"
          "tr.matched td.o{background:#dfd}tr.new td.o{background:#ddf}"
          "tr.ambiguous td.o{background:#fdd}td.w{max-width:32em}")
_SHOWN = ("list_row", "outcome", "institution", "score", "name_zh", "name_en", "type",
          "supporting_unit", "managing_unit", "approved", "why", "candidates", "proposal",
          "proposal_from", "proposal_status", "exact_match")


def to_html(rows: list[dict], title: str) -> bytes:
    """A small static page of the review rows: no script, every value escaped as text."""
    import base64

    digest = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
    counts = defaultdict(int)
    for row in rows:
        counts[row.get("outcome", "")] += 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in _SHOWN)
    body = []
    for row in rows:
        cells = "".join(
            f"<td class=\"{'o' if c == 'outcome' else 'w' if c == 'why' else ''}\">"
            f"{html.escape(str(row.get(c, '') or ''))}</td>" for c in _SHOWN)
        body.append(f"<tr class=\"{html.escape(row.get('outcome', ''))}\">{cells}</tr>")
    page = (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        f"style-src 'sha256-{digest}'\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(summary)}. Nothing enters the graph "
        "until a curator writes <code>accept</code> in the <code>decision</code> column (and "
        "<code>link_decision</code> for a proposed event) of the CSV and imports it with "
        "<code>lineage import</code>.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></body></html>")
    return page.encode("utf-8")


# -- importing --------------------------------------------------------------------------

@dataclass
class _Row:
    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        value = (self.cells.get(column) or "").strip()
        return value[1:] if value.startswith("'") and value[1:2] in _FORMULA else value


@dataclass
class _Context:
    """What the store already holds about the institutions an import touches."""

    institutions: set[str] = field(default_factory=set)
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    established: set[str] = field(default_factory=set)
    matches: set[tuple[str, str]] = field(default_factory=set)
    memberships: set[tuple[str, str, str]] = field(default_factory=set)
    approvals: set[tuple[str, str]] = field(default_factory=set)
    all_names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    sources_by_url: dict[str, str] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)


def review_quads(store: Store, name: str, data: bytes, graph: str):
    """Quads for the accepted rows of a review file, problems naming row and column, and the
    row behind each new node (for validation messages)."""
    from ..ingest.tabular import decode_text

    text, problems = decode_text(name, data)
    if problems:
        return [], problems, {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = [_Row(reader.line_num, dict(r)) for r in reader]
    problems, accepted = [], []
    for row in rows:
        for column in ("decision", "link_decision"):
            value = row.get(column).casefold()
            if value and value not in ACCEPT | REJECT:
                problems.append(Problem(name, "write accept or reject (or leave it blank)",
                                        row=row.number, column=column, value=row.get(column)))
        if row.get("decision").casefold() in ACCEPT or row.get("link_decision").casefold() in ACCEPT:
            accepted.append(row)
    if problems or not accepted:
        return [], problems, {}
    builder = _Builder(store, name, accepted, problems)
    triples, origin = builder.build()
    target = to_oxigraph(URIRef(graph))
    import pyoxigraph as ox

    quads = [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), target) for s, p, o in triples]
    return quads, problems, origin


class _Builder:
    """Turns accepted review rows into triples, adding to matched institutions only what is new."""

    def __init__(self, store: Store, name: str, rows: list[_Row], problems: list[Problem]):
        self.store, self.name, self.rows, self.problems = store, name, rows, problems
        self.triples: list[tuple] = []
        self.origin: dict[URIRef, tuple[str, int]] = {}
        self.row_iri: dict[str, str] = {}  # list_row -> institution IRI decided by this import
        self.sources: dict[tuple, URIRef] = {}

    def problem(self, row: _Row, column: str, message: str) -> None:
        self.problems.append(Problem(self.name, message, row=row.number, column=column,
                                     value=row.get(column) or None))

    def add(self, row: _Row, s: URIRef, p: URIRef, o) -> None:
        self.triples.append((s, p, o))
        self.origin.setdefault(s, (self.name, row.number))

    def build(self):
        targets = {}
        for row in self.rows:
            iri = self._target(row)
            if iri:
                targets[row.number] = iri
                self.row_iri[row.get("list_row")] = iri
        self.context = self._context({*targets.values(), *self._referenced()})
        for row in self.rows:
            iri = targets.get(row.number)
            if iri is None:
                continue
            source = self._source(row)
            if source is None:
                continue
            if row.get("decision").casefold() in ACCEPT:
                self._entry(row, URIRef(iri), source)
            if row.get("link_decision").casefold() in ACCEPT:
                self._event(row, URIRef(iri), source)
        return self.triples, self.origin

    def _iri(self, text: str) -> str:
        return expand(text) or text if text else ""

    def _target(self, row: _Row) -> str | None:
        """The institution an accepted row is about (chosen by the curator when ambiguous)."""
        outcome, iri = row.get("outcome"), self._iri(row.get("institution"))
        if outcome == "ambiguous" and not iri:
            self.problem(row, "institution", "an ambiguous row needs the curator's choice: put one "
                                             "of the candidates in the institution column")
            return None
        if outcome == "new" and not iri:
            if not row.get("name_en"):
                self.problem(row, "name_en", "a new institution needs an English name (yours, "
                                             "with name_en_is_translation true, if no source gives one)")
                return None
            iri = str(INST[slugify(row.get("name_en"))])
        if not safe_iri(iri):
            self.problem(row, "institution", "not an IRI or prefixed name")
            return None
        return iri

    def _referenced(self) -> set[str]:
        found = set()
        for row in self.rows:
            for column in ("supporting_unit_iri", "managing_unit_iri", "proposal_from"):
                value = row.get(column)
                if value and not value.startswith("row "):
                    if safe_iri(self._iri(value)):
                        found.add(self._iri(value))
                    else:
                        self.problem(row, column, "not an IRI or prefixed name")
        return found

    def _context(self, iris: set[str]) -> _Context:
        ctx = _Context()
        values = " ".join(f"<{i}>" for i in sorted(iris) if i)
        if values:
            for x, p, o in self.store.select_plain(f"""SELECT ?x ?p ?o WHERE {{ VALUES ?x {{ {values} }}
                    VALUES ?p {{ rdf:type rdfs:label skos:altLabel lin:established skos:exactMatch }}
                    ?x ?p ?o }}"""):
                ctx.taken.add(x)
                if p.endswith("#type"):
                    ctx.institutions.add(x)  # refined below: any typed node counts as known
                elif p.endswith("#label") or p.endswith("#altLabel"):
                    ctx.names[x].add(name_key(str(o)))
                elif p.endswith("#established"):
                    ctx.established.add(x)
                else:
                    ctx.matches.add((x, str(o)))
            for m, role, u in self.store.select_plain(f"""SELECT ?m ?role ?u WHERE {{
                    VALUES ?m {{ {values} }} ?r org:member ?m ; org:role ?role ; org:organization ?u }}"""):
                ctx.memberships.add((m, shorten(role), u))
            for x, d in self.store.select_plain(f"""SELECT ?x ?d WHERE {{ VALUES ?x {{ {values} }}
                    ?e a lin:Establishment ; dcterms:date ?d .
                    {{ ?e org:resultingOrganization ?x }} UNION {{ ?e org:originalOrganization ?x }} }}"""):
                ctx.approvals.add((x, str(d)))
        urls = {r.get("source_url") for r in self.rows if r.get("source_url")}
        if urls:
            listed = " ".join(f"<{u}>" for u in sorted(urls) if safe_iri(u))
            if listed:
                for s, u in self.store.select_plain(f"""SELECT ?s ?u WHERE {{ VALUES ?u {{ {listed} }}
                        ?s schema:url ?u ; dcterms:title ?t }}"""):
                    ctx.sources_by_url.setdefault(u, s)
        return ctx

    def _source(self, row: _Row) -> URIRef | None:
        """The list's lin:Source (reused when the store has one with the same URL)."""
        url, title = row.get("source_url"), row.get("source_title")
        publisher, date = row.get("source_publisher"), row.get("source_date")
        if not url and not title:
            self.problem(row, "source_url", "no source: give the list's URL or title (every "
                                            "accepted row cites it)")
            return None
        if url and not safe_iri(url):
            self.problem(row, "source_url", "expected an http:// or https:// address")
            return None
        key = (url, title, publisher, date)
        if key in self.sources:
            return self.sources[key]
        if url in self.context.sources_by_url:
            node = URIRef(self.context.sources_by_url[url])
        else:
            slug = slugify(title)[:80].strip("-") if title else ""
            node = SRC[slug or "list-" + hashlib.sha1((url or title).encode()).hexdigest()[:12]]
            if str(node) in self._existing({str(node)}):
                node = SRC[f"{slug or 'list'}-{hashlib.sha1((url + title).encode()).hexdigest()[:8]}"]
            self.add(row, node, RDF.type, LIN.Source)
            self.add(row, node, DCTERMS.title, Literal(title or url, lang="zh" if has_chinese(title) else "en"))
            if not title:
                self.add(row, node, LIN.titleIsDescriptive, Literal(True))
            if url:
                self.add(row, node, SCHEMA.url, URIRef(url))
            if publisher:
                self.add(row, node, DCTERMS.publisher, Literal(publisher))
            if date:
                literal = self._date(row, "source_date", date)
                if literal is not None:
                    self.add(row, node, DCTERMS.date, literal)
        self.sources[key] = node
        return node

    def _existing(self, iris: set[str]) -> set[str]:
        values = " ".join(f"<{i}>" for i in iris)
        return {str(s) for (s,) in self.store.select_plain(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")}

    def _date(self, row: _Row, column: str, value: str):
        if not _DATE.match(value) or not _real_date(value):
            self.problem(row, column, "not a date; expected YYYY, YYYY-MM or YYYY-MM-DD")
            return None
        return Literal(value, datatype={4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(value)])

    def _entry(self, row: _Row, iri: URIRef, source: URIRef) -> None:
        """The row's institution (new) or what it adds to a matched one."""
        known = str(iri) in self.context.taken
        if row.get("outcome") == "new" and known:
            self.problem(row, "institution", f"{shorten(str(iri))} is already in the store: "
                                             "run reconcile again (the row now matches)")
            return
        if row.get("kind") not in ("", "list"):
            self._cross_link(row, iri, source)
            return
        if row.get("outcome") != "new" and not known:
            self.problem(row, "institution", "no such institution in the store")
            return
        if not known:
            self._new_institution(row, iri, source)
        else:
            self.add(row, iri, DCTERMS.source, source)
            self._new_names(row, iri)
        self._established(row, iri, source, known)
        for column, role in (("supporting_unit_iri", "SupportingUnit"), ("managing_unit_iri", "ManagingUnit")):
            self._membership(row, iri, column, role, source)
        self._approval(row, iri, source)

    def _cross_link(self, row: _Row, iri: URIRef, source: URIRef) -> None:
        target = row.get("exact_match")
        if not safe_iri(target):
            self.problem(row, "exact_match", "expected the registry's IRI")
            return
        if not known_institution(self.context, str(iri)):
            self.problem(row, "institution", "no such institution in the store")
            return
        if (str(iri), target) in self.context.matches:
            return
        self.add(row, iri, SKOS.exactMatch, URIRef(target))
        self.add(row, iri, LIN.matchSource, source)
        self.add(row, iri, DCTERMS.source, source)

    def _new_institution(self, row: _Row, iri: URIRef, source: URIRef) -> None:
        from ..ingest.mapping import Vocabulary

        vocabulary = getattr(self, "_vocabulary", None) or Vocabulary(self.store)
        self._vocabulary = vocabulary
        cls = vocabulary.lookup("class", "Institution", row.get("type")) if row.get("type") else None
        if cls is None:
            self.problem(row, "type", "a new institution needs a type (NERC, NEL, NETRC, NTIC, "
                                      "University, Enterprise, ResearchInstitute, GovernmentBody ...)")
            return
        for column in ("name_zh", "name_en"):
            if not row.get(column):
                self.problem(row, column, "a new institution needs both names (English and Chinese)")
                return
        flag = row.get("name_en_is_translation").casefold()
        self.add(row, iri, RDF.type, cls)
        self.add(row, iri, RDFS.label, Literal(row.get("name_en"), lang="en"))
        self.add(row, iri, RDFS.label, Literal(row.get("name_zh"), lang="zh"))
        translated = flag not in ("false", "no", "0")
        self.add(row, iri, LIN.labelIsTranslation, Literal(translated))
        # the list prints the English name it gives, unless it says the name is a translation
        self.add(row, iri, LIN.labelSource if translated else LIN.englishLabelSource, source)
        self.add(row, iri, DCTERMS.source, source)
        for alt in _split(row.get("alt_names")):
            if alt not in (row.get("name_en"), row.get("name_zh")):
                self.add(row, iri, SKOS.altLabel, Literal(alt, lang="zh" if has_chinese(alt) else "en"))
        self.context.taken.add(str(iri))
        self.context.institutions.add(str(iri))

    def _new_names(self, row: _Row, iri: URIRef) -> None:
        """Names the list gives that the institution lacks (variants, acronyms) as altLabels."""
        have = self.context.names[str(iri)]
        for name in [row.get("name_zh"), row.get("name_en"), *_split(row.get("alt_names"))]:
            if name and name_key(name) not in have:
                have.add(name_key(name))
                self.add(row, iri, SKOS.altLabel, Literal(name, lang="zh" if has_chinese(name) else "en"))

    def _established(self, row: _Row, iri: URIRef, source: URIRef, known: bool) -> None:
        value = row.get("established")
        if not value or (known and str(iri) in self.context.established):
            return
        literal = self._date(row, "established", value)
        if literal is not None:
            self.add(row, iri, LIN.established, literal)

    def _unit_iri(self, row: _Row, column: str) -> str:
        value = row.get(column)
        if value.startswith("row "):
            return self.row_iri.get(value[4:].strip(), "")
        return self._iri(value)

    def _membership(self, row: _Row, iri: URIRef, column: str, role: str, source: URIRef) -> None:
        unit = self._unit_iri(row, column)
        if not unit:
            return
        if not known_institution(self.context, unit) and unit not in self.row_iri.values():
            self.problem(row, column, "no such institution in the store or among the accepted rows")
            return
        if (str(iri), f"lin:{role}", unit) in self.context.memberships:
            return
        self.context.memberships.add((str(iri), f"lin:{role}", unit))
        node = REL[f"{_local(iri)}-{slugify(role)}-{_local(unit)}"[:150]]
        self.add(row, node, RDF.type, ORG.Membership)
        self.add(row, node, ORG.member, iri)
        self.add(row, node, ORG.organization, URIRef(unit))
        self.add(row, node, ORG.role, LIN[role])
        self.add(row, node, DCTERMS.source, source)

    def _approval(self, row: _Row, iri: URIRef, source: URIRef) -> None:
        """An approval date (批准时间) as an Establishment event with status Approved; the
        centre itself is its original, since the list names no founder."""
        value = row.get("approved")
        if not value or (str(iri), value) in self.context.approvals:
            return
        date = self._date(row, "approved", value)
        if date is None:
            return
        self.context.approvals.add((str(iri), value))
        node = EVENT[f"{_local(iri)}-approval-{value}"[:150]]
        self.add(row, node, RDF.type, LIN.Establishment)
        self.add(row, node, ORG.originalOrganization, iri)
        self.add(row, node, LIN.status, LIN.Approved)
        self.add(row, node, DCTERMS.date, date)
        self.add(row, node, DCTERMS.source, source)
        self.add(row, node, RDFS.comment, Literal("Approval date as the list gives it; the list "
                                                  "names no founder, so the centre is the original.",
                                                  lang="en"))

    def _event(self, row: _Row, iri: URIRef, source: URIRef) -> None:
        """The proposed lineage event, with the status the list supports and the curator's
        confidence (never High: the link is a proposal)."""
        kind = EVENT_KINDS.get(row.get("proposal").strip().casefold(), "")
        origin = self._unit_iri(row, "proposal_from")
        if not kind:
            self.problem(row, "proposal", "no proposed event (Conversion, Renaming or Merger)")
            return
        if row.get("decision").casefold() not in ACCEPT and str(iri) not in self.context.taken:
            self.problem(row, "decision", "the proposed event needs the new institution: accept the row too")
            return
        if not origin or (not known_institution(self.context, origin) and origin not in self.row_iri.values()):
            self.problem(row, "proposal_from", "the predecessor is not in the store or among the accepted rows")
            return
        status = status_name(row.get("proposal_status"))
        if not status:
            self.problem(row, "proposal_status", "the list does not say how far the change went: "
                         "write the status its source supports (Planned, Applied, InProgress, "
                         "Approved, Completed ...)")
            return
        confidence = row.get("proposal_confidence").capitalize() or "Low"
        if confidence not in ("Low", "Medium"):
            self.problem(row, "proposal_confidence", "a proposed link is Low or Medium confidence")
            return
        value = row.get("proposal_date")
        date = self._date(row, "proposal_date", value) if value else None
        if date is None:
            if not value:
                self.problem(row, "proposal_date", "the event needs a date at the precision the source gives")
            return
        node = EVENT[f"{_local(origin)}-{kind.lower()}-into-{_local(iri)}"[:150]]
        self.add(row, node, RDF.type, LIN[kind])
        self.add(row, node, ORG.originalOrganization, URIRef(origin))
        self.add(row, node, ORG.resultingOrganization, iri)
        self.add(row, node, LIN.status, LIN[status])
        self.add(row, node, DCTERMS.date, date)
        self.add(row, node, DCTERMS.source, source)
        self.add(row, node, LIN.confidence, LIN[confidence])
        why = row.get("why")
        self.add(row, node, RDFS.comment, Literal(f"Proposed by lineage reconcile and accepted by a "
                                                  f"curator: {why}", lang="en"))


def known_institution(ctx: _Context, iri: str) -> bool:
    return iri in ctx.institutions


def _local(iri) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _split(cell: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;；]", cell or "") if p.strip()]
