"""Shared fixtures: the bundled graph opened once, a CLI runner, fixture paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def bundled():
    """The bundled graph (ontology + graphs/ + derived edges), opened once per test run."""
    from lineage import Lineage

    return Lineage.open()


@pytest.fixture
def run():
    """Invoke the `lineage` CLI in-process; returns click's Result (stdout and stderr apart)."""
    from lineage.cli import main

    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def fixture_path():
    def path(*parts: str) -> str:
        return str(FIXTURES.joinpath(*parts))

    return path
