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

    def __init__(self, store: str | None, data: tuple[str, ...]):
        self.store_spec, self.data = store, data
        self._lineage = None

    def lineage(self, extra: tuple[str, ...] = ()):
        from .api import Lineage

        if self._lineage is None:
            self._lineage = Lineage.open(store=self.store_spec, data=self.data + extra)
        return self._lineage


def reports_errors(command):
    """Turn library errors into one clear line on stderr and the documented exit code."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        from .errors import LineageError

        try:
            return command(*args, **kwargs)
        except LineageError as exc:
            click.echo(f"error: {exc}", err=True)
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


def emit_json(value) -> None:
    from .model import jsonable

    click.echo(json.dumps(jsonable(value), ensure_ascii=False, indent=2))


format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                             default="text", show_default=True, help="Output format.")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--store", envvar="LINEAGE_STORE", metavar="SPEC",
              help="Where the graph lives: 'memory' (default: the bundled graph plus --data files) "
                   "or 'oxigraph:DIR'. Also from LINEAGE_STORE.")
@click.option("--data", multiple=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="Extra Turtle/TriG/N-Triples file to load on top (repeatable).")
@click.version_option(package_name="lineage")
@click.pass_context
def main(ctx, store, data):
    """Trace, query and check the lineage of China's S&T institutions.

    \b
    Examples:
      lineage info
      lineage search 小麦
      lineage show "National Wheat Engineering Technology Research Center"

    Exit codes: 0 done; 1 a negative answer (violations found, no path, ASK false);
    2 bad usage or bad input; 3 internal error.
    """
    ctx.obj = Context(store, tuple(data))


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
    from .terminal import render_info

    result = obj.lineage().info(validate=not no_validate)
    emit_json(result) if fmt == "json" else click.echo(render_info(result))


@main.command()
@click.argument("text")
@format_option
@click.pass_obj
@reports_errors
def search(obj: Context, text, fmt):
    """Institutions whose English, Chinese or alternative labels contain TEXT.

    Matching ignores case and character width (full-width ＡＢＣ matches ABC).

    \b
    Example:
      lineage search 小麦
      lineage search "innovation center" --format json
    """
    from .terminal import render_search

    hits = obj.lineage().search(text)
    if fmt == "json":
        emit_json(hits)
    elif hits:
        click.echo(render_search(hits))
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
    from .terminal import render_show

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
    from .terminal import render_trace
    from .trace import parse_statuses

    statuses = parse_statuses(status) if status else None
    result = obj.lineage().trace(name, direction, depth, as_of, statuses)
    emit_json(result) if fmt == "json" else click.echo(render_trace(result))


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
    from .terminal import render_path

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
@click.pass_obj
@reports_errors
def query(obj: Context, text, query_file, canned_name, params, list_canned, fmt, timeout,
          max_rows, memory_mb):
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
    from .sparql import canned
    from .sparql.results import render

    if list_canned:
        click.echo(_render_canned_list(canned.load_all()))
        return
    lineage = obj.lineage()
    limits = {"timeout": timeout, "max_rows": max_rows, "memory_mb": memory_mb}
    if canned_name:
        if text or query_file:
            raise click.UsageError("give either --name or a query, not both")
        result = lineage.run_canned(canned_name, canned.parse_param_args(params), **limits)
    else:
        if params:
            raise click.UsageError("--param only applies to canned queries (--name)")
        result = lineage.query(_read_query(text, query_file), **limits)
    output = render(result, fmt)
    click.echo(output, nl=not output.endswith("\n"))
    if result.truncated:
        click.echo(f"warning: output truncated at {max_rows} rows (--max-rows)", err=True)
    if result.kind == "ASK":
        sys.exit(EXIT_OK if result.boolean else EXIT_NEGATIVE)


def _read_query(text: str | None, query_file: str | None) -> str:
    from .errors import InputError, UsageError

    if text and query_file:
        raise UsageError("give the query as an argument or with --file, not both")
    if query_file == "-" or (not text and not query_file and not sys.stdin.isatty()):
        data = sys.stdin.buffer.read()
        source = "standard input"
    elif query_file:
        from pathlib import Path

        from .store import read_input_file

        data, source = read_input_file(Path(query_file)), query_file
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
    from .terminal import render_violations

    report = obj.lineage(tuple(files)).validate()
    if fmt == "json":
        emit_json({"conforms": report.conforms, "violations": report.violations})
    else:
        click.echo(render_violations(report))
    sys.exit(EXIT_OK if report.conforms else EXIT_NEGATIVE)


if __name__ == "__main__":  # pragma: no cover
    main()
