"""Every namespace and named-graph IRI the project uses, defined once (docs/architecture.md)."""

from functools import lru_cache

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, QB, RDF, RDFS, SH, SKOS, XSD, ORG

BASE = "https://w3id.org/lineage/"
LIN = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
SHAPES = Namespace(BASE + "shapes#")
INST = Namespace(BASE + "id/inst/")
EVENT = Namespace(BASE + "id/event/")
REL = Namespace(BASE + "id/rel/")
SRC = Namespace(BASE + "id/src/")
POLICY = Namespace(BASE + "id/policy/")
OBS = Namespace(BASE + "id/obs/")
#: SPARQL 1.1 Service Description and the W3C format identifiers (for `serve`'s description).
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
PERSON = Namespace(BASE + "id/person/")
SCHEMA = Namespace("https://schema.org/")
GRAPH = Namespace(BASE + "graph/")
#: Reviewers' verdicts on sampled facts (`lineage audit --record`).
AUDIT = Namespace(BASE + "id/audit/")
#: External registries that skos:exactMatch links point into (`lineage link`).
ROR = Namespace("https://ror.org/")
WIKIDATA_ENTITY = Namespace("http://www.wikidata.org/entity/")
#: The ROR data dump's concept DOI on Zenodo (every release), cited as a dump's address.
ROR_DUMP_DOI = "https://doi.org/10.5281/zenodo.6347574"

#: Named graph holding the materialised shortcut edges.
DERIVED_GRAPH = GRAPH["derived"]
#: Named graph holding the ontology and the SKOS schemes.
ONTOLOGY_GRAPH = GRAPH["ontology"]
#: Prefix of the graphs a replacement is loaded into before it is switched in.
STAGING_GRAPHS = str(GRAPH["staging/"])

#: Prefixes pre-bound in every query and used when printing IRIs.
PREFIXES: dict[str, str] = {
    "lin": str(LIN),
    "inst": str(INST),
    "event": str(EVENT),
    "rel": str(REL),
    "src": str(SRC),
    "policy": str(POLICY),
    "obs": str(OBS),
    "person": str(PERSON),
    "org": str(ORG),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "qb": str(QB),
    "sh": str(SH),
    "schema": str(SCHEMA),
    "lsh": str(SHAPES),
    "audit": str(AUDIT),
}

#: Events that found or accept an institution: their originals are founders, lead units or
#: the institution itself, not predecessors, so they are not lineage hops.
NON_LINEAGE_EVENTS = (LIN.Establishment, LIN.Acceptance)

#: Properties only the derive step may write.
DERIVED_PROPERTIES = (
    LIN.succeededBy,
    LIN.precededBy,
    LIN.pendingSuccessor,
    LIN.convertedInto,
    LIN.mergedInto,
    LIN.supportingUnit,
    LIN.managingUnit,
)


def sparql_prologue() -> str:
    """The PREFIX lines for every project prefix, for engines that take no prefix map."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


@lru_cache(maxsize=65536)
def shorten(iri: str) -> str:
    """A prefixed name for an IRI in a project namespace, else the IRI itself (memoised: views
    and traces shorten the same type and status IRIs tens of thousands of times)."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best:
        local = iri[len(best):]
        if local and "/" not in local and "#" not in local:
            return f"{name}:{local}"
    return iri


def expand(name: str) -> str | None:
    """The IRI for a prefixed name with a project prefix, or None."""
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return None
