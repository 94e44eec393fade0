"""The layers of docs/architecture.md hold: no module imports from a layer above its own
(deferred imports included), every module has a layer, and there is no import cycle."""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp
import networkx as nx
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    return contract["layers"]


@pytest.fixture(scope="module")
def imports() -> nx.DiGraph:
    graph = grimp.build_graph("lineage")
    found = nx.DiGraph()
    for module in graph.modules:
        found.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            found.add_edge(module, imported)
    return found


def test_layers_contract_is_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_every_module_of_the_package_has_a_layer(layers, imports):
    named = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    top_level = {m.split(".")[1] for m in imports.nodes if m.count(".") >= 1}
    assert top_level - named == set(), "give these modules a layer in pyproject.toml"


def test_no_import_cycle(imports):
    cycles = [c for c in nx.simple_cycles(imports) if len(c) > 1]
    assert cycles == []


def test_the_package_root_is_imported_by_no_module(imports):
    # the root re-exports the facade, so importing it from below would reach upwards
    assert sorted(imports.predecessors("lineage")) == []


def test_every_import_inside_the_package_names_a_module_that_exists():
    # deferred imports run only when their function does; a moved module must not leave one behind
    import ast

    package = ROOT / "lineage"
    broken = []
    for path in package.rglob("*.py"):
        here = list(path.relative_to(ROOT).with_suffix("").parts)[:-1]  # the file's package
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = here[:len(here) - (node.level - 1)] if node.level > 1 else here
                target = base + (node.module.split(".") if node.module else [])
                found = ROOT.joinpath(*target)
                if not (found.is_dir() or found.with_suffix(".py").exists()):
                    broken.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lineage."):
                found = ROOT.joinpath(*node.module.split("."))
                if not (found.is_dir() or found.with_suffix(".py").exists()):
                    broken.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert broken == []


def test_every_lineage_name_the_benchmarks_import_exists():
    # the benchmarks import inside their functions, so a moved module broke them silently
    # (benchmarks/closure.py still imported lineage.derive after the house plan)
    import ast
    import importlib

    broken = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "lineage":
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name) and importlib.util.find_spec(
                            f"{node.module}.{alias.name}") is None:
                        broken.append(f"{path.name}:{node.lineno} {node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "lineage" and importlib.util.find_spec(alias.name) is None:
                        broken.append(f"{path.name}:{node.lineno} {alias.name}")
    assert broken == []
