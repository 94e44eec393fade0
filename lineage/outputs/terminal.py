"""Plain-text rendering for the terminal: width-aware tables (CJK is two columns wide) and reports.

Data never reaches the terminal raw: control characters (escape sequences, carriage returns,
newlines inside a label) and bidirectional overrides are shown as visible escapes such as
\\x1b, so a label cannot rewrite a line, recolour it or set the terminal's title.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wcwidth import wcswidth

from ..model import InstitutionDetail, Info, SearchHit, SourceRef
from ..namespaces import shorten

if TYPE_CHECKING:  # the trace and search paths should not pay for rdflib and the query layer
    from ..sparql.results import QueryResult
    from ..graph.validate import ValidationReport


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """Control and bidi-override characters as visible escapes (\\r, \\x1b, \\u202e)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def escaped(value):
    """A copy of a result (dataclasses, containers, strings) with every string escaped."""
    if isinstance(value, str):
        return escape_controls(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: escaped(getattr(value, f.name))
                   for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(escaped(v) for v in value)
    if isinstance(value, dict):
        return {escaped(k): escaped(v) for k, v in value.items()}
    return value


def _escaping(render):
    """Render an escaped copy of the result, so data cannot carry control characters out."""
    def wrapper(result, *args, **kwargs):
        return render(escaped(result), *args, **kwargs)

    wrapper.__doc__, wrapper.__name__ = render.__doc__, render.__name__
    return wrapper


def width(text: str) -> int:
    """Display width in terminal columns (wide CJK characters count two)."""
    w = wcswidth(text)
    return w if w >= 0 else len(text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]],
          max_width: int | None = None) -> str:
    """An aligned plain-text table with a rule under the header. With `max_width`, a table
    wider than that has its widest columns narrowed and their cells wrapped over several
    lines (rows then separated by a blank line, so each row reads as one block)."""
    cells = [[escape_controls(str(c)) for c in headers]]
    cells += [[("" if c is None else escape_controls(str(c))) for c in r] for r in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    if max_width is not None:
        widths = fit_widths(widths, max_width - 2 * (len(widths) - 1))
    blocks = [[pad_line(line, widths) for line in _wrapped_row(row, widths)] for row in cells]
    rule = "  ".join("-" * w for w in widths)
    if all(len(block) == 1 for block in blocks):
        return "\n".join([blocks[0][0], rule] + [block[0] for block in blocks[1:]])
    body = "\n\n".join("\n".join(block) for block in blocks[1:])
    return "\n".join(blocks[0] + [rule, body]) if body else "\n".join(blocks[0] + [rule])


def pad_line(parts: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(pad(c, w) for c, w in zip(parts, widths)).rstrip()


#: A column is never narrowed below this many terminal columns (or its natural width).
MIN_COLUMN = 8


def fit_widths(widths: Sequence[int], budget: int) -> list[int]:
    """Column widths that fit `budget` columns: the widest are capped first, each at the
    same cap, none below MIN_COLUMN (the table stays wider when even that does not fit)."""
    if sum(widths) <= budget:
        return list(widths)
    floors = [min(w, MIN_COLUMN) for w in widths]

    def total(cap: int) -> int:
        return sum(max(f, min(w, cap)) for w, f in zip(widths, floors))

    low, high = 0, max(widths)  # the largest cap whose total fits
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if total(middle) <= budget else (low, middle - 1)
    capped = [max(f, min(w, low)) for w, f in zip(widths, floors)]
    spare = budget - sum(capped)  # hand leftover columns to the capped ones, left to right
    for i, w in enumerate(widths):
        if spare <= 0:
            break
        if capped[i] < w:
            extra = min(spare, w - capped[i])
            capped[i] += extra
            spare -= extra
    return capped


def _wrapped_row(row: Sequence[str], widths: Sequence[int]) -> list[list[str]]:
    """One row as physical lines: each cell wrapped to its column, shorter cells padded."""
    wrapped = [wrap(cell, w) for cell, w in zip(row, widths)]
    height = max(len(lines) for lines in wrapped)
    return [[lines[i] if i < len(lines) else "" for lines in wrapped] for i in range(height)]


_BREAK_AFTER = "-/:_"


def wrap(text: str, columns: int) -> list[str]:
    """Text in lines of at most `columns` display columns: broken at spaces where it can,
    inside a word (an IRI, a run of Chinese) where it must; wide characters count two."""
    if width(text) <= columns:
        return [text]
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if width(candidate) <= columns:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:  # a word longer than the column: cut after a hyphen or slash
            while width(current + char) > columns and current:  # if it has one, else at the edge
                cut = max(current.rfind(mark) for mark in _BREAK_AFTER) + 1
                cut = cut if cut > 0 else len(current)
                lines.append(current[:cut])
                current = current[cut:]
            current += char
    if current or not lines:
        lines.append(current)
    return lines


#: Short names researchers use for the programme classes.
ACRONYMS = {
    "NationalEngineeringTechnologyResearchCenter": "NETRC",
    "NationalTechnologyInnovationCenter": "NTIC",
    "NationalEngineeringResearchCenter": "NERC",
    "NationalEngineeringLaboratory": "NEL",
}


def type_names(types) -> str:
    """Comma-separated short type names (NETRC, NTIC, University, ...)."""
    names = (local(shorten(t)) for t in types)
    return ", ".join(ACRONYMS.get(n, n) for n in names)


def local(name: str | None) -> str:
    """'lin:Applied' -> 'Applied' for display."""
    return "" if name is None else name.split(":", 1)[-1] if name.startswith("lin:") else name


def citation(source: SourceRef) -> str:
    text = source.citation()
    if source.title_is_descriptive:
        text += " [title ours]"
    if source.cited_via:
        text += f", cited via {source.cited_via}"
    if source.url:
        text += f" <{source.url}>"
    return text


@_escaping
def render_info(info: Info) -> str:
    lines = [f"store:    {info.store}", f"triples:  {info.triples}", f"sources:  {info.sources}"]
    if info.conforms is not None:
        state = "valid" if info.conforms else f"{info.violations} violation(s)"
        if info.warnings:
            state += f", {info.warnings} warning(s)"
        lines.append(f"validation: {state}")
    lines.append("files:    " + ", ".join(info.files))
    if info.query_barrier:
        lines.append(f"query barrier: {info.query_barrier}"
                     + (" (below the SPARQL guard)" if info.query_barrier != "guard only" else ""))
    lines.append("")
    lines.append(table(["class (narrower classes indented)", "count"],
                       [["  " * c.depth + c.label, str(c.count)] for c in info.class_counts]))
    if any(c.depth for c in info.class_counts):
        lines.append("(a class counts its narrower classes too)")
    total = sum(info.confidence.values())
    if total:
        lines.append("")
        lines.append(table(["confidence of facts", "facts", "share"],
                           [[local(c), str(n), f"{100 * n / total:.0f}%"]
                            for c, n in info.confidence.items()]))
    if info.facts:
        share = 100 * info.audited / info.facts
        found = ", ".join(f"{n} {k}" for k, n in info.verdicts.items())
        lines.append("")
        lines.append(f"audited: {info.audited} of {info.facts} sourced facts ({share:.1f}%)"
                     + (f": {found}" if found else "; run `lineage audit` to draw a sample"))
    if info.source_domains:
        top = list(info.source_domains.items())[:15]
        rest = sum(info.source_domains.values()) - sum(n for _, n in top)
        rows = [[host, str(n)] for host, n in top] + ([["(other domains)", str(rest)]] if rest else [])
        lines.append("")
        lines.append(table(["sources by domain", "sources"], rows))
    return "\n".join(lines)


def registry_of(iri: str) -> str:
    """The registry an exact-match IRI points into: ROR, Wikidata, or ''."""
    from ..namespaces import ROR, WIKIDATA_ENTITY

    return "ROR" if iri.startswith(str(ROR)) else "Wikidata" if iri.startswith(str(WIKIDATA_ENTITY)) else ""


@_escaping
def render_search(hits: Sequence[SearchHit], max_width: int | None = None) -> str:
    rows = [[h.institution.label_en or "", h.institution.label_zh or "",
             type_names(h.institution.types), shorten(h.institution.iri)]
            for h in hits]
    return table(["English", "中文", "type", "id"], rows, max_width)


def _sources_block(sources: Sequence[SourceRef], indent: str) -> list[str]:
    return [f"{indent}source: {citation(s)}" for s in sources]


@_escaping
def render_show(d: InstitutionDetail) -> str:
    ref = d.institution
    lines = [ref.both_labels(), f"  id:    {shorten(ref.iri)}",
             "  type:  " + type_names(ref.types)]
    if d.label_is_translation:
        lines.append("  note:  the English name is our own translation")
    if d.alt_labels:
        lines.append("  also:  " + "; ".join(d.alt_labels))
    for date in d.established:
        lines.append(f"  established: {date} ({date.precision})")
    lines.extend(_lifespan_lines(d.lifespan))
    for match in d.exact_matches:
        lines.append(f"  same as: {match}" + (f"  ({registry})" if (registry := registry_of(match)) else ""))
    for source in d.match_sources:
        lines.append(f"    link source: {citation(source)}")
    if d.confidence:
        lines.append(f"  confidence: {local(d.confidence)}")
    for comment in d.comments:
        lines.append(f"  comment: {comment}")
    if d.memberships:
        lines.append("")
        lines.append("Units and members")
        for m in d.memberships:
            span = membership_span(m.start, m.end)
            lines.append(f"  {role_words(m.role, m.direction)}: {m.other.both_labels()}"
                         + (f", {span}" if span else ""))
            lines.extend(_sources_block(m.sources, "    "))
    if d.events:
        lines.append("")
        lines.append("Events")
        for e in d.events:
            before = ", ".join(o.both_labels() for o in e.originals)
            after = ", ".join(r.both_labels() for r in e.results) or "(no result)"
            status = local(e.status).upper() if e.status else "STATUS UNKNOWN"
            date = f"{e.date} ({e.date.precision})" if e.date else "undated"
            lines.append(f"  {local(e.event_type)} [{status}] {date}")
            lines.append(f"    {before}  ->  {after}")
            if e.status_as_of:
                lines.append(f"    status as of {e.status_as_of}")
            for other in e.conflicts_with:
                rival = next((x for x in d.events if x.iri == other), None)
                said = f" (dated {rival.date})" if rival and rival.date else ""
                lines.append(f"    SOURCES DISAGREE: another claim about this event{said}, "
                             f"{shorten(other)}, is kept with its own source")
            lines.extend(_sources_block(e.sources, "    "))
    if d.other_facts:
        lines.append("")
        lines.append("Other facts")
        for f in d.other_facts:
            when = f" ({f.date})" if f.date else ""
            lines.append(f"  {f.kind}: {f.summary}{when}")
            lines.extend(_sources_block(f.sources, "    "))
    lines.append("")
    lines.append("Sources for this institution")
    for s in d.sources:
        lines.append(f"  {citation(s)}")
    if d.label_sources:
        lines.append("Sources for its names")
        for s in d.label_sources:
            lines.append(f"  {citation(s)}")
    return "\n".join(lines)


#: How a membership role reads from each side: (the member's side, naming its unit; the
#: unit's side, naming its member). "supporting unit: Henan Agricultural University" on the
#: centre's page, "supports: National Wheat ETRC" on the university's.
ROLE_WORDS = {
    "SupportingUnit": ("supporting unit", "supports"),
    "ManagingUnit": ("managing unit", "manages"),
    "CoBuilder": ("co-builder", "co-builds"),
    "LeadUnit": ("lead unit", "leads"),
    "OrganizingUnit": ("organising unit", "organises"),
    "CommercializationPartner": ("commercialisation partner", "commercialisation partner"),
    "Director": ("director of", "director"),  # the member is the person, the unit the centre
}


def role_words(role: str, direction: str) -> str:
    """A role worded from this institution's side; direction 'unit' means the other party is
    this institution's unit, 'member' that it is its member. Unknown roles read 'role (of)'."""
    name = local(role)
    as_member, as_unit = ROLE_WORDS.get(name, (_words(name), _words(name) + " of"))
    return as_member if direction == "unit" else as_unit


def _words(name: str) -> str:
    """'SomeRole' -> 'some role'."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def membership_span(start, end) -> str:
    """'since 2006', '2006 to 2020', 'until 2020' or '' for an undated membership."""
    if start and end:
        return f"{start} to {end}"
    return f"since {start}" if start else f"until {end}" if end else ""


def _lifespan_lines(span) -> list[str]:
    """Start, end and known-by dates by the existence rule, each saying where it comes from."""
    if span is None:
        return []
    lines = []
    for name, dated in (("exists from", span.start), ("ended", span.end),
                        ("existed by", None if span.start else span.known_by)):
        if dated is not None:
            lines.append(f"  {name}: {dated.date} ({dated.date.precision}); "
                         f"from: {dated.describe()}")
    if span.start is None:
        lines.append("  start: undated (no date of its own or of an event that made it)")
    return lines


@_escaping
def render_violations(report: ValidationReport) -> str:
    lines = []
    for v in report.violations:
        where = f" in {', '.join(v.sources)}" if v.sources else ""
        lines.append(f"{v.severity}: {v.message}")
        lines.append(f"  focus: {shorten(str(v.focus))}{where}")
        if v.path is not None:
            lines.append(f"  path:  {shorten(str(v.path))}")
        if v.value is not None:
            lines.append(f"  value: {v.value}")
        if v.shape is not None:
            lines.append(f"  shape: {shorten(str(v.shape))}")
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "valid" if report.conforms else "INVALID"
    lines.append(f"{verdict}: {errors} violation(s), {warnings} warning(s)")
    return "\n".join(lines)


def short_citation(source: SourceRef) -> str:
    """Publisher (or a shortened title) and date: enough to find the source in `show`."""
    name = source.publisher or (source.title if len(source.title) <= 48 else source.title[:45] + "...")
    return f"{name}, {source.date}" if source.date else name


def _hop_label(event) -> str:
    date = f"{event.date} ({event.date.precision})" if event.date else "undated"
    status = local(event.status).upper() if event.status else "STATUS UNKNOWN"
    if event.pending:
        status += ", pending - not approved"
    return f"{local(event.event_type)}, {date}, {status}"


def _type_tag(ref) -> str:
    return f"  [{type_names(ref.types)}]" if ref.types else ""


@_escaping
def render_trace(trace) -> str:
    """An indented tree: each hop's event type, date at its precision, status and sources."""
    root = trace.institutions[trace.root.iri]
    lines = [root.both_labels() + _type_tag(root)]
    if trace.root_not_yet_established:
        lines.append(f"  (not yet established as of {trace.as_of})")
    current = None
    for hop in trace.hops:
        if hop.direction != current:
            current = hop.direction
            lines.append("  what it became:" if current == "down" else "  where it came from:")
        indent = "    " * hop.depth
        arrow = "->" if hop.direction == "down" else "<-"
        if hop.child is None:
            target = "(no successor)"
        else:
            ref = trace.institutions[hop.child]
            target = ref.both_labels() + _type_tag(ref)
            if hop.cycle:
                target += "  ** CYCLE: leads back to an institution above **"
            elif hop.repeat:
                target += "  (already shown)"
        lines.append(f"{indent}{arrow} [{_hop_label(hop.event)}] {target}")
        if hop.event.sources:
            cites = "; ".join(short_citation(s) for s in hop.event.sources)
            lines.append(f"{indent}   sources: {cites}")
    if not trace.hops and not trace.root_not_yet_established:
        lines.append("  (no lineage events"
                     + (" match the filters)" if trace.as_of or trace.statuses else ")"))
    for iri in trace.depth_limited:
        lines.append(f"  more hops beyond --depth {trace.max_depth} from "
                     f"{trace.institutions[iri].label}")
    for cycle in trace.cycles:
        names = " -> ".join(trace.institutions[i].label for i in cycle)
        lines.append(f"  cycle in the data: {names}")
    return "\n".join(lines)


@_escaping
def render_path(path) -> str:
    lines = [path.start.both_labels()]
    for step in path.steps:
        target = path.institutions[step.target].both_labels()
        if step.event is not None:
            label = _hop_label(step.event)
            arrow = f"--[{label}]-->" if step.forward else f"<--[{label}]--"
            lines.append(f"  {arrow} {target}")
            if step.event.sources:
                lines.append("      sources: " + "; ".join(short_citation(s) for s in step.event.sources))
        else:
            role = local(step.role)
            arrow = f"--[{role}]-->" if step.forward else f"<--[{role} of]--"
            lines.append(f"  {arrow} {target}")
    lines.append(f"{len(path.steps)} hop(s)")
    return "\n".join(lines)


def _names(refs) -> str:
    return ", ".join(r.both_labels() for r in refs) or "(none)"


def _diff_event(event, indent: str) -> list[str]:
    """One event of a diff: kind, date, status, parties and sources."""
    if event.results:
        what = f"{_names(event.originals)} -> {_names(event.results)}"
    elif local(event.event_type) == "Establishment":  # names no result: establishes its originals
        what = f"{_names(event.originals)} (established)"
    else:
        what = f"{_names(event.originals)} -> (no result)"
    lines = [f"{indent}[{_hop_label(event)}] {what}"]
    if event.sources:
        lines.append(f"{indent}   sources: " + "; ".join(short_citation(s) for s in event.sources))
    return lines


def _institution_changes(title: str, sign: str, changes) -> list[str]:
    lines = ["", f"{title} ({len(changes)})"]
    for c in changes:
        ref = c.institution
        lines.append(f"  {sign} {c.date.date} ({c.date.date.precision})  {ref.both_labels()}"
                     f"{_type_tag(ref)}  from: {c.date.describe()}")
    return lines


def render_diff(d) -> str:
    """What changed between two dates, section by section, each fact with its date and status."""
    where = (f" around {d.focus.both_labels()} ({d.depth} hop{'s' if d.depth != 1 else ''})"
             if d.focus else "")
    lines = [f"What changed between {d.from_date} and {d.to_date}{where}",
             "(the record as of each date, by the existence rule: docs/time.md)"]
    lines += _institution_changes("Institutions that appeared", "+", d.appeared)
    lines += _institution_changes("Institutions that ended", "-", d.ended)
    lines += ["", f"Events ({len(d.events)})"]
    current = None
    for event in d.events:
        if event.event_type != current:
            current = event.event_type
            lines.append(f"  {local(current)} ({d.event_counts.get(current, 0)})")
        lines += _diff_event(event, "    ")
    for title, changes in (("Memberships that began", d.memberships_began),
                           ("Memberships that ended", d.memberships_ended)):
        lines += ["", f"{title} ({len(changes)})"]
        lines += [f"  {m.date} ({m.date.precision})  {local(m.role)}: {m.member.both_labels()}"
                  f" -> {m.unit.both_labels()}" for m in changes]
    lines += ["", f"Still pending at {d.to_date} ({len(d.pending)})"]
    for event in d.pending:
        lines += _diff_event(event, "  ")
    lines += ["", table(["programme", d.from_date, d.to_date, "undated"],
                        [[p.label, str(p.at_from), str(p.at_to), str(p.undated)]
                         for p in d.programmes])]
    undated = d.undated
    lines += ["", f"Undated, so in no diff: {undated.get('institutions', 0)} institution(s) with "
                  f"no start date, {undated.get('events', 0)} event(s), "
                  f"{undated.get('memberships', 0)} membership(s)"]
    return "\n".join(lines)


def query_table(result: QueryResult, max_width: int | None = None) -> str:
    """A SELECT as a text table with its row count (long cells wrapped to `max_width`
    columns), an ASK as true/false."""
    if result.kind == "ASK":
        return "true" if result.boolean else "false"
    from ..sparql.results import display

    text = table(result.variables, [[display(t) for t in row] for row in result.rows], max_width)
    return text + f"\n({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}" + (
        ", TRUNCATED at --max-rows)" if result.truncated else ")")


def render_query_result(result: QueryResult, fmt: str, max_width: int | None = None) -> str:
    """A query result in one of sparql.FORMATS; `table` shows graph results as Turtle and
    wraps long cells to `max_width` columns."""
    from ..sparql.results import render

    if fmt == "table" and not result.is_graph:
        return query_table(result, max_width)
    return render(result, "ttl" if fmt == "table" else fmt)
