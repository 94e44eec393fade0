"""lineage.model: the value types answers are made of."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from lineage.analysis.network import EventRef, Membership
from lineage.model import DatedBy, DateValue, Lifespan

YEAR = DateValue("2020", "year")


@pytest.mark.parametrize("cls", [DatedBy, Lifespan, EventRef, Membership])
def test_hand_written_inits_take_exactly_the_fields_with_their_defaults(cls):
    """These frozen dataclasses build their instances in one step (speed); each __init__
    must still take what the generated one would."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    fields = [f for f in dataclasses.fields(cls) if f.init]
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields]


def test_hand_built_instances_stay_frozen_hashable_and_equal_by_value():
    start = DatedBy(YEAR, "result", "https://example.org/e", "lin:Conversion", "lin:Approved")
    span = Lifespan("https://example.org/i", start)
    assert (span.iri, span.start, span.end, span.known_by) == ("https://example.org/i", start,
                                                               None, None)
    assert span == Lifespan("https://example.org/i", dataclasses.replace(start))
    assert hash(span) == hash(Lifespan("https://example.org/i", dataclasses.replace(start)))
    assert dataclasses.asdict(start)["event_type"] == "lin:Conversion"
    with pytest.raises(dataclasses.FrozenInstanceError):
        start.basis = "known"
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.end = start


def test_an_event_is_pending_by_its_status_and_stays_frozen():
    planned = EventRef("https://example.org/e", "lin:Conversion", YEAR, "lin:Planned")
    approved = dataclasses.replace(planned, status="lin:Approved")
    assert (planned.pending, approved.pending) == (True, False)
    assert planned == EventRef("https://example.org/e", "lin:Conversion", YEAR, "lin:Planned")
    assert planned.sources == () and planned.confidence is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        planned.status = "lin:Approved"
