"""Help for people writing SPARQL: unknown `lin:` terms, and where a malformed query went wrong.

A misspelled class (`lin:Converson`) is valid SPARQL and answers nothing, without a word;
`unknown_terms` names each `lin:` term the ontology does not define, with the closest terms
it does. Parsers report a missing `)` or `}` where their grammar gave up, often far from
the slip; `bracket_problem` finds the bracket that is not closed, and `missing_dot` says
when two triple patterns run into each other. Both read the query as the guard does
(strings, comments and IRIs skipped), so a bracket inside a string is not counted.
"""

from __future__ import annotations

import difflib
import re
import threading
from functools import lru_cache

from ..namespaces import LIN
from .guard import _READING_IRIS, QueryError, QuerySyntaxError, _position, _tokens

_PAIRS = {"(": ")", "{": "}", "[": "]"}
_COMMENT = re.compile(r"#[^\n\r]*")
_CLOSERS = {v: k for k, v in _PAIRS.items()}


@lru_cache(maxsize=1)
def ontology_terms() -> frozenset[str]:
    """The local names of every `lin:` term the shipped ontology defines (as a subject)."""
    import pyoxigraph as ox

    from .. import paths

    terms = set()
    for path in paths.ontology_files():
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            subject = quad.subject
            if isinstance(subject, ox.NamedNode) and subject.value.startswith(str(LIN)):
                terms.add(subject.value[len(str(LIN)):])
    terms.discard("")
    return frozenset(terms)


def unknown_terms(text: str, known: frozenset[str] | None = None) -> list[str]:
    """A warning for each distinct `lin:` term in the query that the ontology does not
    define, with the closest terms it does ("did you mean lin:Conversion?")."""
    known = ontology_terms() if known is None else known
    warnings, seen = [], set()
    for local, offset in _lineage_names(text):
        if local in known or local in seen:
            continue
        seen.add(local)
        line, column = _position(text, offset)
        close = closest(local, known)
        advice = (f"did you mean {' or '.join(f'lin:{c}' for c in close)}?" if close
                  else "the ontology has no similar term")
        warnings.append(f"lin:{local} (line {line}, column {column}) is not a term of the "
                        f"lineage ontology, so it matches nothing: {advice}")
    return warnings


def closest(local: str, known: frozenset[str], n: int = 3) -> list[str]:
    """The defined local names nearest to `local`, best first: the one that differs only in
    case alone, else those close in spelling (ignoring case)."""
    lowered = {k.lower(): k for k in sorted(known)}
    if local.lower() in lowered:
        return [lowered[local.lower()]]
    return [lowered[m] for m in difflib.get_close_matches(local.lower(), list(lowered), n, 0.75)]


def _lineage_names(text: str):
    """(local name, offset) of each term in the lineage namespace: `lin:X` (or another prefix
    the query binds to the namespace) and `<...ontology#X>`; a query that rebinds `lin:`
    elsewhere is read with its own binding."""
    prefixes = {"lin": str(LIN)}
    previous, declaring = "", None
    for group, value, offset in _tokens(text, _READING_IRIS):
        if group == "skip":
            if value.startswith("<") and value.endswith(">"):
                iri = value[1:-1]
                if declaring is not None:
                    prefixes[declaring], declaring = iri, None
                elif iri.startswith(str(LIN)):
                    yield iri[len(str(LIN)):], offset
            continue
        if group == "name" and value[0] not in "?$@_" and ":" in value:
            prefix, local = value.split(":", 1)
            if previous == "PREFIX":
                declaring = prefix
            elif local and prefixes.get(prefix) == str(LIN):
                yield local, offset
        previous = value.upper()


def _brackets(text: str):
    """(character, offset) of each bracket outside strings, comments and IRIs."""
    position = 0
    for _, value, start in _tokens(text, _READING_IRIS):
        yield from ((c, position + i) for i, c in enumerate(text[position:start])
                    if c in _PAIRS or c in _CLOSERS)
        position = start + len(value)
    yield from ((c, position + i) for i, c in enumerate(text[position:])
                if c in _PAIRS or c in _CLOSERS)


def bracket_problem(text: str) -> tuple[str, int] | None:
    """(message, offset) for the first bracket that is not closed, closed by the wrong
    bracket, or closes nothing; None when they balance."""
    stack: list[tuple[str, int]] = []
    for char, offset in _brackets(text):
        if char in _PAIRS:
            stack.append((char, offset))
            continue
        if not stack:
            return f"this '{char}' closes nothing: remove it, or open it with '{_CLOSERS[char]}'", offset
        opener, opened = stack.pop()
        if _PAIRS[opener] != char:
            line, column = _position(text, opened)
            return (f"missing '{_PAIRS[opener]}': the '{opener}' at line {line}, column "
                    f"{column} is still open at this '{char}'", offset)
    if stack:
        opener, opened = stack[-1]
        return f"this '{opener}' is never closed: add '{_PAIRS[opener]}'", opened
    return None


def missing_dot(text: str, offset: int) -> bool:
    """Whether a parser that stopped at `offset` stopped at a term following a complete term
    inside a group (nothing but ')' or ']' between): the usual sign of a '.' missing between
    two triple patterns."""
    terms = [(group, value, start) for group, value, start in _tokens(text, _READING_IRIS)
             if group != "skip" or value.startswith(("<", '"', "'"))]
    at = next((t for t in terms if t[2] == offset), None)
    before = [t for t in terms if t[2] < offset]
    if at is None or not before or "{" not in text[:offset] or not _is_term(at):
        return False
    group, value, start = before[-1]
    between = _COMMENT.sub("", text[start + len(value):offset]).strip()
    return between in ("", ")", "]") and (_is_term(before[-1]) or between != "")


def _is_term(token: tuple[str, str, int]) -> bool:
    """A variable, prefixed name, blank node label, IRI or string literal."""
    group, value, _ = token
    if group == "skip":
        return True  # only IRIs and strings are kept as terms
    return group == "name" and (value[0] in "?$" or ":" in value)


#: rdflib's SPARQL grammar (pyparsing) is not thread-safe: one parse at a time.
_RDFLIB_PARSER = threading.Lock()
_ENGINE_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)


def explain_syntax_error(engine_message: str, text: str) -> QueryError:
    """A clear error for a query the engine could not parse.

    The engine names the furthest place its grammar tried, often the end of the query, so
    rdflib's parser, which stops at the offending token, is asked first (only on this error
    path, where its 15-60 ms do not matter); the engine's position is the fallback. Before
    either, an unbalanced bracket is named where it is (bracket_problem), and a stop at
    a term right after another term is explained as a missing '.'."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    problem = bracket_problem(text)
    if problem is not None:
        return QuerySyntaxError(problem[0], *_position(text, problem[1]), text)
    with _RDFLIB_PARSER:
        try:
            parseQuery(text)
        except ParseException as exc:
            message = str(exc.msg) or "unexpected input"
            message = message[0].lower() + message[1:]
            if missing_dot(text, exc.loc):
                message = ("two triple patterns run into each other here: is a '.' missing "
                           f"before this term? (the parser {message})")
            return QuerySyntaxError(message, exc.lineno, exc.col, text)
        except Exception:  # noqa: BLE001 - rdflib failing otherwise says nothing useful here
            pass
    match = _ENGINE_POSITION.search(engine_message)
    if match is None:
        return QueryError(f"SPARQL syntax error: {engine_message}")
    detail = " ".join(match.group(3).split())
    detail = detail if len(detail) <= 160 else detail[:157] + "..."
    return QuerySyntaxError(f"the engine reports: {detail}", int(match.group(1)),
                            int(match.group(2)), text)
