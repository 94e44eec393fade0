"""Where everything goes on a figure, in millimetres: a time axis and rows of institutions.

x is time: each institution sits at the middle of the stretch its start date covers (a year
known only as "2021" spans the whole of 2021). Years in which nothing happens for a long
stretch are cut out of the axis and the cut is marked, so a 1952 founding does not squeeze
2020-2023 into a corner. Undated institutions in a lineage hop stand in a column of their own
left of the axis; undated ones outside any hop go in a band below. Rows are packed so no two
labels meet; an institution takes the row of its predecessor when it can, so chains read as
straight lines left to right.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_GAP = 6  # a run of this many empty years or more is cut out of the axis
MIN_YEARS = 3  # the axis shows at least this many years
MM_PER_YEAR_MAX = 28.0
MM_PER_YEAR_MIN = 2.0
BREAK = 10.0  # the width of a cut in the axis
UNDATED_GAP = 14.0  # between the undated column and the axis
RADIUS = 1.3  # marker radius
GAP_X = 3.0  # between two labels in a row
GAP_Y = 2.2  # between rows
TICK_MIN = 9.0  # least distance between two labelled ticks
AXIS_SPACE = 9.0  # below the last row: the axis line, its ticks and year labels
BAND_HEADING = 5.0  # above the band of undated institutions: its heading


@dataclass
class Box:
    """One institution as the layout sees it: when its start falls (None: undated), how big
    its label is, and the latest time something is drawn on its row (a dissolution)."""

    key: str
    span: tuple[float, float] | None
    width: float
    height: float
    until: float | None = None


@dataclass
class Run:
    """A stretch of consecutive years drawn at one scale: [first, end) starting at x."""

    first: int
    end: int
    x: float


@dataclass
class Axis:
    runs: list[Run]
    scale: float  # mm per year
    undated_x: float | None  # where the undated column's markers sit

    def x(self, t: float) -> float:
        """The x of a time (fractional years); times in a cut snap to its nearer side."""
        for i, run in enumerate(self.runs):
            if t <= run.end or i == len(self.runs) - 1:
                if t < run.first and i > 0:  # inside a cut: stay left of this run
                    return run.x - BREAK / 2
                return run.x + (max(t, run.first) - run.first) * self.scale
        return 0.0

    @property
    def start(self) -> float:
        return self.runs[0].x

    @property
    def end(self) -> float:
        last = self.runs[-1]
        return last.x + (last.end - last.first) * self.scale

    def breaks(self) -> list[float]:
        """The x of each cut (between two runs)."""
        return [run.x - BREAK / 2 for run in self.runs[1:]]

    def ticks(self) -> list[tuple[int, float]]:
        """Labelled year ticks, left to right, at least TICK_MIN apart."""
        step = next((s for s in (1, 2, 5, 10, 20, 50, 100) if s * self.scale >= TICK_MIN), 100)
        found: list[tuple[int, float]] = []
        for run in self.runs:
            years = [y for y in range(run.first, run.end + 1) if y % step == 0] or [run.first]
            for year in years:
                x = run.x + (year - run.first) * self.scale
                if not found or x - found[-1][1] >= TICK_MIN:
                    found.append((year, round(x, 3)))
        return found


@dataclass
class Layout:
    axis: Axis
    x: dict[str, float]  # marker centre
    y: dict[str, float]
    rows: list[tuple[float, float]]  # (top, height) of each row
    axis_y: float  # where the time axis is drawn, under the rows
    band_top: float | None  # where the band of undated institutions outside hops begins
    width: float  # right edge of everything placed
    height: float  # bottom of everything placed
    extra: dict[str, float] = field(default_factory=dict)  # x of each box's `until` mark


def axis_for(boxes: Iterable[Box], extra_times: Iterable[float], left: float, width: float,
             undated_column: bool) -> Axis:
    """Runs of years wide enough for every label to end inside `width` where it can."""
    boxes = list(boxes)
    years: set[int] = set()
    for box in boxes:
        if box.span:
            years.update(range(math.floor(box.span[0]), max(math.ceil(box.span[1]),
                                                            math.floor(box.span[0]) + 1)))
        if box.until is not None:
            years.add(math.floor(box.until))
    years.update(math.floor(t) for t in extra_times)
    if not years:
        years = {0}
    ordered = sorted(years)
    spans: list[list[int]] = [[ordered[0], ordered[0] + 1]]
    for year in ordered[1:]:
        if year - spans[-1][1] >= MAX_GAP:
            spans.append([year, year + 1])
        else:
            spans[-1][1] = year + 1
    total = sum(b - a for a, b in spans)
    if total < MIN_YEARS:  # pad a short axis on both sides
        pad = MIN_YEARS - total
        spans[0][0] -= pad // 2
        spans[-1][1] += pad - pad // 2
        total = MIN_YEARS
    x0 = left + (RADIUS + UNDATED_GAP if undated_column else RADIUS)
    room = width - (x0 - left) - BREAK * (len(spans) - 1)
    scale = min(MM_PER_YEAR_MAX, room / total)
    offsets = _offsets(spans)
    for box in boxes:  # the rightmost labels must end inside the width too
        if box.span:
            t = (box.span[0] + box.span[1]) / 2
            years_in, cuts = offsets(t)
            if years_in > 0:
                scale = min(scale, (room + BREAK * (len(spans) - 1) - BREAK * cuts - box.width)
                            / years_in)
    scale = max(scale, MM_PER_YEAR_MIN)
    runs, x = [], x0
    for a, b in spans:
        runs.append(Run(a, b, round(x, 3)))
        x += (b - a) * scale + BREAK
    return Axis(runs, scale, left + RADIUS if undated_column else None)


def _offsets(spans: list[list[int]]):
    """A function: time -> (years of axis before it, cuts before it)."""
    def offsets(t: float) -> tuple[float, int]:
        years = 0.0
        for i, (a, b) in enumerate(spans):
            if t < b or i == len(spans) - 1:
                return years + max(0.0, t - a), i
            years += b - a
        return years, len(spans) - 1
    return offsets


def place(boxes: list[Box], hops: list[tuple[str, str]], axis: Axis, left: float,
          width: float) -> Layout:
    """Rows for the boxes on the axis (families kept together), then the undated band."""
    x: dict[str, float] = {}
    extra: dict[str, float] = {}
    linked = {k for hop in hops for k in hop}
    on_axis = [b for b in boxes if b.span is not None or b.key in linked]
    for box in on_axis:
        x[box.key] = round(axis.x((box.span[0] + box.span[1]) / 2) if box.span
                           else axis.undated_x, 3)
        if box.until is not None:
            extra[box.key] = round(axis.x(box.until), 3)
    size = {b.key: b for b in boxes}

    def interval(key: str) -> tuple[float, float]:
        right = max(x[key] - RADIUS + size[key].width, extra.get(key, x[key]) + RADIUS)
        return x[key] - RADIUS, right + GAP_X

    rows: list[list[tuple[float, float]]] = []
    row_of: dict[str, int] = {}
    for family in _families([b.key for b in on_axis], hops, x):
        local = _family_rows(family, hops, interval, x)
        hull = (min(interval(k)[0] for k in family), max(interval(k)[1] for k in family))
        height = max(local.values()) + 1
        offset = _fit(rows, height, hull)
        for r in range(offset, offset + height):
            while len(rows) <= r:
                rows.append([])
            rows[r].append(hull)  # the family's rows are its own over its whole width,
        for key, r in local.items():  # so no hop runs through another family's institution
            row_of[key] = offset + r
    members: dict[int, list[str]] = defaultdict(list)
    for key, r in row_of.items():
        members[r].append(key)
    y: dict[str, float] = {}
    tops, top = [], 0.0
    for r in range(len(rows)):
        height = 2 * RADIUS + max(size[k].height for k in members[r]) + GAP_Y
        tops.append((round(top, 3), round(height, 3)))
        for key in members[r]:
            y[key] = round(top + RADIUS, 3)
        top += height
    right = max((interval(k)[1] - GAP_X for k in x), default=axis.end)
    axis_y = round(top + 1.0, 3)
    bottom = axis_y + AXIS_SPACE
    band = [b for b in boxes if b.key not in x]
    band_top = None
    if band:
        band_top = bottom + BAND_HEADING
        bottom, right = _band(band, band_top, left, width, x, y, right)
    return Layout(axis, x, y, tops, axis_y, band_top, max(right, axis.end), bottom, extra)


def _families(keys: list[str], hops: list[tuple[str, str]], x: dict[str, float]
              ) -> list[list[str]]:
    """Groups joined by hops, earliest first (bigger first on a tie), members by x."""
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in hops:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        groups[find(k)].append(k)
    families = [sorted(g, key=lambda k: (x[k], k)) for g in groups.values()]
    families.sort(key=lambda f: (x[f[0]], -len(f), f[0]))
    return families


def _family_rows(family: list[str], hops: list[tuple[str, str]], interval, x: dict[str, float]
                 ) -> dict[str, int]:
    """Rows within a family: each member on a predecessor's (else a successor's) row when
    free, unless a hop along that row would then run through another member."""
    members = set(family)
    near: dict[str, list[str]] = defaultdict(list)
    for a, b in hops:
        if a in members and b in members:
            near[b].append(a)
    for a, b in hops:
        if a in members and b in members:
            near[a].append(b)
    taken: list[list[tuple[float, float, str]]] = []  # per row: (left, right, whose)
    row_of: dict[str, int] = {}
    for key in family:
        span = interval(key)
        preferred = [row_of[k] for k in near[key] if k in row_of]
        for r in dict.fromkeys(preferred + list(range(len(taken)))):
            lines = _lines_along(key, r, near, row_of, x)
            if _free(taken[r], span) and all(_free(taken[r], line, allow=ends)
                                             for line, ends in lines):
                break
        else:
            r = len(taken)
            taken.append([])
            lines = []
        taken[r].append((*span, key))
        taken[r].extend((*line, "") for line, _ in lines)  # a hop along the row is kept clear
        row_of[key] = r
    return row_of


def _lines_along(key: str, row: int, near, row_of, x) -> list[tuple[tuple[float, float], set]]:
    """The hops `key` would have along `row`: the stretch each covers and its two ends."""
    return [((min(x[k], x[key]), max(x[k], x[key])), {k, key})
            for k in near[key] if row_of.get(k) == row]


def _fit(rows: list[list[tuple[float, float]]], height: int, hull: tuple[float, float]) -> int:
    """The first row at which `height` rows are all free over the family's width."""
    offset = 0
    while not all(offset + r >= len(rows) or _free(rows[offset + r], hull)
                  for r in range(height)):
        offset += 1
    return offset


def _free(taken: list[tuple], span: tuple[float, float], allow: set = frozenset()) -> bool:
    """Whether a stretch meets nothing taken (stretches owned by `allow` excepted)."""
    return all(span[1] <= t[0] or span[0] >= t[1] or (len(t) > 2 and t[2] in allow)
               for t in taken)


def _band(band: list[Box], top: float, left: float, width: float, x: dict, y: dict,
          right: float) -> tuple[float, float]:
    """Undated institutions outside hops, flowed left to right in rows under the axis rows."""
    cursor, row_height = left, 0.0
    for box in sorted(band, key=lambda b: b.key):
        if cursor > left and cursor + box.width > left + width:
            top += row_height
            cursor, row_height = left, 0.0
        x[box.key], y[box.key] = round(cursor + RADIUS, 3), round(top + RADIUS, 3)
        right = max(right, cursor + box.width)
        cursor += box.width + GAP_X
        row_height = max(row_height, 2 * RADIUS + box.height + GAP_Y)
    return top + row_height, right
