"""First safety layer for untrusted SPARQL: refuse every word that could reach outside the graph.

A query pasted from a paper or a colleague must never reach the network or the file system.
The guard reads the query as SPARQL's lexer does (comments, string literals, IRIs, variables
and the local part of prefixed names are not keywords) and refuses SERVICE, FROM / FROM NAMED
and every update keyword (LOAD, INSERT, DELETE, CLEAR, ...) wherever they stand. It does not
need the grammar: none of these words may appear as a keyword in a query we run, so there is
no parse tree for an attacker to hide them in. The engine's parser needs no separator after
a keyword (`trueSERVICE<...>` reads as `true SERVICE <...>`, `SERVICE:x` as `SERVICE :x`), so
a bare word, or the prefix of a prefixed name, that merely *contains* one of these keywords is
refused too; no SPARQL keyword or function name contains one. The engine parses the query
once, in the worker, and its syntax errors come back as QuerySyntaxError with line and column.
This is the first layer only: the worker that evaluates the query cannot open a socket
(lineage.sparql.sandbox), whatever the guard missed.

An IRI cannot hide a SERVICE or FROM clause (those need a space, '{' or '<', which an IRI
cannot hold), but the engine may read a '<' as "less than" where we read an IRI, and a quote
inside it would then open a string that runs on past the '>'. So the text is read twice:
once as SPARQL's lexer reads it, once skipping only IRIs without quotes; a keyword seen in
either reading is refused. This costs well under a millisecond (rdflib's parser took 15-60).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from rdflib.term import Literal, Node, URIRef

from ..errors import LineageError
from ..namespaces import PREFIXES

_QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_OUTSIDE = {"SERVICE": "queries may not call other endpoints",
            "FROM": "queries run over the loaded graph only; use GRAPH to pick a named graph"}
_UPDATES = ("LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH",
            "USING")
_UPDATE_REASON = "updates are not run by `lineage query`; use `lineage import`"
_FORBIDDEN = re.compile("|".join(("SERVICE", "FROM") + _UPDATES))

# One token at a time; "skip" tokens can hide words, "name" tokens are never keywords.
_COMMENT = r"\#[^\n\r]*"
_LONG_STRINGS = r"'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\[\s\S]|\"(?!\"\"))*\"\"\""
_SHORT_STRINGS = r"'(?:[^'\\\n\r]|\\[^\n\r])*'|\"(?:[^\"\\\n\r]|\\[^\n\r])*\""
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"


def _iri(also_excluded: str = "") -> str:
    """IRIREF: no '<>"{}|^`\\', space or control character, \\u escapes allowed."""
    return rf"<(?:[^<>\"{also_excluded}{{}}|^`\\\x00-\x20]|{_UCHAR})*>"


_IRI = _iri()
# The engine may read a '<' as "less than" where an IRI could stand; a quote inside would
# then open a string running past the '>'. The second reading skips only quote-free IRIs.
_IRI_WITHOUT_QUOTES = _iri("'")
_LOCAL_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]|%[0-9A-Fa-f]{2}"
_NAME_CHAR = rf"(?:[\w\-\u00B7:]|{_LOCAL_ESCAPE})"
_LOCAL = rf"(?:{_NAME_CHAR}(?:(?:{_NAME_CHAR}|\.)*{_NAME_CHAR})?)?"
# ?var $var, @lang, _:bnode and prefix:local (PN_LOCAL's inner dots and escapes) are one token
_NAMES = rf"[?$]\w+|@[A-Za-z]+(?:-[A-Za-z0-9]+)*|_:{_LOCAL}|(?:[A-Za-z][\w\-.]*)?:{_LOCAL}"
_WORD = r"[A-Za-z_]\w*"
_SKIP = rf"\s+|{_COMMENT}|{_LONG_STRINGS}|{_SHORT_STRINGS}"


def _reading(iri: str) -> re.Pattern:
    return re.compile(rf"(?P<skip>{_SKIP}|{iri})|(?P<name>{_NAMES})|(?P<word>{_WORD})")


_READING_IRIS = _reading(_IRI)
_READING_CAUTIOUS = _reading(_IRI_WITHOUT_QUOTES)


class QueryError(LineageError):
    """A query that cannot be run: malformed, refused, or it hit a limit (exit 2)."""


class QueryRefused(QueryError):
    """The query uses a construct that could reach outside the graph, or is an update."""

    def __init__(self, construct: str, reason: str):
        self.construct = construct
        super().__init__(f"{construct} is not allowed: {reason}")


class QuerySyntaxError(QueryError):
    """A malformed query; the message shows line, column and a caret under the query text."""

    def __init__(self, message: str, line: int, column: int, text: str):
        self.line, self.column = line, column
        lines = text.split("\n") or [""]
        shown = lines[line - 1] if 0 < line <= len(lines) else ""
        caret = " " * max(0, column - 1) + "^"
        super().__init__(f"SPARQL syntax error at line {line}, column {column}: {message}\n"
                         f"  {shown}\n  {caret}")


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guard: its text (evaluated as is) and its form."""

    text: str
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE


def check(text: str, known_prefixes: Iterable[str] = PREFIXES) -> CheckedQuery:
    """Refuse any query whose keywords could reach the network, the file system or the store;
    name an undeclared prefix (the engine's own message for it is a list of characters)."""
    tokens = list(_tokens(text, _READING_IRIS))
    for reading in (tokens, list(_tokens(text, _READING_CAUTIOUS))):
        words = [_keyword_part(group, value) for group, value, _ in reading
                 if group == "word" or (group == "name" and value[0] not in "?$@_")]
        for index, word in enumerate(words):
            _refuse(word, words[index + 1] if index + 1 < len(words) else "")
    _refuse_undeclared_prefixes(text, tokens, set(known_prefixes))
    kind = next((value.upper() for group, value, _ in tokens
                 if group == "word" and value.upper() in _QUERY_FORMS), "SELECT")
    return CheckedQuery(text, kind)


def substitute(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with each bound variable replaced by its term, written in SPARQL syntax.

    pyoxigraph applies `substitutions` at the root of the query, so a bound variable is still
    free inside UNION branches and property paths: BIND(?x AS ?node) there saw nothing and a
    path from ?x walked the whole graph. Writing the term into the text lets the engine start
    from it. In a SELECT list `?x` becomes `(TERM AS ?x)`, so the column stays (under SELECT *
    a bound variable is no longer a column); after the last closing brace (ORDER BY, GROUP BY)
    the variable is left as it is. The result still goes through check()."""
    if not bindings:
        return text
    terms = {name: _sparql_term(node) for name, node in bindings.items()}
    out, last, depth, parens, in_select = [], 0, 0, 0, False
    for group, value, start in _tokens(text, _READING_IRIS):
        gap = text[last:start]
        depth, parens, in_select = _track(gap, depth, parens, in_select)
        out.append(gap)
        last = start + len(value)
        if group == "word" and value.upper() == "SELECT":
            in_select, parens = True, 0
        elif group == "word" and value.upper() == "WHERE":
            in_select = False
        elif group == "name" and value[0] in "?$" and value[1:] in terms and (in_select or depth):
            term = terms[value[1:]]
            value = f"({term} AS ?{value[1:]})" if in_select and parens == 0 else term
        out.append(value)
    out.append(text[last:])
    return "".join(out)


def _track(gap: str, depth: int, parens: int, in_select: bool) -> tuple[int, int, bool]:
    """Brace depth, parenthesis depth and whether a SELECT list is open, after some
    punctuation."""
    for char in gap:
        if char == "{":
            depth, in_select = depth + 1, False
        elif char == "}":
            depth -= 1
        elif char == "(":
            parens += 1
        elif char == ")":
            parens -= 1
    return depth, parens, in_select


_SAFE_IRI = re.compile(r"[^<>\"{}|^`\\\x00-\x20]*")
_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANGUAGE = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")


def _sparql_term(node: Node) -> str:
    """An IRI or literal in SPARQL syntax; an IRI that could not stand in <...> is refused."""
    if isinstance(node, URIRef):
        iri = str(node)
        if not _SAFE_IRI.fullmatch(iri):
            raise QueryError(f"cannot bind {iri!r}: not a valid IRI")
        return f"<{iri}>"
    if isinstance(node, Literal):
        body = '"' + str(node).translate(_STRING_ESCAPES) + '"'
        if node.language:
            if not _LANGUAGE.fullmatch(node.language):
                raise QueryError(f"cannot bind a literal tagged {node.language!r}")
            return f"{body}@{node.language}"
        if node.datatype is not None and str(node.datatype) != _XSD_STRING:
            return f"{body}^^{_sparql_term(URIRef(node.datatype))}"
        return body
    raise QueryError(f"cannot bind {node!r}: only IRIs and literals can be bound")


def _tokens(text: str, reading: re.Pattern) -> Iterator[tuple[str, str, int]]:
    """(group, text, offset) of each token. A character no token matches (punctuation, or a
    quote that opens no complete string) is stepped over alone, so nothing is skipped on a
    guess."""
    position, end = 0, len(text)
    while position < end:
        match = reading.match(text, position)
        if match is None:
            position += 1
            continue
        yield match.lastgroup, match.group(), position
        position = match.end()


def _refuse_undeclared_prefixes(text: str, tokens: list, known: set[str]) -> None:
    declared = set(known)
    previous = ""
    for group, value, offset in tokens:
        if group == "name" and value[0] not in "?$@_" and ":" in value:
            prefix = value.split(":", 1)[0]
            if previous == "PREFIX":
                declared.add(prefix)
            elif prefix not in declared:
                line, column = _position(text, offset)
                raise QuerySyntaxError(f"undefined prefix '{prefix}:' (declare it with "
                                       f"PREFIX {prefix}: <...>)", line, column, text)
        if group != "skip":
            previous = value.upper()


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _keyword_part(group: str, value: str) -> str:
    """The part of a token the engine could read as a keyword, upper-cased: a whole bare
    word, or the prefix of a prefixed name (`SERVICE:x` reads as `SERVICE :x`)."""
    return (value if group == "word" else value.split(":", 1)[0]).upper()


def _refuse(word: str, following: str) -> None:
    found = _FORBIDDEN.search(word)
    if found is None:
        return
    keyword, rest = found.group(), word[found.end():] or following
    if keyword == "SERVICE":
        raise QueryRefused("SERVICE", _OUTSIDE["SERVICE"])
    if keyword == "FROM":
        named = rest.startswith("NAMED")
        raise QueryRefused("FROM NAMED" if named else "FROM", _OUTSIDE["FROM"])
    raise QueryRefused(_update_name(keyword, rest), _UPDATE_REASON)


def _update_name(word: str, following: str) -> str:
    for part in ("DATA", "WHERE"):
        if word in ("INSERT", "DELETE") and following.startswith(part):
            return f"{word} {part}"
    if word in ("INSERT", "DELETE"):
        return "DELETE/INSERT"
    return word


