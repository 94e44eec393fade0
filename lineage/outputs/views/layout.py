"""Node positions computed in Python, in linear time, so big views are interactive at once.

`packed_layout`: each connected component laid out in breadth-first layers from its best
connected node (long layers wrapped so components stay roughly square), the components then
packed on shelves. O(nodes + edges); networkx's spring_layout is quadratic per iteration and
takes minutes at 20,000 nodes. `timeline_layout`: x by time, one lane per lineage family,
undated institutions in a band of their own.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

DX, DY = 190.0, 120.0  # spacing between neighbours in a layer, and between layers
YEAR_STEP = 240.0  # timeline: horizontal distance between consecutive years
ROW_STEP = 150.0  # timeline: vertical distance between rows (a wrapped label is 5 lines)
CELL_WIDTH = 200.0  # timeline: the least distance between two nodes of a row (label width)
EMPTY_YEAR = 40.0  # timeline: the width of a year in which no institution starts
GAP = 1.0  # space between packed components, in units of DX / DY

Node = Hashable


@dataclass
class Placement:
    """Positions by node, plus a timeline's year axis (year -> x) and the y where its band of
    undated institutions begins (None when there is none)."""

    positions: dict[Node, tuple[float, float]]
    axis: list[tuple[int, float]]
    undated_band: float | None = None


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
        if start not in adjacency:  # isolated: a component of its own, nothing to walk
            found.append(Component([start], {start: 0}))
        elif start not in seen:
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
    if len(component.order) == 1:
        return [[component.order[0]]]
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


def timeline_layout(nodes: Iterable[Node], hops: Iterable[tuple[Node, Node]],
                    times: Mapping[Node, float | None]) -> Placement:
    """x by time at the precision known (fractional years); one lane per lineage family
    (institutions joined by lineage hops), split into rows so no two labels meet; undated
    institutions in their own band below the dated lanes.

    Families are packed first-fit: a family takes the highest rows that are free over its
    span of years, so families of different decades share rows without touching."""
    order = list(dict.fromkeys(nodes))
    dated = [t for t in (times.get(n) for n in order) if t is not None]
    first = math.floor(min(dated)) if dated else 0
    last = math.floor(max(dated)) if dated else 0
    year_x = _year_positions(first, last, {math.floor(t) for t in dated})

    def x_of(node) -> float:
        year = math.floor(times[node])
        return round(year_x[year] + (times[node] - year) * YEAR_STEP, 1)

    positions: dict[Node, tuple[float, float]] = {}
    families = [[n for n in c.order if times.get(n) is not None]
                for c in components(order, list(hops))]
    families = [f for f in families if f]
    families.sort(key=lambda f: (min(times[n] for n in f), -len(f)))
    tracks: list[float] = []  # per row: the right edge of what it holds so far
    for family in families:
        rows = _family_rows(sorted(family, key=lambda n: (times[n], str(n))), x_of)
        left = min(x_of(n) for n in family) - 2 * CELL_WIDTH  # a free cell between families
        top = _free_rows(tracks, len(rows), left)
        for r, row in enumerate(rows):
            for node in row:
                positions[node] = (x_of(node), round((top + r) * ROW_STEP, 1))
            tracks[top + r] = max(x_of(n) for n in row)
    band_top = (len(tracks) + 1) * ROW_STEP if tracks else 0.0
    undated = [n for n in order if times.get(n) is None]
    width = max(year_x.get(last, 0.0) + YEAR_STEP, math.sqrt(len(undated)) * CELL_WIDTH)
    per_row = max(1, int(width // CELL_WIDTH))
    for i, node in enumerate(undated):
        positions[node] = (round((i % per_row) * CELL_WIDTH, 1),
                           round(band_top + (i // per_row) * ROW_STEP, 1))
    axis = sorted(year_x.items()) if dated else []
    return Placement(positions, axis, band_top - ROW_STEP / 2 if undated else None)


def _year_positions(first: int, last: int, occupied: set[int]) -> dict[int, float]:
    """Where each year begins: a full YEAR_STEP for years that hold a dated institution, a
    narrow EMPTY_YEAR for the others, so long quiet stretches do not shrink the view."""
    positions, x = {}, 0.0
    for year in range(first, last + 1):
        positions[year] = round(x, 1)
        x += YEAR_STEP if year in occupied else EMPTY_YEAR
    return positions


def _family_rows(members: list[Node], x_of) -> list[list[Node]]:
    """Split a family (sorted by time) into rows in which neighbours are a label apart."""
    rows: list[list[Node]] = []
    for node in members:
        for row in rows:
            if x_of(node) - x_of(row[-1]) >= CELL_WIDTH:
                row.append(node)
                break
        else:
            rows.append([node])
    return rows


def _free_rows(tracks: list[float], height: int, left: float) -> int:
    """The first run of `height` rows all free to the left of `left` (new rows if none)."""
    run = 0
    for i, right in enumerate(tracks):
        run = run + 1 if right <= left else 0
        if run == height:
            return i - height + 1
    start = len(tracks) - run
    tracks.extend([float("-inf")] * (height - run))
    return start
