"""lineage: a sourced knowledge graph of institutional lineage, and the toolkit around it."""

from .version import __version__

__all__ = ["Lineage", "__version__"]


def __getattr__(name: str):
    # The facade pulls in rdflib and pyoxigraph; defer that until someone asks for it,
    # so `lineage --help` stays fast.
    if name == "Lineage":
        from .api import Lineage

        return Lineage
    raise AttributeError(name)
