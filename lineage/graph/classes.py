"""The class tree, read once and walked in Python: superclasses, subclasses, most specific types.

Queries used to ask the engine for it with property paths (`?sub rdfs:subClassOf+ ?super`,
`VALUES ?f {...} ?c rdfs:subClassOf* ?f`, and "most specific type" as a FILTER NOT EXISTS
around a path). Engines disagree on those: Virtuoso refuses a transitive path whose start is
unbound ("transitive start not given") and answered the FILTER NOT EXISTS form with 1 row
where the others give 32. The tree itself is small (the ontology's classes), so it is read
as plain `rdfs:subClassOf` edges in one portable query and closed here.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable

#: Direct edges of the class tree and of the property tree. Asserted edges only: the
#: ontology states them, and the derived graph never holds any.
_DIRECT = {kind: "SELECT ?sub ?super WHERE { ?sub rdfs:%s ?super FILTER(isIRI(?super)) }" % kind
           for kind in ("subClassOf", "subPropertyOf")}

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tree(store, kind: str = "subClassOf") -> tuple[dict[str, set[str]], dict[str, frozenset[str]]]:
    """(direct parents, all strict ancestors) of every class (or property, with kind
    "subPropertyOf"), read once per store state."""
    generation = getattr(store, "generation", 0)
    cached = _cache.setdefault(store, {}).get(kind)
    if cached is not None and cached[0] == generation:
        return cached[1]
    direct: dict[str, set[str]] = defaultdict(set)
    for sub, sup in store.select_plain(_DIRECT[kind]).rows:
        if str(sub) != str(sup):
            direct[str(sub)].add(str(sup))
    tree = (dict(direct), {cls: frozenset(_ancestors(cls, direct)) for cls in direct})
    _cache[store][kind] = (generation, tree)
    return tree


def superclasses(store) -> dict[str, frozenset[str]]:
    """Every class with its strict superclasses (transitively; a cycle does not loop)."""
    return _tree(store)[1]


def superproperties(store) -> dict[str, frozenset[str]]:
    """Every property with its strict superproperties (transitively)."""
    return _tree(store, "subPropertyOf")[1]


def nearest_first(store, cls: str) -> list[str]:
    """The class, then its superclasses breadth-first (nearest first, ties by IRI)."""
    parents = _tree(store)[0]
    order, seen, frontier = [cls], {cls}, [cls]
    while frontier:
        frontier = [p for c in frontier for p in sorted(parents.get(c, ())) if p not in seen]
        seen.update(frontier)
        order.extend(frontier)
    return order


def _ancestors(cls: str, direct: dict[str, set[str]]) -> set[str]:
    found, todo = set(), list(direct.get(cls, ()))
    while todo:
        parent = todo.pop()
        if parent not in found and parent != cls:
            found.add(parent)
            todo.extend(direct.get(parent, ()))
    return found


def subclasses(store, bases: Iterable[str]) -> set[str]:
    """The bases and every class below any of them."""
    bases = {str(b) for b in bases}
    return bases | {cls for cls, ups in superclasses(store).items() if ups & bases}


def most_specific(types: Iterable[str], supers: dict[str, frozenset[str]]) -> set[str]:
    """The types that are no other given type's superclass."""
    types = set(types)
    return {t for t in types if not any(t in supers.get(other, ()) for other in types)}


def keep_most_specific(rows: list[dict], subject: str, type_key: str,
                       supers: dict[str, frozenset[str]]) -> list[dict]:
    """The rows whose type is among the most specific types of their subject (rows are the
    solutions of a query that returned every type of each subject)."""
    types: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        types[str(row[subject])].add(str(row[type_key]))
    keep = {s: most_specific(ts, supers) for s, ts in types.items()}
    return [row for row in rows if str(row[type_key]) in keep[str(row[subject])]]


def among(store, variable: str, base) -> str:
    """`FILTER(?variable IN (...))`: the base class and every class below it, instead of a
    `rdfs:subClassOf*` path (which engines evaluate differently). A filter, not VALUES: beside
    another VALUES block, pyoxigraph would start from the classes and read every instance."""
    members = ", ".join(f"<{c}>" for c in sorted(subclasses(store, [str(base)])))
    return f"FILTER(?{variable} IN ({members}))"


def class_tree_order(store, classes: list[str]) -> list[tuple[str, int]]:
    """The classes as an indented tree: each under its nearest superclass among them, with
    its depth; siblings keep their order in `classes`. A class is listed once."""
    given = set(classes)
    parent = {c: next((s for s in nearest_first(store, c)[1:] if s in given), None)
              for c in classes}
    children: dict[str | None, list[str]] = defaultdict(list)
    for cls in classes:
        children[parent[cls]].append(cls)
    order: list[tuple[str, int]] = []
    seen: set[str] = set()
    todo = [(c, 0) for c in reversed(children[None])]
    while todo:
        cls, depth = todo.pop()
        order.append((cls, depth))
        todo.extend((c, depth + 1) for c in reversed(children[cls]) if c not in seen)
        seen.add(cls)
    return order + [(c, 0) for c in classes if c not in seen]  # in a cycle, flat


def class_pairs(store, sub: str, sup: str) -> str:
    """`VALUES (?sub ?sup) { ... }`: every class with itself and each of its superclasses."""
    supers = superclasses(store)
    pairs = sorted((c, s) for c, ups in supers.items() for s in {c, *ups})
    body = " ".join(f"(<{c}> <{s}>)" for c, s in pairs)
    return f"VALUES (?{sub} ?{sup}) {{ {body} }}"
