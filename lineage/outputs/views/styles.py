"""How a view looks: colour and shape by institution type, line by relation and status.

The one source of truth: the node and edge dicts and the page's legend are all made from the
tables below, so the legend can never disagree with the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ... import vocabulary
from ...namespaces import LIN, shorten
from ...vocabulary import Status


def _name(term) -> str:
    """The prefixed name (lin:X) the network module uses for a term."""
    return shorten(str(term))


class _Bilingual:
    """A legend entry named in English and Chinese."""

    en: str
    zh: str

    @property
    def label(self) -> str:
        return f"{self.en} {self.zh}".strip()


@dataclass(frozen=True)
class TypeStyle(_Bilingual):
    key: str  # short name used in the page (vis-network group)
    iri: str | None  # the lin: class; None for "other"
    en: str
    zh: str
    color: str
    shape: str


@dataclass(frozen=True)
class RelationStyle(_Bilingual):
    key: str  # prefixed name of the event class or membership role
    kind: str  # "event" or "membership"
    en: str
    zh: str
    color: str


@dataclass(frozen=True)
class StatusStyle:
    key: str  # status group shown in the filters
    label: str
    statuses: tuple[str, ...]  # prefixed names of lin:EventStatus concepts
    dashes: bool | tuple[int, ...]
    width: float
    color: str | None  # overrides the relation colour (greys out closed events)


#: Institution types in priority order (an institution with two types takes the first listed).
TYPES: tuple[TypeStyle, ...] = (
    TypeStyle("NETRC", str(LIN.NationalEngineeringTechnologyResearchCenter),
              "NETRC", "国家工程技术研究中心", "#E69F00", "dot"),
    TypeStyle("NTIC", str(LIN.NationalTechnologyInnovationCenter),
              "NTIC", "国家技术创新中心", "#D55E00", "star"),
    TypeStyle("NERC", str(LIN.NationalEngineeringResearchCenter),
              "NERC", "国家工程研究中心", "#0072B2", "square"),
    TypeStyle("NEL", str(LIN.NationalEngineeringLaboratory),
              "NEL", "国家工程实验室", "#56B4E9", "triangle"),
    TypeStyle("NMIC", str(LIN.NationalManufacturingInnovationCenter),
              "manufacturing innovation centre (MIIT)", "国家制造业创新中心", "#6A3D9A", "star"),
    TypeStyle("NIIC", str(LIN.NationalIndustrialInnovationCenter),
              "industrial innovation centre (NDRC)", "国家产业创新中心", "#B15928", "star"),
    TypeStyle("University", str(LIN.University),
              "university", "高等学校", "#009E73", "diamond"),
    TypeStyle("Enterprise", str(LIN.Enterprise), "enterprise", "企业", "#CC79A7", "hexagon"),
    TypeStyle("ResearchInstitute", str(LIN.ResearchInstitute),
              "research institute", "科研院所", "#C9B800", "triangleDown"),
    TypeStyle("GovernmentBody", str(LIN.GovernmentBody),
              "government body", "党政机关", "#8C564B", "square"),
    TypeStyle("other", None, "other (people, untyped)", "", "#9E9E9E", "dot"),
)

OTHER_TYPE = TYPES[-1]

#: Programmes the whole-graph overview clusters by: the types each takes in, and its name.
PROGRAMMES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("NTIC", ("NTIC",), "NTIC 国家技术创新中心"),
    ("NETRC", ("NETRC",), "NETRC 国家工程技术研究中心"),
    ("NERC/NEL", ("NERC", "NEL"), "NERC/NEL 国家工程研究中心/实验室"),
    ("look-alike", ("NMIC", "NIIC"), "look-alike programmes 其他创新中心"),
)
PROGRAMME_OF = {t: key for key, types, _ in PROGRAMMES for t in types}

#: Confidence in plain words (lin:ConfidenceScheme), and what each means.
CONFIDENCE = {_name(LIN[local]): (label, meaning) for local, label, meaning in (
    ("High", "high", "an official or other primary source, or several consistent reports"),
    ("Medium", "medium", "one mainstream secondary source, or a copy of an official item"),
    ("Low", "low", "an aggregator or unclear source, inferred, or ambiguous"))}

#: Fonts for the page and the canvas labels: common CJK faces of every platform named before
#: the generic family, so Chinese labels never fall to boxes where one of them is installed.
FONT_STACK = ('system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Source Han Sans SC", '
              '"Noto Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", '
              '"PingFang SC", "Hiragino Sans GB", "Heiti SC", "SimHei", "Droid Sans Fallback", '
              'sans-serif')
#: What to install when the page finds no CJK font, shown in its notice.
CJK_FONT_HINT = ("Chinese shows as boxes: install a CJK font (Debian/Ubuntu: fonts-noto-cjk "
                 "or fonts-wqy-microhei)")


def confidence_label(confidence: str | None) -> str | None:
    """Confidence in plain words ("medium"), or the value as given when it is not ours."""
    if not confidence:
        return None
    return CONFIDENCE.get(confidence, (confidence, ""))[0]

_EVENTS = (
    ("Conversion", "conversion", "转建", "#D55E00"),
    ("Merger", "merger", "合并", "#7B3294"),
    ("Split", "split", "分立", "#1A9850"),
    ("Renaming", "renaming", "更名", "#2166AC"),
    ("Establishment", "establishment", "组建", "#4D9221"),
    ("Acceptance", "acceptance", "验收", "#35978F"),
    ("Dissolution", "dissolution", "撤销", "#B2182B"),
    ("ChangeEvent", "other change", "其他变更", "#555555"),
)

_ROLES = (
    ("SupportingUnit", "supporting unit", "依托单位", "#1B9E77"),
    ("ManagingUnit", "managing unit", "主管部门", "#8C564B"),
    ("LeadUnit", "lead unit", "牵头单位", "#E7298A"),
    ("CoBuilder", "co-builder", "共建单位", "#A6761D"),
    ("CommercializationPartner", "commercialisation partner", "产业化合作单位", "#66A61E"),
    ("OrganizingUnit", "organising unit", "组织单位", "#7570B3"),
    ("Director", "director", "主任", "#E6AB02"),
)

RELATIONS: tuple[RelationStyle, ...] = (
    *(RelationStyle(_name(LIN[name]), "event", en, zh, color) for name, en, zh, color in _EVENTS),
    *(RelationStyle(_name(LIN[name]), "membership", en, zh, color)
      for name, en, zh, color in _ROLES),
)

OTHER_EVENT = next(r for r in RELATIONS if r.key == _name(LIN.ChangeEvent))
OTHER_ROLE = RelationStyle("other-role", "membership", "other role", "其他角色", "#999999")

#: Event statuses as the filters group them (pending = not a settled succession).
STATUSES: tuple[StatusStyle, ...] = (
    StatusStyle("settled", "approved or completed", tuple(s.value for s in vocabulary.SETTLED),
                False, 2.5, None),
    StatusStyle("pending", "pending: planned, applied, in progress (dashed)",
                tuple(s.value for s in vocabulary.PENDING), (8, 6), 2.5, None),
    StatusStyle("closed", "rejected or withdrawn (dotted, grey)",
                (Status.REJECTED.value, Status.WITHDRAWN.value), (2, 6), 1.5, "#B0B0B0"),
    StatusStyle("unknown", "status not given", (), (12, 4, 2, 4), 2.0, None),
)

MEMBERSHIP_STATUS = "membership"
MEMBERSHIP_WIDTH = 1.2

STATUS_LABELS = {status.value: status.label for status in Status}

_RELATION_BY_KEY = {r.key: r for r in RELATIONS}
_STATUS_BY_NAME = {s: group for group in STATUSES for s in group.statuses}


@lru_cache(maxsize=1024)
def type_style(types: tuple[str, ...]) -> TypeStyle:
    """The style of the first (highest-priority) type an institution has, else "other"."""
    for style in TYPES:
        if style.iri in types:
            return style
    return OTHER_TYPE


def event_style(event_type: str) -> RelationStyle:
    return _RELATION_BY_KEY.get(event_type) or OTHER_EVENT


def role_style(role: str) -> RelationStyle:
    style = _RELATION_BY_KEY.get(role)
    return style if style is not None and style.kind == "membership" else OTHER_ROLE


def status_style(status: str | None) -> StatusStyle:
    return _STATUS_BY_NAME.get(status or "", STATUSES[-1])


def vis_groups() -> dict[str, dict]:
    """vis-network node groups, one per institution type."""
    return {t.key: {"shape": t.shape, "color": {"background": t.color, "border": "#333333",
                                                 "highlight": {"background": t.color,
                                                               "border": "#000000"},
                                                 "hover": {"background": t.color,
                                                           "border": "#000000"}}}
            for t in TYPES}


def edge_style(relation: RelationStyle, status: StatusStyle | None) -> dict:
    """vis-network edge options for a relation; `status` is None for memberships."""
    if status is None:
        return {"color": {"color": relation.color, "highlight": relation.color,
                          "hover": relation.color, "inherit": False, "opacity": 0.85},
                "width": MEMBERSHIP_WIDTH, "dashes": False,
                "arrows": {"to": {"enabled": True, "type": "circle", "scaleFactor": 0.4}}}
    color = status.color or relation.color
    dashes = list(status.dashes) if isinstance(status.dashes, tuple) else status.dashes
    return {"color": {"color": color, "highlight": color, "hover": color, "inherit": False},
            "width": status.width,
            "dashes": dashes, "arrows": {"to": {"enabled": True, "scaleFactor": 0.8}}}


def edge_styles() -> dict[str, dict]:
    """Every edge style the page may need, keyed "relation|status" (the page looks them up)."""
    table = {}
    for relation in (*RELATIONS, OTHER_ROLE):
        if relation.kind == "membership":
            table[f"{relation.key}|{MEMBERSHIP_STATUS}"] = edge_style(relation, None)
        else:
            for status in STATUSES:
                table[f"{relation.key}|{status.key}"] = edge_style(relation, status)
    return table


def legend(types: set[str], relations: set[str], statuses: set[str]) -> dict:
    """The legend entries for what this view shows, in the tables' order."""
    return {
        "types": [{"key": t.key, "label": t.label, "color": t.color, "shape": t.shape}
                  for t in TYPES if t.key in types],
        "relations": [{"key": r.key, "kind": r.kind, "label": r.label, "color": r.color}
                      for r in (*RELATIONS, OTHER_ROLE) if r.key in relations],
        "statuses": [{"key": s.key, "label": s.label, "width": s.width, "color": s.color,
                      "dashes": list(s.dashes) if isinstance(s.dashes, tuple) else s.dashes}
                     for s in STATUSES if s.key in statuses]
                    + ([{"key": MEMBERSHIP_STATUS, "label": "memberships (units, roles)",
                         "width": MEMBERSHIP_WIDTH, "color": None, "dashes": False}]
                       if MEMBERSHIP_STATUS in statuses else []),
    }
