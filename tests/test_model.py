"""lineage.model: the value types answers are made of."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from lineage.model import DatedBy, DateValue, Lifespan

YEAR = DateValue("2020", "year")


@pytest.mark.parametrize("cls", [DatedBy, Lifespan])
def test_hand_written_inits_take_exactly_the_fields_with_their_defaults(cls):
    """DatedBy and Lifespan build their instances in one step (speed); their __init__ must
    still be the one the dataclass would generate."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    fields = dataclasses.fields(cls)
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
