"""Typed errors the library raises; the CLI turns them into messages and exit codes (docs/architecture.md)."""

from __future__ import annotations


class LineageError(Exception):
    """Base of every error the library reports to its users."""

    #: how the interfaces report it, by type: the CLI's exit code and the server's HTTP status
    exit_code = 2
    http_status = 400
    #: seconds after which the same request may pass (a busy server), or None
    retry_after: int | None = None
    #: the parameter that lifts or explains this error ("timeout", "replace", ...), for the
    #: interfaces to name their own way of setting it (a CLI flag, a form field)
    parameter: str | None = None


class InputError(LineageError):
    """A file or value the user gave cannot be read or is malformed."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None):
        self.file, self.line, self.column = file, line, column
        super().__init__(message)

    def __str__(self) -> str:
        where = ":".join(str(x) for x in (self.file, self.line, self.column) if x is not None)
        return f"{where}: {self.args[0]}" if where else self.args[0]


class UsageError(LineageError):
    """The request itself is malformed (bad option value, unknown store kind)."""


class BadValueError(UsageError, ValueError):
    """A value outside a fixed set (a status, a direction, a format): a ValueError to Python
    callers, bad input (exit 2) to the CLI."""


class NotFoundError(LineageError):
    """A name matched no institution; carries close matches for a 'did you mean'."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name, self.suggestions = name, suggestions
        hint = f" Did you mean: {'; '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no institution named {name!r}.{hint}")


class AmbiguousNameError(LineageError):
    """A name matched several institutions; carries the candidates as (IRI, label) pairs."""

    def __init__(self, name: str, candidates: list[tuple[str, str]]):
        self.name, self.candidates = name, candidates
        listing = "\n".join(f"  {label}  <{iri}>" for iri, label in candidates)
        super().__init__(f"{name!r} matches {len(candidates)} institutions; use one of:\n{listing}")
