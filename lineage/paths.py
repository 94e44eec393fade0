"""Where the bundled ontology and graphs live, installed (inside the wheel) or in a source
checkout, and the digests that tell whether any of them (or the code) changed."""

import hashlib
from collections.abc import Iterable
from pathlib import Path

from .version import __version__

_PACKAGE = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def ontology_dir() -> Path:
    """Folder of the OWL ontology, SKOS schemes and SHACL shapes."""
    return _resource_dir("ontology")


def graphs_dir() -> Path:
    """Folder of the curated knowledge graph files."""
    return _resource_dir("graphs")


def ontology_files() -> list[Path]:
    """The ontology files that are loaded as data (everything but the shapes)."""
    return sorted(p for p in ontology_dir().glob("*.ttl") if p.name != "shapes.ttl")


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def graph_files() -> list[Path]:
    """The bundled knowledge-graph files, in a stable order."""
    folder = graphs_dir()
    return sorted([*folder.glob("*.ttl"), *folder.glob("*.trig")])


def package_files() -> list[Path]:
    """Every file of the installed package itself (code, queries, templates), in a stable order."""
    return sorted(p for p in _PACKAGE.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and "_data" not in p.parts)


def digest(files: Iterable[Path]) -> str:
    """A digest of the package version and the names and bytes of some files."""
    hashed = hashlib.sha256(__version__.encode())
    for path in files:
        hashed.update(path.name.encode())
        hashed.update(path.read_bytes())
    return hashed.hexdigest()
