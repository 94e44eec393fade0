"""Lineage traces and paths: every hop with its event, date, status and sources."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from ..dates import not_after
from ..graph.existence import started_by
from ..model import DateValue, InstitutionRef, Lifespan
from .network import DOWN, UP, EventRef, LineageNetwork, project, project_whole, reach
from ..store.local import Store
from ..vocabulary import Direction

BOTH = Direction.BOTH.value
DEFAULT_MAX_DEPTH = 100_000


@dataclass(frozen=True)
class TraceHop:
    """One line of a trace tree, in display (pre-order) order.

    `parent` -> `child` through `event` when direction is "down"; for "up" the child is a
    predecessor of the parent. `repeat` marks an institution already expanded elsewhere in the
    tree (its hops are not repeated); `cycle` marks a hop that leads back to an ancestor.
    """

    direction: str
    depth: int
    parent: str
    child: str | None  # None for an event with no result (e.g. a dissolution)
    event: EventRef
    repeat: bool = False
    cycle: bool = False


@dataclass
class Trace:
    """A lineage tree, flattened: the root, every institution met, and the hops in tree order."""

    root: InstitutionRef
    direction: str
    max_depth: int | None
    as_of: str | None
    statuses: tuple[str, ...] | None
    institutions: dict[str, InstitutionRef] = field(default_factory=dict)
    established: dict[str, DateValue] = field(default_factory=dict)
    lifespans: dict[str, Lifespan] = field(default_factory=dict)  # dated institutions only
    hops: list[TraceHop] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    depth_limited: list[str] = field(default_factory=list)  # institutions with hops beyond depth
    root_not_yet_established: bool = False

    def reached(self, direction: str | None = None) -> set[str]:
        """Every institution the trace reaches (except the root), optionally in one direction."""
        return {h.child for h in self.hops
                if h.child is not None and (direction is None or h.direction == direction)}

    def to_networkx(self) -> nx.MultiDiGraph:
        """The trace as a graph: a node per institution (label, label_en, label_zh, types,
        root), an edge per event from original to result whichever way the trace walked
        (key: the event IRI; event_type, status, date, pending, sources). An event with no
        result (a dissolution) is listed in its institution's `ending_events`."""
        graph = nx.MultiDiGraph(root=self.root.iri, direction=self.direction)
        for iri, ref in self.institutions.items():
            graph.add_node(iri, label=ref.label, label_en=ref.label_en, label_zh=ref.label_zh,
                           types=list(ref.types), root=iri == self.root.iri, ending_events=[])
        for hop in self.hops:
            event = hop.event
            if hop.child is None:
                if event.iri not in graph.nodes[hop.parent]["ending_events"]:
                    graph.nodes[hop.parent]["ending_events"].append(event.iri)
                continue
            start, end = (hop.parent, hop.child) if hop.direction == DOWN else (hop.child, hop.parent)
            if not graph.has_edge(start, end, key=event.iri):
                graph.add_edge(start, end, key=event.iri, event_type=event.event_type,
                               status=event.status, date=str(event.date) if event.date else None,
                               pending=event.pending,
                               sources=[source.iri for source in event.sources])
        return graph

    def _repr_html_(self) -> str:
        """The hops as a bilingual table (for notebooks)."""
        from ..html_repr import trace_html

        return trace_html(self)


@dataclass(frozen=True)
class PathStep:
    """One step of a path: through a lineage event or (with via-units) a membership."""

    source: str
    target: str
    forward: bool  # True when the step follows the relation's own direction
    event: EventRef | None = None
    role: str | None = None  # membership role, when the step is a membership
    membership: str | None = None


@dataclass
class LineagePath:
    start: InstitutionRef
    end: InstitutionRef
    steps: list[PathStep]
    institutions: dict[str, InstitutionRef]


def _keep_event(event: EventRef, as_of: str | None, statuses: set[str] | None) -> bool:
    if statuses is not None and event.status not in statuses:
        return False
    return as_of is None or event.date is None or not_after(event.date.lexical, as_of)


def _established_by(net: LineageNetwork, iri: str, as_of: str | None) -> bool:
    """On the record at `as_of` by the existence rule (undated institutions always are)."""
    return as_of is None or started_by(net.spans.get(iri), as_of)


def _neighbours(net: LineageNetwork, iri: str, direction: str, as_of, statuses):
    """(other institution or None, event) pairs one hop away, filtered, in a stable order."""
    g = net.lineage
    edges = (g.out_edges(iri, data="event") if direction == DOWN
             else ((v, u, e) for u, v, e in g.in_edges(iri, data="event")))
    found = [(other, event) for _, other, event in edges
             if _keep_event(event, as_of, statuses) and _established_by(net, other, as_of)]
    if direction == DOWN:
        found += [(None, e) for e in net.terminal_events.get(iri, ())
                  if _keep_event(e, as_of, statuses)]
    return sorted(found, key=lambda p: (str(p[1].date or ""), p[1].iri, p[0] or ""))


def _shortest_depths(net, root, direction, as_of, statuses, max_depth) -> dict[str, int]:
    depth = {root: 0}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        if depth[node] >= max_depth:
            continue
        for other, _ in _neighbours(net, node, direction, as_of, statuses):
            if other is not None and other not in depth:
                depth[other] = depth[node] + 1
                queue.append(other)
    return depth


def _walk(trace: Trace, net: LineageNetwork, direction: str, max_depth: int,
          as_of: str | None, statuses: set[str] | None) -> None:
    """Pre-order walk with an explicit stack (no recursion); each institution expanded once,
    at its shallowest depth, so diamonds (mergers, splits) and cycles never loop."""
    root = trace.root.iri
    shortest = _shortest_depths(net, root, direction, as_of, statuses, max_depth)
    expanded, parent_of = {root}, {root: None}
    stack: list[tuple[TraceHop | None, str | None, int, bool]] = [(None, root, 0, True)]
    while stack:
        hop, node, depth, expand = stack.pop()
        if hop is not None:
            trace.hops.append(hop)
        if not expand:
            continue
        nexts = _neighbours(net, node, direction, as_of, statuses)
        if depth >= max_depth:
            if nexts:
                trace.depth_limited.append(node)
            continue
        pending = []
        for other, event in nexts:
            if other is None:
                pending.append((TraceHop(direction, depth + 1, node, None, event), None, 0, False))
                continue
            fresh = other not in expanded and shortest.get(other) == depth + 1
            cycle = not fresh and _is_ancestor(other, node, parent_of)
            if cycle:
                _record_cycle(trace, _cycle_path(other, node, parent_of), direction)
            if fresh:
                expanded.add(other)
                parent_of[other] = node
            hop = TraceHop(direction, depth + 1, node, other, event, repeat=not fresh, cycle=cycle)
            pending.append((hop, other, depth + 1, fresh))
        stack.extend(reversed(pending))


def _record_cycle(trace: Trace, cycle: list[str], direction: str) -> None:
    """Keep each cycle once, written in the lineage's own direction, starting at its least IRI."""
    ring = cycle[:-1] if direction == DOWN else list(reversed(cycle))[:-1]
    start = ring.index(min(ring))
    ring = ring[start:] + ring[:start]
    if ring + [ring[0]] not in trace.cycles:
        trace.cycles.append(ring + [ring[0]])


def _is_ancestor(candidate: str, node: str, parent_of: dict[str, str | None]) -> bool:
    current: str | None = node
    while current is not None:
        if current == candidate:
            return True
        current = parent_of.get(current)
    return False


def _cycle_path(start: str, end: str, parent_of: dict[str, str | None]) -> list[str]:
    path = [end]
    while path[-1] != start:
        path.append(parent_of[path[-1]])
    return list(reversed(path)) + [start]


def trace(store: Store, root: InstitutionRef, direction: str = DOWN, max_depth: int | None = None,
          as_of: str | None = None, statuses: Iterable[str] | None = None) -> Trace:
    """The lineage tree of one institution: successors (down), predecessors (up) or both."""
    wanted = set(statuses) if statuses is not None else None
    result = Trace(root, direction, max_depth, as_of, tuple(sorted(wanted)) if wanted else None)
    for step in ([DOWN, UP] if direction == BOTH else [direction]):
        net = project(store, reach(store, [root.iri], step), step).with_lifespans(store)
        if not _established_by(net, root.iri, as_of):
            result.root_not_yet_established = True
            break
        _walk(result, net, step, DEFAULT_MAX_DEPTH if max_depth is None else max_depth,
              as_of, wanted)
        for iri in {root.iri} | result.reached(step) | {h.parent for h in result.hops}:
            result.institutions.setdefault(iri, net.ref(iri))
            established = net.lineage.nodes[iri].get("established") if iri in net.lineage else None
            if established is not None:
                result.established[iri] = established
            span = net.spans.get(iri)
            if span is not None and (span.start or span.end or span.known_by):
                result.lifespans[iri] = span
    result.institutions[root.iri] = root
    return result


def find_path(store: Store, start: InstitutionRef, end: InstitutionRef,
              via_units: bool = False) -> LineagePath | None:
    """The shortest chain of hops between two institutions, or None.

    A path along the lineage's own direction (start became ... became end, or the reverse) is
    preferred; failing that, hops are taken in either direction, and with `via_units` also
    through supporting/managing units and other memberships.
    """
    if not via_units:
        for step in (DOWN, UP):
            members = reach(store, [start.iri], step)
            if end.iri in members:
                net = project(store, members, step)
                return _path_on(net, start, end, directed=step)
    net = project_whole(store, with_units=via_units)
    return _path_on(net, start, end, directed=None, via_units=via_units)


def _path_on(net: LineageNetwork, start: InstitutionRef, end: InstitutionRef,
             directed: str | None, via_units: bool = False) -> LineagePath | None:
    if directed == DOWN:
        search_graph = nx.DiGraph(net.lineage)
    elif directed == UP:
        search_graph = nx.DiGraph(net.lineage).reverse(copy=True)
    else:
        search_graph = nx.Graph(net.lineage.to_undirected(as_view=True))
        if via_units:
            search_graph.add_edges_from(net.units.to_undirected(as_view=True).edges())
    search_graph.add_nodes_from([start.iri, end.iri])
    try:
        nodes = nx.shortest_path(search_graph, start.iri, end.iri)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    steps = [_step(net, a, b, via_units) for a, b in zip(nodes, nodes[1:])]
    refs = {n: net.ref(n) for n in nodes}
    refs[start.iri], refs[end.iri] = start, end
    return LineagePath(start, end, steps, refs)


def _step(net: LineageNetwork, a: str, b: str, via_units: bool) -> PathStep:
    """The best edge between two adjacent path nodes: a settled event, else any event, else a unit."""
    candidates = []
    for u, v, forward in ((a, b, True), (b, a, False)):
        for event in (net.lineage.get_edge_data(u, v) or {}).values():
            candidates.append((event["event"].pending, forward is False, event["event"].iri,
                               PathStep(a, b, forward, event=event["event"])))
    if candidates:
        return min(candidates, key=lambda c: c[:3])[3]
    for u, v, forward in ((a, b, True), (b, a, False)):
        for key, data in sorted((net.units.get_edge_data(u, v) or {}).items()):
            return PathStep(a, b, forward, role=data["role"], membership=key)
    raise LookupError(f"no edge between {a} and {b}")  # pragma: no cover - path came from edges
