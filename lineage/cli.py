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
