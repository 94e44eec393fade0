"""The domain vocabulary, defined once: event statuses, trace directions, membership roles and
event kinds, each with its ontology term and English label (docs/architecture.md).

The facade accepts a member or its name in any case ("approved", "APPROVED",
Status.APPROVED, "lin:Approved"); anything else is a BadValueError (a ValueError) naming
the accepted values.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

from .errors import BadValueError
from .namespaces import LIN, shorten

T = TypeVar("T", bound="Term")


class Term(Enum):
    """A vocabulary value: `.value` is the word the library uses (a prefixed name such as
    "lin:Approved" for ontology terms), `.label` the English label."""

    def __new__(cls, value: str, label: str):
        member = object.__new__(cls)
        member._value_ = value
        member.label = label
        return member

    @property
    def iri(self) -> str:
        """The full IRI of an ontology term (the value itself for plain words)."""
        prefix, _, local = self.value.partition(":")
        return str(LIN[local]) if prefix == "lin" else self.value

    @classmethod
    def coerce(cls: type[T], value: "T | str") -> T:
        """The member a value names: a member, its name, its value, its IRI or its English
        label, in any case (spaces, hyphens and underscores ignored)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            key = _key(value)
            for member in cls:
                if key in {_key(member.name), _key(member.value), _key(member.iri),
                           _key(member.label), _key(member.value.partition(":")[2])}:
                    return member
        raise BadValueError(f"unknown {cls.kind()} {value!r}; accepted: {cls.allowed()}")

    @classmethod
    def kind(cls) -> str:
        """What the values are, for messages: 'status', 'direction'..."""
        return _KINDS.get(cls.__name__, cls.__name__.lower())

    @classmethod
    def allowed(cls) -> str:
        """The accepted names, for messages."""
        return ", ".join(member.name.lower() for member in cls)

    def __str__(self) -> str:
        return self.value


_KINDS = {"EventKind": "event kind"}


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch not in " -_")


class Status(Term):
    """How far a change event has gone (lin:EventStatusScheme)."""

    PLANNED = ("lin:Planned", "planned")
    APPLIED = ("lin:Applied", "applied")
    IN_PROGRESS = ("lin:InProgress", "in progress")
    APPROVED = ("lin:Approved", "approved")
    COMPLETED = ("lin:Completed", "completed")
    REJECTED = ("lin:Rejected", "rejected")
    WITHDRAWN = ("lin:Withdrawn", "withdrawn")

    @property
    def settled(self) -> bool:
        """Approved or completed: the event makes a succession (lin:succeededBy)."""
        return self in SETTLED

    @property
    def pending(self) -> bool:
        """Planned, applied or in progress: not (yet) settled (lin:pendingSuccessor)."""
        return self in PENDING


#: Statuses whose events make a settled succession, and those not (yet) settled.
SETTLED = (Status.APPROVED, Status.COMPLETED)
PENDING = (Status.PLANNED, Status.APPLIED, Status.IN_PROGRESS)
#: Names that stand for several statuses at once.
STATUS_GROUPS = {"settled": SETTLED, "pending": PENDING}


class Direction(Term):
    """Which way a trace walks the lineage."""

    DOWN = ("down", "successors: what it became")
    UP = ("up", "predecessors: where it came from")
    BOTH = ("both", "both directions")


class Role(Term):
    """What a unit is to an institution (lin:MembershipRoleScheme)."""

    SUPPORTING_UNIT = ("lin:SupportingUnit", "supporting unit")
    MANAGING_UNIT = ("lin:ManagingUnit", "managing unit")
    CO_BUILDER = ("lin:CoBuilder", "co-builder")
    COMMERCIALIZATION_PARTNER = ("lin:CommercializationPartner", "commercialisation partner")
    LEAD_UNIT = ("lin:LeadUnit", "lead unit")
    ORGANIZING_UNIT = ("lin:OrganizingUnit", "organising unit")
    DIRECTOR = ("lin:Director", "director")


class EventKind(Term):
    """The subclasses of lin:ChangeEvent."""

    CONVERSION = ("lin:Conversion", "conversion")
    MERGER = ("lin:Merger", "merger")
    SPLIT = ("lin:Split", "split")
    ESTABLISHMENT = ("lin:Establishment", "establishment")
    ACCEPTANCE = ("lin:Acceptance", "acceptance")
    RENAMING = ("lin:Renaming", "renaming")
    DISSOLUTION = ("lin:Dissolution", "dissolution")


def statuses(values: "str | Status | Iterable[str | Status]") -> frozenset[Status]:
    """The statuses some values name: members, names ("approved"), prefixed names
    ("lin:Approved"), the groups "settled" and "pending", or one comma-separated string."""
    if isinstance(values, (str, Status)):
        values = [values]
    found: set[Status] = set()
    for value in values:
        words = value.split(",") if isinstance(value, str) else [value]
        for word in words:
            if isinstance(word, str) and not word.strip():
                continue
            group = STATUS_GROUPS.get(word.strip().casefold()) if isinstance(word, str) else None
            if group is not None:
                found.update(group)
                continue
            try:
                found.add(Status.coerce(word.strip() if isinstance(word, str) else word))
            except ValueError:
                raise BadValueError(f"unknown status {word!r}; accepted: {Status.allowed()}, "
                                 f"or the groups {', '.join(STATUS_GROUPS)}") from None
    if not found:
        raise BadValueError("give at least one status")
    return frozenset(found)


def label_of(term: str) -> str | None:
    """The English label of a status, role or event kind given as IRI or prefixed name."""
    name = shorten(term)
    for vocabulary in (Status, Role, EventKind):
        for member in vocabulary:
            if member.value == name:
                return member.label
    return None
