"""The wheel carries the ontology and the graphs: an installed `lineage` works from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    try:
        import hatchling  # noqa: F401
    except ImportError:
        pytest.skip("hatchling (from the test extra) is needed to build the wheel offline")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True)
    [built] = out.glob("lineage-*.whl")
    return built


def test_wheel_contains_ontology_shapes_and_graphs(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "lineage/_data/ontology/lineage.ttl" in names
    assert "lineage/_data/ontology/shapes.ttl" in names
    bundled = {Path(n).name for n in names if n.startswith("lineage/_data/graphs/")}
    expected = {p.name for p in (ROOT / "graphs").iterdir() if p.suffix in (".ttl", ".trig")}
    assert expected and expected <= bundled


def test_wheel_marks_the_package_as_typed(wheel):
    """py.typed (PEP 561) ships, so type checkers read the library's annotations."""
    assert "lineage/py.typed" in zipfile.ZipFile(wheel).namelist()


def test_wheel_carries_the_pages_own_script_and_style(wheel):
    """The view template and the served query page read these files at run time."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for part in ("page.html", "query.js", "query.css"):
        assert f"lineage/outputs/query_page/{part}" in names
    for part in ("template.html", "view.js", "view.css"):
        assert f"lineage/outputs/views/{part}" in names


def test_installed_wheel_answers_from_an_empty_directory(wheel, tmp_path):
    target, empty = tmp_path / "site", tmp_path / "elsewhere"
    empty.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = "import lineage.paths as p; print(p.ontology_dir())"
    where = subprocess.run([sys.executable, "-c", probe], cwd=empty, env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    assert where.startswith(str(target)), "the test imported the source checkout, not the wheel"
    run = [sys.executable, "-c", "from lineage.cli import main; main()"]
    info = subprocess.run(run + ["info"], cwd=empty, env=env, capture_output=True, text=True)
    assert info.returncode == 0, info.stderr
    assert "sources:" in info.stdout and "validation: valid" in info.stdout
    check = subprocess.run(run + ["validate"], cwd=empty, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
