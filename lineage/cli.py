"""The `lineage` command: parse arguments, call the facade, format the answer. Nothing else."""

from __future__ import annotations

import json
import os
import sys
from functools import wraps

import click

EXIT_OK, EXIT_NEGATIVE, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class Context:
    """Global options, and the facade opened lazily so --help never loads the graph."""

    def __init__(self, store: str | None, data: tuple[str, ...], strict_sandbox: bool = False):
        self.store_spec, self.data, self.strict_sandbox = store, data, strict_sandbox
        self.query_workers: int | None = None
        self.queue_wait: float | None = None
        self._lineage = None

    def close(self) -> None:
        """Release the store (an on-disk store's lock) when the command ends."""
        if self._lineage is not None:
            self._lineage.store.close()
            self._lineage = None

    def lineage(self, writable: bool = False):
        from .api import Lineage

        if self._lineage is None:
            self._lineage = Lineage.open(store=self.store_spec, data=self.data, writable=writable,
                                         strict_sandbox=self.strict_sandbox,
                                         query_workers=self.query_workers,
                                         queue_wait=self.queue_wait)
            for warning in self._lineage.warnings:
                click.echo(f"warning: {warning}", err=True)
        return self._lineage


def reports_errors(command):
    """Turn library errors into one clear line on stderr and the documented exit code."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        from .errors import LineageError

        try:
            return command(*args, **kwargs)
        except LineageError as exc:
            click.echo(f"error: {exc}{_flag_hint(exc)}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # a bug: say so without a traceback unless asked for one
            if os.environ.get("LINEAGE_DEBUG"):
                raise
            click.echo(f"internal error ({type(exc).__name__}): {exc}. "
                       "Set LINEAGE_DEBUG=1 for details and report it.", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper


#: What the CLI adds to an error whose parameter it sets with a flag (the library names none).
_FLAG_HINTS = {
    "timeout": "raise the limit with --timeout",
    "strict_sandbox": "--strict-sandbox (or LINEAGE_STRICT_SANDBOX=1) is on",
    "replace": "use --replace to replace what they added",
    "data": "--data is for the in-memory store; use `lineage --store SPEC import FILE...`",
}


def _flag_hint(exc: Exception) -> str:
    """The command-line way to lift or explain an error the library reports by parameter."""
    hint = _FLAG_HINTS.get(getattr(exc, "parameter", None) or "")
    return f" ({hint})" if hint else ""


def emit_json(value) -> None:
    from .model import jsonable

    click.echo(json.dumps(jsonable(value), ensure_ascii=False, indent=2))


format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                             default="text", show_default=True, help="Output format.")

wide_option = click.option("--wide", is_flag=True,
                           help="Never wrap table cells (tables wrap to the terminal's width, "
                                "or to $COLUMNS when set; piped output is not wrapped).")


def table_width(wide: bool) -> int | None:
    """Columns to wrap tables to: $COLUMNS when set, else the terminal's width when standard
    output is a terminal; None (no wrapping) with --wide or when piped."""
    if wide:
        return None
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--store", envvar="LINEAGE_STORE", metavar="SPEC",
              help="Where the graph lives: 'memory' (default: the bundled graph plus --data files), "
                   "'oxigraph:DIR' (a persistent store, filled once) or "
                   "'sparql:QUERY_URL[,UPDATE_URL]' (a SPARQL 1.1 server). Also from LINEAGE_STORE.")
@click.option("--data", multiple=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="Extra file (Turtle, TriG, N-Triples, JSON-LD, CSV or YAML) to load on top of "
                   "the in-memory graph for this run (repeatable).")
@click.option("--strict-sandbox", is_flag=True, envvar="LINEAGE_STRICT_SANDBOX",
              help="Refuse to run SPARQL queries where no barrier below the query guard "
                   "(a network namespace or seccomp) can be put around the query worker; "
                   "`lineage info` says which barrier is in force. Also from "
                   "LINEAGE_STRICT_SANDBOX=1.")
@click.version_option(package_name="lineage")
@click.pass_context
def main(ctx, store, data, strict_sandbox):
    """Trace, query and check the lineage of China's S&T institutions.

    \b
    Examples:
      lineage info
      lineage search 小麦
      lineage show "National Wheat Engineering Technology Research Center"

    Exit codes: 0 done; 1 a negative answer (violations found, no path, ASK false);
    2 bad usage or bad input; 3 internal error.
    """
    ctx.obj = Context(store, tuple(data), strict_sandbox)
    ctx.call_on_close(ctx.obj.close)


@main.command()
@format_option
@click.option("--no-validate", is_flag=True, help="Skip the validation state (faster).")
@click.pass_obj
@reports_errors
def info(obj: Context, fmt, no_validate):
    """What is loaded: counts by class, sources, files and validation state.

    \b
    Example:
      lineage info
      lineage --data my-centres.ttl info --format json
    """
    from .outputs.terminal import render_info

    result = obj.lineage().info(validate=not no_validate)
    emit_json(result) if fmt == "json" else click.echo(render_info(result))


@main.command()
@click.argument("text")
@format_option
@wide_option
@click.pass_obj
@reports_errors
def search(obj: Context, text, fmt, wide):
    """Institutions whose English, Chinese or alternative labels contain TEXT.

    Matching ignores case and character width (full-width ＡＢＣ matches ABC).

    \b
    Example:
      lineage search 小麦
      lineage search "innovation center" --format json
    """
    from .outputs.terminal import render_search

    hits = obj.lineage().search(text)
    if fmt == "json":
        emit_json(hits)
    elif hits:
        click.echo(render_search(hits, table_width(wide)))
    else:
        click.echo(f"no institution label contains {text!r}")


@main.command()
@click.argument("name")
@format_option
@click.pass_obj
@reports_errors
def show(obj: Context, name, fmt):
    """One institution: labels, type, units with dates, events in and out, sources.

    NAME is an IRI (or prefixed name such as inst:...), an exact English or Chinese label,
    or an acronym.

    \b
    Example:
      lineage show "National Wheat Engineering Technology Research Center"
      lineage show 国家小麦工程技术研究中心 --format json
    """
    from .outputs.terminal import render_show

    detail = obj.lineage().show(name)
    emit_json(detail) if fmt == "json" else click.echo(render_show(detail))


@main.command()
@click.argument("name")
@click.option("--down", "direction", flag_value="down", default=True,
              help="Successors: what it became (default).")
@click.option("--up", "direction", flag_value="up", help="Predecessors: where it came from.")
@click.option("--both", "direction", flag_value="both", help="Both directions.")
@click.option("--depth", type=click.IntRange(min=0), metavar="N", help="At most N hops.")
@click.option("--as-of", metavar="DATE",
              help="The lineage as it stood at DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--status", "status", metavar="LIST",
              help="Only hops with these statuses, comma-separated: planned, applied, inprogress, "
                   "approved, completed, rejected, withdrawn, or the groups settled and pending. "
                   "Default: all, pending hops marked.")
@format_option
@click.pass_obj
@reports_errors
def trace(obj: Context, name, direction, depth, as_of, status, fmt):
    """The lineage tree of NAME: each hop with event type, date, status and sources.

    Dates are shown at the precision the source gives (year, month or day). Hops that are
    only planned or applied for are marked pending. Cycles in the data are reported, never
    followed. The JSON form is described by lineage/schemas/trace.schema.json.

    \b
    Example:
      lineage trace "National Wheat Engineering Technology Research Center"
      lineage trace 国家小麦技术创新中心 --up
      lineage trace "National Wheat Engineering Technology Research Center" --as-of 2021 --format json
    """
    from .outputs.terminal import render_trace
    from .vocabulary import statuses as named_statuses

    statuses = named_statuses(status) if status is not None else None
    result = obj.lineage().trace(name, direction, depth, as_of, statuses)
    emit_json(result) if fmt == "json" else click.echo(render_trace(result))


@main.command()
@click.argument("from_date", metavar="FROM")
@click.argument("to_date", metavar="TO")
@click.option("--focus", metavar="NAME", help="Only NAME and what is within --depth hops of it "
              "(through lineage events and memberships).")
@click.option("--depth", type=click.IntRange(min=0), metavar="N",
              help="Hops around --focus (default 1).")
@format_option
@click.pass_obj
@reports_errors
def diff(obj: Context, from_date, to_date, focus, depth, fmt):
    """What changed between the graph as it stood at FROM and as it stood at TO.

    FROM and TO are YYYY, YYYY-MM or YYYY-MM-DD, read as `trace --as-of` reads them: a bare
    year is the state at its end, and a date known only to a coarser precision is not taken
    as later. Lists institutions that appeared and ended, events by kind with status and
    sources, memberships that began or ended, events still pending at TO, and counts by
    programme (NTIC, NETRC, NERC, NEL). The JSON form is described by
    lineage/schemas/diff.schema.json.

    \b
    Example:
      lineage diff 2022-06 2023
      lineage diff 2015 2016 --format json
      lineage diff 2020 2023 --focus 国家小麦技术创新中心 --depth 2
    """
    from .errors import UsageError
    from .outputs.terminal import render_diff

    if depth is not None and not focus:
        raise UsageError("--depth applies only with --focus")
    result = obj.lineage().diff(from_date, to_date, focus, 1 if depth is None else depth)
    emit_json(result) if fmt == "json" else click.echo(render_diff(result))


@main.command()
@click.argument("start")
@click.argument("end")
@click.option("--via-units", is_flag=True,
              help="Also walk memberships (supporting and managing units, co-builders...).")
@format_option
@click.pass_obj
@reports_errors
def path(obj: Context, start, end, via_units, fmt):
    """The hops between two institutions through lineage events.

    Exit 1 with a clear message when there is no path.

    \b
    Example:
      lineage path "National Wheat Engineering Technology Research Center" 国家小麦技术创新中心
      lineage path 国家小麦技术创新中心 "Henan Agricultural University" --via-units
    """
    from .outputs.terminal import render_path

    result = obj.lineage().path(start, end, via_units)
    if result is None:
        how = "lineage events or memberships" if via_units else "lineage events"
        hint = "" if via_units else " (try --via-units to also walk memberships)"
        click.echo(f"no path between {start!r} and {end!r} through {how}{hint}", err=True)
        if fmt == "json":
            emit_json(None)
        sys.exit(EXIT_NEGATIVE)
    emit_json(result) if fmt == "json" else click.echo(render_path(result))


@main.command()
@click.argument("text", required=False, metavar="[QUERY]")
@click.option("--file", "query_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read the query from FILE ('-' for standard input).")
@click.option("--name", "canned_name", metavar="NAME", help="Run a canned query (see --list).")
@click.option("--param", "params", multiple=True, metavar="K=V",
              help="A canned query parameter (repeatable).")
@click.option("--list", "list_canned", is_flag=True, help="List the canned queries and exit.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "ttl"]),
              default="table", show_default=True,
              help="table (aligned), csv/tsv/json (SPARQL 1.1 results formats), ttl (CONSTRUCT/DESCRIBE).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds before the query is stopped.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows returned at most; the output says when it was truncated.")
@click.option("--memory-mb", type=click.IntRange(min=64), default=2048, show_default=True,
              help="Memory the query may use.")
@wide_option
@click.pass_obj
@reports_errors
def query(obj: Context, text, query_file, canned_name, params, list_canned, fmt, timeout,
          max_rows, memory_mb, wide):
    """Run a SPARQL query (argument, --file, standard input) or a canned one (--name).

    Every project prefix (lin:, inst:, event:, src:, org:, prov:, dcterms:, skos:, ...) is
    pre-bound; the default graph is the whole loaded graph. Queries run safely: SERVICE,
    FROM / FROM NAMED and updates are refused, and a time limit, a row cap and a memory cap
    apply. ASK prints true or false and exits 0 or 1.

    \b
    Example:
      lineage query 'SELECT ?c ?l WHERE { ?c a lin:NationalTechnologyInnovationCenter ; rdfs:label ?l }'
      lineage query --list
      lineage query --name lineage-of --param institution=国家小麦工程技术研究中心 --format csv
      lineage query --file my-query.rq --format json --timeout 10
    """
    from .api import Lineage
    from .outputs.terminal import render_query_result

    if list_canned:
        click.echo(_render_canned_list(Lineage.canned_queries()))
        return
    lineage = obj.lineage()
    limits = {"timeout": timeout, "max_rows": max_rows, "memory_mb": memory_mb}
    if canned_name:
        if text or query_file:
            raise click.UsageError("give either --name or a query, not both")
        result = lineage.run_canned(canned_name, _param_args(params), **limits)
    else:
        if params:
            raise click.UsageError("--param only applies to canned queries (--name)")
        result = lineage.query(_read_query(text, query_file), **limits)
    output = render_query_result(result, fmt, table_width(wide))
    click.echo(output, nl=not output.endswith("\n"))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.truncated:
        click.echo(f"warning: output truncated at {max_rows} rows (--max-rows)", err=True)
    if result.kind == "ASK":
        sys.exit(EXIT_OK if result.boolean else EXIT_NEGATIVE)


def _param_args(pairs: tuple[str, ...]) -> dict[str, str]:
    """--param NAME=VALUE pairs as a dict; a pair without '=' is a usage error."""
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--param {pair!r}: use NAME=VALUE")
        found[key.strip()] = value
    return found


def _read_file(name: str) -> bytes:
    """The bytes of a file the user named, or an InputError with a one-line reason."""
    from .errors import InputError

    try:
        with open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=name) from None


def _read_query(text: str | None, query_file: str | None) -> str:
    from .errors import InputError, UsageError

    if text and query_file:
        raise UsageError("give the query as an argument or with --file, not both")
    if query_file == "-" or (not text and not query_file and not sys.stdin.isatty()):
        data = sys.stdin.buffer.read()
        source = "standard input"
    elif query_file:
        data, source = _read_file(query_file), query_file
    elif text:
        return text
    else:
        raise UsageError("no query: give one as an argument, with --file, on standard input, "
                         "or --name a canned query (--list shows them)")
    try:
        query_text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start})", file=source) from None
    if not query_text.strip():
        if query_file is None:  # nothing given, and nothing piped in
            raise UsageError("no query: give one as an argument, with --file, on standard "
                             "input, or --name a canned query (--list shows them)")
        raise UsageError(f"the query from {source} is empty")
    return query_text


def _render_canned_list(queries) -> str:
    lines = []
    for q in queries.values():
        lines.append(f"{q.name}: {q.title}")
        lines.append(f"    {q.description}")
        for p in q.params:
            default = f" (default: {p.default})" if p.default else " (optional)"
            lines.append(f"    --param {p.name}=...  {p.type}: {p.description}{default}")
    return "\n".join(lines)


@main.command()
@click.option("--focus", metavar="NAME", help="Only NAME and what is within --depth hops of it "
              "(through lineage events and memberships).")
@click.option("--depth", type=click.IntRange(min=0), metavar="N",
              help="Hops around --focus (default 1).")
@click.option("--lineage", "lineage_of", metavar="NAME",
              help="Only the lineage of NAME: its predecessors and successors through events.")
@click.option("--as-of", metavar="DATE",
              help="The graph as it stood at DATE (YYYY, YYYY-MM or YYYY-MM-DD): later events "
                   "and institutions not yet established are left out.")
@click.option("--diff", "diff_dates", nargs=2, metavar="FROM TO",
              help="The graph as it stood at TO, with what is new, ended and unchanged since "
                   "FROM in colour (read as `lineage diff FROM TO` reads them).")
@click.option("--layout", type=click.Choice(["force", "timeline"]), default="force",
              show_default=True, help="force: physics, stopped once settled; timeline: left to "
                                      "right by year of establishment or first event.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Where to write the page (default: lineage-view.html, lineage-<name>.html "
                   "or neighbourhood-<name>.html in the current folder).")
@click.pass_obj
@reports_errors
def render(obj: Context, focus, depth, lineage_of, as_of, diff_dates, layout, output):
    """Write an interactive HTML view and print where it is.

    The page is one self-contained file: it opens offline from disk, loads nothing from the
    network, and can be handed to colleagues. Colours show institution types, line styles
    show relations; pending events (planned, applied, in progress) are dashed. Search by any
    label, filter by type, status and years, click for dates, status and sources.

    \b
    Example:
      lineage render
      lineage render --lineage "National Wheat Engineering Technology Research Center" -o wheat.html
      lineage render --focus 国家小麦技术创新中心 --depth 2 --layout timeline
      lineage render --as-of 2020 -o system-2020.html
      lineage render --diff 2020 2023 --layout timeline
    """
    from .errors import UsageError
    from .outputs.views import default_filename, write_view

    if depth is not None and not focus:
        raise UsageError("--depth applies only with --focus")
    if focus and lineage_of:
        raise UsageError("give either --focus or --lineage, not both")
    if as_of and diff_dates:
        raise UsageError("give either --as-of or --diff, not both")
    lineage = obj.lineage()
    html = lineage.render(focus=focus, depth=1 if depth is None else depth, lineage=lineage_of,
                          as_of=as_of, layout=layout, diff=diff_dates or None)
    if output is None:
        output = default_filename(focus=lineage.resolve(focus) if focus else None,
                                  lineage=lineage.resolve(lineage_of) if lineage_of else None,
                                  as_of=diff_dates[1] if diff_dates else as_of, layout=layout,
                                  diff_from=diff_dates[0] if diff_dates else None)
    click.echo(os.path.abspath(write_view(output, html)))


@main.command()
@click.argument("name", required=False)
@click.option("--focus", metavar="NAME", help="Instead of a lineage: NAME and what is within "
              "--depth hops of it (through lineage events and memberships).")
@click.option("--depth", type=click.IntRange(min=0), metavar="N",
              help="Hops around --focus (default 1).")
@click.option("--as-of", metavar="DATE",
              help="As the record stood at DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--diff", "diff_dates", nargs=2, metavar="FROM TO",
              help="As the record stood at TO, with what is new and ended since FROM marked.")
@click.option("--labels", type=click.Choice(["en", "zh", "both"]), default="en",
              show_default=True, help="Names in English, Chinese or both.")
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "pdf"]),
              help="Output format (default: from the suffix of -o, else svg).")
@click.option("--dpi", type=click.IntRange(min=50, max=1200),
              help="PNG resolution (default 300; less for a figure larger than A4, so the "
                   "image keeps about the pixels of an A4 page at 300 dpi).")
@click.option("-o", "--output", metavar="FILE",
              help="Where to write the figure ('-' for standard output; default: "
                   "figure-lineage-<name>.svg and the like in the current folder).")
@click.pass_obj
@reports_errors
def figure(obj: Context, name, focus, depth, as_of, diff_dates, labels, fmt, dpi, output):
    """Write a figure for a paper (SVG, PNG or PDF) and print where it is.

    NAME's lineage (both directions), the neighbourhood of --focus, or with neither every
    institution in a lineage event: left to right on a time axis at the precision of each
    date (undated institutions in a column or band of their own), in the views' programme
    colours with their legend; pending events (planned, applied, in progress) dashed; the
    sources' short citations in a caption. Needs matplotlib: pip install 'lineage[figures]'.

    \b
    Example:
      lineage figure "National ASIC System Engineering Technology Research Center"
      lineage figure 国家小麦工程技术研究中心 --labels both -o wheat.pdf
      lineage figure -o lineage-events.png
      lineage figure --focus "National Wheat Technology Innovation Center" --format png
      lineage figure --diff 2020 2023 -o changes.svg
    """
    from .errors import UsageError
    from .outputs.figures import default_filename, format_for

    if depth is not None and not focus:
        raise UsageError("--depth applies only with --focus")
    to_stdout = output == "-"
    fmt = format_for(None if to_stdout else output, fmt)
    lineage = obj.lineage()
    result = lineage.figure(name, focus=focus, depth=1 if depth is None else depth, as_of=as_of,
                            diff=diff_dates or None, labels=labels, fmt=fmt, dpi=dpi,
                            output=None if to_stdout else output or default_filename(
                                lineage.resolve(name) if name else None,
                                lineage.resolve(focus) if focus else None,
                                diff_dates[1] if diff_dates else as_of,
                                diff_dates[0] if diff_dates else None, fmt))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if to_stdout:
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
        return
    click.echo(os.path.abspath(result.path))


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check everything and report what would be added; "
                                              "change nothing.")
@click.option("--replace", is_flag=True, help="Replace what files of the same names added before.")
@click.option("--validate/--no-validate", "validate_", default=None,
              help="SHACL validation of the new data (default: on, except for imports over "
                   "20,000 triples, where it is reported separately).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None, metavar="N",
              help="Refuse files larger than N bytes (default 1 GiB).")
@format_option
@click.pass_obj
@reports_errors
def import_(obj: Context, files, dry_run, replace, validate_, max_bytes, fmt):
    """Add files to the store, all or nothing: CSV, YAML, Turtle, TriG, N-Triples, JSON-LD.

    Everything is checked first (syntax, every cell, references, SHACL shapes); if anything
    is wrong nothing is added and each problem is listed with its file and row (CSV/YAML) or
    line and column (RDF). CSV files are named for what they hold: sources.csv,
    institutions.csv, events.csv, memberships.csv, observations.csv (see examples/).
    The in-memory store is not kept between runs: import into --store oxigraph:DIR or a
    sparql: server, or use --dry-run to check files.

    \b
    Example:
      lineage --store oxigraph:./my-store import examples/*.csv
      lineage import --dry-run my-institutions.csv my-events.csv
      lineage --store oxigraph:./my-store import --replace national-list.nt
    """
    from .errors import UsageError

    spec = obj.store_spec or "memory"
    if spec == "memory" and not dry_run:
        raise UsageError("the in-memory store is not kept between runs: import into a "
                         "persistent store (--store oxigraph:DIR, or LINEAGE_STORE), check the "
                         "files with --dry-run, or use them for one run with --data")
    lineage = obj.lineage(writable=not dry_run)
    progress = _progress_printer() if sys.stderr.isatty() else None
    report = lineage.import_files(list(files), dry_run=dry_run, replace=replace,
                                  validate=validate_, max_bytes=max_bytes, progress=progress)
    if fmt == "json":
        emit_json(report)
        return
    verb = "would add" if dry_run else "added"
    click.echo(f"{verb} {report.triples} triples from {len(report.files)} file(s) to {spec}")
    for cls, count in report.typed_nodes.items():
        click.echo(f"  {count:6d}  {cls}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


def _progress_printer():
    """A progress line on the terminal for big imports (rows mapped so far)."""
    state = {"rows": 0}

    def advance(rows: int) -> None:
        state["rows"] += rows
        if state["rows"] % 5000 == 0:
            click.echo(f"\r  {state['rows']:,} rows checked", err=True, nl=False)

    return advance


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "trig", "nt", "nq", "jsonld", "gexf",
                                                     "graphml", "csv"]), required=True,
              help="ttl, trig, nt, jsonld (RDF); nq (N-Quads with every named graph, ontology "
                   "and derived edges included: the dump to load into a SPARQL server); gexf "
                   "(Gephi, with start/end dates for its timeline); graphml; csv (nodes.csv and "
                   "edges.csv in a folder).")
@click.option("-o", "--output", required=True, metavar="FILE",
              help="The file to write ('-' for standard output); for csv, a folder.")
@click.option("--include-derived", is_flag=True, help="Also the derived shortcut edges (RDF formats).")
@click.option("--include-ontology", is_flag=True, help="Also the ontology (RDF formats).")
@click.option("--as-of", metavar="DATE",
              help="The graph as it stood at DATE (YYYY, YYYY-MM or YYYY-MM-DD): institutions, "
                   "events and memberships that start later are left out (every format).")
@click.option("--raw-cells", is_flag=True,
              help="csv: write cells as they are; by default a cell starting with = + - @ (which "
                   "a spreadsheet would run as a formula) is prefixed with '.")
@click.option("--no-bom", is_flag=True, help="csv: no UTF-8 byte order mark.")
@click.pass_obj
@reports_errors
def export(obj: Context, fmt, output, include_derived, include_ontology, as_of, raw_cells,
           no_bom):
    """Write the graph for other tools; files are replaced atomically and sorted, so two
    exports of the same graph are identical and diff cleanly.

    \b
    Example:
      lineage export --format gexf -o lineage.gexf
      lineage export --format ttl -o - | head
      lineage export --format csv -o tables/
      lineage export --format gexf --as-of 2020 -o system-2020.gexf
    """
    from .atomic import make_folder, write_atomic

    if fmt == "csv":
        folder = _csv_folder(output)
    data = obj.lineage().export(fmt, include_derived, include_ontology, as_of,
                                raw_cells=raw_cells, bom=not no_bom)
    if fmt == "csv":
        make_folder(folder)
        for name, content in data.items():
            click.echo(write_atomic(folder / name, content))
        return
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    click.echo(write_atomic(output, data))


def _csv_folder(output: str):
    """The folder a csv export writes nodes.csv and edges.csv into, or a UsageError."""
    from pathlib import Path

    from .errors import UsageError

    folder = Path(output)
    if output == "-" or folder.suffix.lower() == ".csv" or folder.is_file():
        raise UsageError(f"-o {output}: csv writes two files (nodes.csv and edges.csv), so -o "
                         "names a folder to put them in (e.g. -o tables/), not a file")
    return folder


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback makes the graph reachable "
                   "from other machines.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--allow-host", multiple=True, metavar="NAME",
              help="Another Host header name to answer to (e.g. behind a proxy).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a query may run.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--memory-mb", type=click.IntRange(min=64), default=2048, show_default=True,
              help="Memory cap of each query worker, in MB.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Queries that may run at once (default: one per core, at least two, as "
                   "free memory allows at --memory-mb each); others wait up to --timeout "
                   "seconds for a turn, then get 503 with Retry-After.")
@click.option("--get", "get_path", metavar="PATH",
              help="Answer one GET request for PATH on standard output and exit (no socket).")
@click.pass_obj
@reports_errors
def serve(obj: Context, host, port, allow_host, timeout, max_rows, memory_mb, workers, get_path):
    """Serve a read-only SPARQL 1.1 endpoint (/sparql), the HTML views (/view) and a query
    page (/) on 127.0.0.1.

    Queries get the same safety as `lineage query`, in a pool of long-lived sandboxed
    workers. Requests whose Host header is not localhost, 127.0.0.1, [::1] (or --allow-host)
    are refused, against DNS rebinding, and so are requests a browser marks as cross-site.

    \b
    Example:
      lineage serve --port 8000
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s lin:pendingSuccessor ?o }' http://127.0.0.1:8000/sparql
      lineage serve --get '/sparql?query=ASK%7B%3Fs%20lin%3ApendingSuccessor%20%3Fo%7D'
    """
    from .server import LOOPBACK_NAMES, App, ServerConfig, make_server

    names = tuple(LOOPBACK_NAMES) + tuple(n.lower() for n in allow_host)
    if host not in ("127.0.0.1", "localhost", "::1"):
        names += (host.lower(),)
    obj.query_workers, obj.queue_wait = workers, timeout
    lineage = obj.lineage()
    app = App(lineage, ServerConfig(names, timeout, max_rows, memory_mb))
    if get_path is not None:
        response = app.handle("GET", get_path, {"Host": "localhost"})
        sys.stdout.buffer.write(response.body)
        sys.stdout.buffer.flush()
        sys.exit(EXIT_OK if response.status < 400 else EXIT_NEGATIVE)
    server = make_server(app, host, port)
    where = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_address[1]}"
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: other machines can query this graph", err=True)
    click.echo(f"serving {where}/sparql, {where}/view and the query page {where}/ (Ctrl-C stops)")
    click.echo(f"query barrier: {lineage.query_barrier()}"
               + (" (--strict-sandbox: queries are refused)"
                  if lineage.queries_refused_by_strict_sandbox() else ""))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@format_option
@click.pass_obj
@reports_errors
def validate(obj: Context, files, fmt):
    """Check the loaded graph (plus FILES) against the SHACL shapes and graph checks.

    FILES are loaded on top of the graph, so they may refer to bundled institutions.
    Exit 0 when valid, 1 when violations are found, 2 when a file cannot be read.

    \b
    Example:
      lineage validate
      lineage validate my-centres.ttl
    """
    from .outputs.terminal import render_violations

    report = obj.lineage().validate(files)
    if fmt == "json":
        emit_json({"conforms": report.conforms, "violations": report.violations})
    else:
        click.echo(render_violations(report))
    sys.exit(EXIT_OK if report.conforms else EXIT_NEGATIVE)


def _write_review(review, output: str | None, html_output: str | None, default_stem: str) -> None:
    """Write a review's CSV and HTML atomically and print where they are and what they hold."""
    from pathlib import Path

    from .atomic import write_atomic

    csv_path = Path(output or f"{default_stem}-review.csv")
    html_path = Path(html_output) if html_output else csv_path.with_suffix(".html")
    if csv_path.resolve() == html_path.resolve():
        raise click.UsageError("-o and --html name the same file")
    write_atomic(csv_path, review.to_csv())
    write_atomic(html_path, review.to_html())
    counts = ", ".join(f"{n} {k}" for k, n in review.counts().items())
    click.echo(f"{len(review.rows)} review rows ({counts})")
    if review.unknown_columns:
        click.echo("columns not used: " + ", ".join(review.unknown_columns), err=True)
    click.echo(f"review: {os.path.abspath(csv_path)}")
    click.echo(f"page:   {os.path.abspath(html_path)}")
    click.echo("write accept in the decision column (and link_decision for a proposed event), "
               "then: lineage import " + str(csv_path))


@main.command()
@click.argument("list_file", metavar="LIST", type=click.Path(dir_okay=False))
@click.option("-o", "--output", metavar="FILE", help="The review CSV (default: LIST-review.csv "
              "in the current folder).")
@click.option("--html", "html_output", metavar="FILE", help="The review page (default: the CSV's "
              "name with .html).")
@click.option("--source-url", default="", metavar="URL", help="The list's address, for rows "
              "without a source of their own.")
@click.option("--source-title", default="", metavar="TEXT", help="The list's title (文件名称).")
@click.option("--source-publisher", default="", metavar="TEXT", help="Who published the list.")
@click.option("--source-date", default="", metavar="DATE", help="When it was published "
              "(YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--status", default="", metavar="STATUS", help="What the list says about its "
              "entries (approved, completed ...): the status of the events it suggests. "
              "Without it (and without a status column) a proposed event waits for the curator.")
@click.pass_obj
@reports_errors
def reconcile(obj: Context, list_file, output, html_output, source_url, source_title,
              source_publisher, source_date, status):
    """Match a list of institutions (CSV, XLSX or YAML) against the graph, for review.

    Each row is matched by exact name, by name up to width, case, script (traditional or
    simplified) and punctuation, by programme and field (国家X工程研究中心 / X国家工程研究中心),
    or by acronym and alternative name, with the supporting unit deciding between equals;
    look-alikes of another programme are never matched. Headers may be English or Chinese
    (名称, 依托单位, 主管部门, 批准时间, 前身, 来源 ...). The review file says per row: matched
    (which, why, score), new, or ambiguous (candidates), and the lineage events the list
    suggests. Nothing enters the graph until rows are accepted and the file is imported.

    \b
    Example:
      lineage reconcile nerc-list.csv --source-url https://example.org/list --source-title "2021 list"
      lineage --store oxigraph:./my-store import nerc-list-review.csv
    """
    from pathlib import Path

    from .api import Lineage

    source = Lineage.list_source(source_url, source_title, source_publisher, source_date)
    review = obj.lineage().reconcile(list_file, source, status)
    _write_review(review, output, html_output, Path(list_file).stem)


@main.group()
def link():
    """Propose skos:exactMatch links to ROR or Wikidata from a dump you downloaded.

    Records are matched like `lineage reconcile` matches list rows; records whose names
    designate another programme than the institution's (制造业创新中心 vs 技术创新中心) are
    never proposed. Accepted links cite the dump, with its name and date, as their source.

    \b
    Example:
      lineage link ror v1.55-2024-10-31-ror-data.zip
      lineage link wikidata wdqs-export.csv --dump-date 2026-11-30
    """


def _link_command(registry: str, what: str):
    @link.command(registry, help=f"""Propose links to {what} from FILE, into a review file.

    \b
    Example:
      lineage link {registry} {'v1.55-2024-10-31-ror-data.zip' if registry == 'ror' else 'wdqs-export.csv'}
      lineage --store oxigraph:./my-store import {'v1.55-2024-10-31-ror-data' if registry == 'ror' else 'wdqs-export'}-review.csv
    """)
    @click.argument("dump", metavar="FILE", type=click.Path(dir_okay=False))
    @click.option("-o", "--output", metavar="FILE", help="The review CSV (default: FILE-review.csv).")
    @click.option("--html", "html_output", metavar="FILE", help="The review page.")
    @click.option("--dump-date", default="", metavar="YYYY-MM-DD",
                  help="The dump's date, when its file name does not carry it (default: from "
                       "the name, else the records, else the day the file was saved).")
    @click.pass_obj
    @reports_errors
    def command(obj: Context, dump, output, html_output, dump_date):
        from pathlib import Path

        review = obj.lineage().link(registry, dump, dump_date)
        stem = Path(dump).name.split(".json")[0].split(".zip")[0].split(".csv")[0]
        _write_review(review, output, html_output, stem)

    return command


_link_command("ror", "ROR (a ROR data dump, schema v2, .json or .zip)")
_link_command("wikidata", "Wikidata (a query-service export as CSV or JSON, or an entity-dump slice)")


@main.command()
@click.option("-n", "count", type=click.IntRange(min=1), default=25, show_default=True,
              help="How many facts to draw.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same graph and seed draw the same facts.")
@click.option("--format", "fmt", type=click.Choice(["csv", "html"]), default="csv",
              show_default=True, help="The sheet as CSV (to fill in) or a page to read.")
@click.option("-o", "--output", metavar="FILE", help="Write the sheet to FILE (default: print it).")
@click.option("--record", "record", metavar="FILE", type=click.Path(dir_okay=False),
              help="Store a reviewed CSV sheet's verdicts (with reviewer and reviewed date) in "
                   "the store, in a graph of their own.")
@click.pass_obj
@reports_errors
def audit(obj: Context, count, seed, fmt, output, record):
    """Draw sourced facts at random for checking against their sources, or record verdicts.

    Each fact is printed with its claim in one line, its sources (title, publisher, date,
    URL) and empty verdict, reviewer, reviewed and note columns. Verdicts are supported,
    partly, contradicted or unreachable. `lineage info` shows the share audited.

    \b
    Example:
      lineage audit -n 25 --seed 7 -o audit.csv
      lineage audit -n 25 --seed 7 --format html -o audit.html
      lineage --store oxigraph:./my-store audit --record audit.csv
    """
    from .atomic import write_atomic
    from .errors import UsageError

    if record:
        spec = obj.store_spec or "memory"
        if spec == "memory":
            raise UsageError("verdicts are kept in a persistent store: use --store oxigraph:DIR "
                             "(or LINEAGE_STORE)")
        report = obj.lineage(writable=True).record_audit(record)
        kept = report.typed_nodes.get("lin:AuditVerdict", 0)
        click.echo(f"recorded {kept} verdict(s) from {record} in {spec}")
        return
    items = obj.lineage().audit(count, seed)
    data = obj.lineage().audit_sheet(items, fmt, seed)
    if output:
        click.echo(os.path.abspath(write_atomic(output, data)))
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
