"""Where the bundled ontology and graphs live, installed (inside the wheel) or in a source checkout."""

from pathlib import Path

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
