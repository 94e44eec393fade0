"""Node positions computed in Python, in linear time, so big views are interactive at once.

`packed_layout`: each connected component laid out in breadth-first layers from its best
connected node (long layers wrapped so components stay roughly square), the components then
packed on shelves. O(nodes + edges); networkx's spring_layout is quadratic per iteration and
takes minutes at 20,000 nodes. `timeline_layout`: x by year, components stacked in bands.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

DX, DY = 190.0, 120.0  # spacing between neighbours in a layer, and between layers
YEAR_STEP = 240.0  # timeline: horizontal distance between consecutive years
ROW_STEP = 90.0  # timeline: vertical distance between nodes of one year
GAP = 1.0  # space between packed components, in units of DX / DY
UNDATED_X = -2 * YEAR_STEP  # timeline: the column of undated nodes

Node = Hashable


@dataclass
class Placement:
    """Positions by node, plus the year axis of a timeline (year -> x; None = undated column)."""

    positions: dict[Node, tuple[float, float]]
    axis: list[tuple[int | None, float]]


@dataclass
class Component:
    """A connected component: its nodes in breadth-first order from its hub, and their depths."""

    order: list[Node]
    depth: dict[Node, int]


def components(nodes: Iterable[Node], edges: Iterable[tuple[Node, Node]]) -> list[Component]:
    """Connected components (edges taken both ways), each walked breadth-first from its hub
    (the node with most links; the first such in input order)."""
    order = list(dict.fromkeys(nodes))
    adjacency: dict[Node, list[Node]] = defaultdict(list)
    for a, b in edges:
        if a != b:
            adjacency[a].append(b)
            adjacency[b].append(a)
    seen: set[Node] = set()
    found = []
    for start in order:
        if start not in seen:
            members = _flood(start, adjacency, seen)
            hub = max(members, key=lambda n: len(adjacency[n]))
            found.append(_breadth_first(hub, adjacency))
    return found


def _flood(start: Node, adjacency, seen: set) -> list[Node]:
    seen.add(start)
    stack, members = [start], []
    while stack:
        node = stack.pop()
        members.append(node)
        for other in adjacency[node]:
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return members


def _breadth_first(hub: Node, adjacency) -> Component:
    depth = {hub: 0}
    queue, order = deque([hub]), []
    while queue:
        node = queue.popleft()
        order.append(node)
        for other in adjacency[node]:
            if other not in depth:
                depth[other] = depth[node] + 1
                queue.append(other)
    return Component(order, depth)


def _component_rows(component: Component) -> list[list[Node]]:
    """Layers of a component as rows, long layers wrapped so the block stays roughly square."""
    cap = max(4, math.ceil(math.sqrt(len(component.order)) * 1.6))
    layers: dict[int, list[Node]] = defaultdict(list)
    for node in component.order:
        layers[component.depth[node]].append(node)
    rows = []
    for d in sorted(layers):
        members = layers[d]
        rows.extend(members[i:i + cap] for i in range(0, len(members), cap))
    return rows


def packed_layout(nodes: Iterable[Node], edges: Iterable[tuple[Node, Node]]) -> Placement:
    """Layered blocks per component, packed on shelves about as wide as the whole is tall."""
    blocks = [_component_rows(c) for c in components(nodes, list(edges))]
    sizes = [(max(len(r) for r in rows), len(rows)) for rows in blocks]
    area = sum((w + GAP) * DX * (h + GAP) * DY for w, h in sizes)
    shelf_width = max(math.sqrt(area) * 1.3, max((w for w, _ in sizes), default=1) * DX)
    order = sorted(range(len(blocks)), key=lambda i: (-sizes[i][1], -sizes[i][0], i))
    positions: dict[Node, tuple[float, float]] = {}
    x = y = shelf_height = 0.0
    for i in order:
        width, height = (sizes[i][0] + GAP) * DX, (sizes[i][1] + GAP) * DY
        if x > 0 and x + width > shelf_width:
            x, y, shelf_height = 0.0, y + shelf_height, 0.0
        for r, row in enumerate(blocks[i]):
            offset = x + (width - len(row) * DX) / 2 + DX / 2
            for c, node in enumerate(row):
                positions[node] = (round(offset + c * DX, 1), round(y + r * DY, 1))
        x += width
        shelf_height = max(shelf_height, height)
    return Placement(positions, [])


def timeline_layout(nodes: Iterable[Node], edges: Iterable[tuple[Node, Node]],
                    years: Mapping[Node, int | None]) -> Placement:
    """x by year (undated nodes in a column left of the first year); y by component.

    Components are packed skyline-fashion: each goes as high as the columns it uses allow,
    so a lineage of 1990-2000 can sit beside one of 2010-2020 and undated singletons stack
    in their own column instead of each taking a full-width band."""
    dated = [y for y in years.values() if y is not None]
    first, last = (min(dated), max(dated)) if dated else (0, 0)

    def column(node) -> float:
        year = years.get(node)
        return (year - first) * YEAR_STEP if year is not None else UNDATED_X

    comps = [c.order for c in components(nodes, list(edges))]
    comps.sort(key=lambda c: (-len(c), min((years.get(n) or 10**6) for n in c)))
    skyline: dict[float, float] = defaultdict(float)  # column -> first free y
    positions: dict[Node, tuple[float, float]] = {}
    for order in comps:
        stacks: dict[float, list[Node]] = defaultdict(list)
        for node in sorted(order, key=lambda n: (years.get(n) is None, years.get(n) or 0)):
            stacks[column(node)].append(node)
        top = max(skyline[x] for x in stacks)
        for x, members in stacks.items():
            for i, node in enumerate(members):
                positions[node] = (round(x, 1), round(top + i * ROW_STEP, 1))
        bottom = top + (max(len(m) for m in stacks.values()) + 0.5) * ROW_STEP
        for x in _span(stacks):
            skyline[x] = bottom
    axis: list[tuple[int | None, float]] = [(year, (year - first) * YEAR_STEP)
                                            for year in range(first, last + 1)] if dated else []
    if any(years.get(n) is None for n in positions):
        axis.insert(0, (None, UNDATED_X))
    return Placement(positions, axis)


def _span(stacks: Mapping[float, list]) -> list[float]:
    """The columns a component covers from its leftmost to its rightmost node: its lines cross
    them, so a later component must not sit there."""
    left, right = min(stacks), max(stacks)
    return [left + i * YEAR_STEP for i in range(round((right - left) / YEAR_STEP) + 1)]
