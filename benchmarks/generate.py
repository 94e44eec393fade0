"""Synthetic lineage graphs in the lineage data model (docs/architecture.md), written as N-Triples.

    python benchmarks/generate.py --institutions 10000 --seed 1 -o /tmp/lineage-10k.nt

Seeded and reproducible: the same --institutions and --seed give the same bytes. About 9
triples per institution overall:

- institutions (NETRC, NTIC, NERC, NEL centres; universities, enterprises, research institutes
  and government bodies as their units), each with its type, exactly one rdfs:label @en and one
  @zh, a dcterms:source, and for family founders and units a lin:established date;
- a few shared lin:Source nodes (dcterms:title, dcterms:date) that everything cites;
- org:Membership nodes (supporting unit, co-builder, managing unit) for about 40% of the centres,
  with lin:from (and sometimes lin:until);
- lineage families: chains of conversions and renamings of varying length (a few long ones),
  mergers (2-4 originals, each with its own short history, into one result that may go on),
  splits (one into 2-3 that may go on) and a few dissolutions; every event with lin:status
  (mostly lin:Approved, some lin:Applied), a dcterms:date of mixed precision (xsd:gYear,
  xsd:gYearMonth, xsd:date; always later than what it follows) and a dcterms:source;
- one fixed "probe" family, identical at every size and seed, placed in the middle of the file:
  a chain with a merger and a split, whose middle institution (PROBE_ROOT) is what the
  benchmarks trace. Its lineage has PROBE_LINEAGE_SIZE institutions in both directions.

No rdflib: lines are written directly, so 300,000 institutions take a few seconds.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

BASE = "https://w3id.org/lineage/"
LIN = BASE + "ontology#"
INST = BASE + "id/inst/"
EVENT = BASE + "id/event/"
REL = BASE + "id/rel/"
SRC = BASE + "id/src/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
SOURCE, TITLE, DATE = f"<{DCT}source>", f"<{DCT}title>", f"<{DCT}date>"
ORIGINAL, RESULT = f"<{ORG}originalOrganization>", f"<{ORG}resultingOrganization>"
MEMBER, ORGANIZATION, ROLE = f"<{ORG}member>", f"<{ORG}organization>", f"<{ORG}role>"
MEMBERSHIP = f"<{ORG}Membership>"
STATUS, ESTABLISHED = f"<{LIN}status>", f"<{LIN}established>"
FROM, UNTIL = f"<{LIN}from>", f"<{LIN}until>"


def lin(name: str) -> str:
    return f"<{LIN}{name}>"


NETRC, NTIC, NERC, NEL = ("NationalEngineeringTechnologyResearchCenter",
                          "NationalTechnologyInnovationCenter",
                          "NationalEngineeringResearchCenter", "NationalEngineeringLaboratory")
UNIVERSITY, ENTERPRISE, INSTITUTE, GOVERNMENT = ("University", "Enterprise", "ResearchInstitute",
                                                 "GovernmentBody")

#: (English pattern, Chinese pattern) of each type's names; {t} topic, {n} number.
NAMES = {
    NETRC: ("National {t} Engineering Technology Research Center No. {n}", "国家{t}工程技术研究中心（第{n}号）"),
    NTIC: ("National {t} Technology Innovation Center No. {n}", "国家{t}技术创新中心（第{n}号）"),
    NERC: ("National {t} Engineering Research Center No. {n}", "国家{t}工程研究中心（第{n}号）"),
    NEL: ("National {t} Engineering Laboratory No. {n}", "国家{t}工程实验室（第{n}号）"),
    UNIVERSITY: ("{t} University No. {n}", "{t}大学（第{n}号）"),
    ENTERPRISE: ("{t} Group Co., Ltd. No. {n}", "{t}集团有限公司（第{n}号）"),
    INSTITUTE: ("{t} Research Institute No. {n}", "{t}研究院（第{n}号）"),
    GOVERNMENT: ("{t} Administration No. {n}", "{t}管理局（第{n}号）"),
}

TOPICS = [
    ("Wheat", "小麦"), ("Rice", "水稻"), ("Maize", "玉米"), ("Soybean", "大豆"), ("Cotton", "棉花"),
    ("Rapeseed", "油菜"), ("Tea", "茶叶"), ("Fruit Tree", "果树"), ("Vegetable", "蔬菜"),
    ("Forestry", "林业"), ("Marine Fisheries", "海洋渔业"), ("Animal Husbandry", "畜牧"),
    ("Veterinary Biologics", "兽用生物制品"), ("Fertiliser", "肥料"), ("Water-Saving Irrigation", "节水灌溉"),
    ("Agricultural Machinery", "农业机械"), ("Food Processing", "食品加工"), ("Dairy", "乳业"),
    ("Coal Processing", "煤炭加工"), ("Clean Coal", "洁净煤"), ("Petroleum Refining", "石油炼制"),
    ("Natural Gas", "天然气"), ("Wind Power", "风电"), ("Photovoltaics", "光伏"), ("Hydropower", "水电"),
    ("Nuclear Power", "核电"), ("Power Grid", "电网"), ("Energy Storage", "储能"), ("Hydrogen", "氢能"),
    ("Steel", "钢铁"), ("Magnesium Alloy", "镁合金"), ("Aluminium", "铝"), ("Titanium", "钛"),
    ("Rare Earth", "稀土"), ("Advanced Ceramics", "先进陶瓷"), ("Polymer Materials", "高分子材料"),
    ("Composite Materials", "复合材料"), ("Glass", "玻璃"), ("Cement", "水泥"), ("Textiles", "纺织"),
    ("Paper", "造纸"), ("Fine Chemicals", "精细化工"), ("Catalysis", "催化"), ("Pharmaceuticals", "制药"),
    ("Traditional Chinese Medicine", "中药"), ("Vaccines", "疫苗"), ("Medical Devices", "医疗器械"),
    ("Biomaterials", "生物材料"), ("Gene Engineering", "基因工程"), ("Integrated Circuits", "集成电路"),
    ("Optoelectronics", "光电子"), ("Lasers", "激光"), ("Software", "软件"),
    ("Computer Networks", "计算机网络"), ("Information Security", "信息安全"),
    ("Satellite Navigation", "卫星导航"), ("Robotics", "机器人"), ("Machine Tools", "机床"),
    ("Automobiles", "汽车"), ("Rail Transit", "轨道交通"), ("Shipbuilding", "船舶"), ("Aviation", "航空"),
    ("Highways", "公路"), ("Bridges", "桥梁"), ("Tunnels", "隧道"), ("Ports", "港口"),
    ("Water Resources", "水资源"), ("Environmental Protection", "环境保护"),
    ("Waste Recycling", "废物资源化"), ("Earthquake Engineering", "地震工程"),
]

#: What a centre of one type may be converted into.
CONVERTS_TO = {NETRC: (NTIC, NERC, NTIC), NEL: (NERC,), NERC: (NERC, NTIC), NTIC: (NTIC,)}
FAMILY_START_TYPES = (NETRC, NETRC, NEL, NEL, NERC, NTIC)

#: The probe family (same at every size and seed): index -> (type, topic).
PROBE_SLUG = "benchmark-probe-{i}"
PROBE_MEMBERS = {
    0: (NEL, "Probe Alloy"), 1: (NERC, "Probe Alloy"), 2: (NERC, "Probe Alloy Materials"),
    "q0": (NEL, "Probe Casting"), "q1": (NETRC, "Probe Forging"),
    3: (NERC, "Probe Metals"), 4: (NERC, "Probe Advanced Metals"),
    "5a": (NTIC, "Probe Light Metals"), "5b": (NERC, "Probe Heavy Metals"),
    6: (NTIC, "Probe Light Alloys"), 7: (NTIC, "Probe Aerospace Alloys"),
}
#: (event kind, originals, results, year)
PROBE_EVENTS = [
    ("Conversion", [0], [1], 1998), ("Renaming", [1], [2], 2003),
    ("Merger", [2, "q0", "q1"], [3], 2009), ("Renaming", [3], [4], 2013),
    ("Split", [4], ["5a", "5b"], 2016), ("Conversion", ["5a"], [6], 2019),
    ("Renaming", [6], [7], 2021),
]
PROBE_ROOT = INST + PROBE_SLUG.format(i=4)
#: Institutions in the probe root's lineage (both directions, the root included).
PROBE_LINEAGE_SIZE = 11


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Writer:
    """Writes N-Triples lines and counts them."""

    def __init__(self, out, rng: random.Random, n_sources: int):
        self.out, self.rng = out, rng
        self.triples = 0
        self.sources = [f"<{SRC}synthetic-source-{i:03d}>" for i in range(n_sources)]
        self.counts: dict[str, int] = {}

    def t(self, s: str, p: str, o: str) -> None:
        self.out.write(f"{s} {p} {o} .\n")
        self.triples += 1

    def count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def source(self) -> str:
        return self.sources[self.rng.randrange(len(self.sources))]

    def date(self, year: int) -> str:
        """A date of honest but mixed precision within `year`."""
        r = self.rng.random()
        if r < 0.4:
            return f'"{year}"^^<{XSD}gYear>'
        month = self.rng.randint(1, 12)
        if r < 0.7:
            return f'"{year}-{month:02d}"^^<{XSD}gYearMonth>'
        return f'"{year}-{month:02d}-{self.rng.randint(1, 28):02d}"^^<{XSD}date>'

    def write_sources(self) -> None:
        for i, s in enumerate(self.sources):
            self.t(s, RDF_TYPE, lin("Source"))
            self.t(s, TITLE, f'"合成数据来源 {i:03d}：国家科技创新基地名单"@zh')
            self.t(s, DATE, f'"{2000 + i % 25}"^^<{XSD}gYear>')
            self.count("Source")


class Generator:
    def __init__(self, institutions: int, seed: int, out):
        self.n = institutions
        self.rng = random.Random(seed)
        self.w = Writer(out, self.rng, n_sources=12 + institutions // 5000)
        self.made = 0  # institutions written so far
        self.events = 0
        self.memberships = 0
        self.units: list[str] = []
        self.governments: list[str] = []

    # -- nodes -------------------------------------------------------------------------------
    def institution(self, kind: str, established: int | None = None, slug: str | None = None,
                    topic: tuple[str, str] | None = None) -> str:
        self.made += 1
        number = self.made
        en_topic, zh_topic = topic or TOPICS[self.rng.randrange(len(TOPICS))]
        en, zh = NAMES[kind]
        label_en = en.format(t=en_topic, n=number)
        iri = f"<{INST}{slug or slugify(label_en)}>"
        w = self.w
        w.t(iri, RDF_TYPE, lin(kind))
        w.t(iri, LABEL, f'"{label_en}"@en')
        w.t(iri, LABEL, f'"{zh.format(t=zh_topic, n=number)}"@zh')
        w.t(iri, lin("labelIsTranslation"), f'"true"^^<{XSD}boolean>')  # invented names: ours
        w.t(iri, SOURCE, w.source())
        if established is not None:
            w.t(iri, ESTABLISHED, w.date(established))
        w.count(kind)
        return iri

    def event(self, kind: str, originals: list[str], results: list[str], year: int,
              status: str | None = None) -> None:
        self.events += 1
        e = f"<{EVENT}synthetic-{kind.lower()}-{self.events}>"
        w = self.w
        w.t(e, RDF_TYPE, lin(kind))
        for o in originals:
            w.t(e, ORIGINAL, o)
        for r in results:
            w.t(e, RESULT, r)
        if status is None:
            status = "Applied" if self.rng.random() < 0.12 else "Approved"
        w.t(e, STATUS, lin(status))
        w.t(e, DATE, w.date(year))
        w.t(e, SOURCE, w.source())
        w.count(kind)

    def membership(self, member: str, year: int) -> None:
        if not self.units:
            return
        self.memberships += 1
        m = f"<{REL}synthetic-membership-{self.memberships}>"
        r = self.rng.random()
        if r < 0.1 and self.governments:
            role, unit = "ManagingUnit", self.rng.choice(self.governments)
        else:
            role = "CoBuilder" if r < 0.2 else "SupportingUnit"
            unit = self.units[self.rng.randrange(len(self.units))]
        w = self.w
        w.t(m, RDF_TYPE, MEMBERSHIP)
        w.t(m, MEMBER, member)
        w.t(m, ORGANIZATION, unit)
        w.t(m, ROLE, lin(role))
        w.t(m, SOURCE, w.source())
        if self.rng.random() < 0.5:
            w.t(m, FROM, w.date(year))
            if self.rng.random() < 0.1:
                w.t(m, UNTIL, w.date(year + self.rng.randint(1, 8)))
        w.count("Membership")

    def centre(self, kind: str, year: int, established: bool = False) -> str:
        iri = self.institution(kind, established=year if established else None)
        if self.rng.random() < 0.4:
            self.membership(iri, year)
        return iri

    # -- families ------------------------------------------------------------------------------
    def chain_length(self, low: int = 2) -> int:
        """Geometric lengths (mean about low + 1.5) with an occasional long chain."""
        if self.rng.random() < 0.01:
            return self.rng.randint(12, 30)
        length = low
        while self.rng.random() < 0.6 and length < 12:
            length += 1
        return length

    def next_kind(self, kind: str) -> tuple[str, str]:
        """(event, resulting type) of one hop from a centre of `kind`."""
        if self.rng.random() < 0.3:
            return "Renaming", kind
        return "Conversion", self.rng.choice(CONVERTS_TO[kind])

    def extend(self, start: str, kind: str, year: int, hops: int) -> tuple[str, str, int]:
        """Follow a centre with `hops` conversions or renamings; returns the last one."""
        current = start
        for _ in range(hops):
            if self.made >= self.n:
                break
            year += self.rng.randint(1, 3)
            event, kind = self.next_kind(kind)
            following = self.centre(kind, year)
            self.event(event, [current], [following], year)
            current = following
        return current, kind, year

    def maybe_dissolve(self, last: str, year: int) -> None:
        if self.rng.random() < 0.03:
            self.event("Dissolution", [last], [], year + self.rng.randint(1, 3))

    def family(self) -> None:
        rng = self.rng
        year = rng.randint(1985, 2000)
        kind = rng.choice(FAMILY_START_TYPES)
        r = rng.random()
        if r < 0.35:  # a centre without lineage events
            self.centre(kind, year, established=True)
        elif r < 0.75:  # a chain
            first = self.centre(kind, year, established=True)
            last, _, year = self.extend(first, kind, year, self.chain_length() - 1)
            self.maybe_dissolve(last, year)
        elif r < 0.9:  # a merger of 2-4 originals, each with a short history, then onwards
            originals, latest = [], year
            for _ in range(rng.randint(2, 4)):
                if self.made >= self.n - 1:
                    break
                start_year = year + rng.randint(0, 3)
                first = self.centre(kind if not originals else rng.choice(FAMILY_START_TYPES),
                                    start_year, established=True)
                last, _, end = self.extend(first, kind, start_year, rng.randint(0, 2))
                originals.append(last)
                latest = max(latest, end)
            if len(originals) < 2 or self.made >= self.n:
                return
            year = latest + rng.randint(1, 3)
            result_kind = rng.choice((NERC, NTIC))
            result = self.centre(result_kind, year)
            self.event("Merger", originals, [result], year)
            last, _, year = self.extend(result, result_kind, year, rng.randint(0, 3))
            self.maybe_dissolve(last, year)
        else:  # a split into 2-3, each going on
            first = self.centre(kind, year, established=True)
            root, kind, year = self.extend(first, kind, year, rng.randint(0, 2))
            if self.made >= self.n - 1:
                return
            year += rng.randint(1, 3)
            parts = []
            for _ in range(rng.randint(2, 3)):
                if self.made >= self.n:
                    break
                part_kind = rng.choice(CONVERTS_TO[kind])
                parts.append((self.centre(part_kind, year), part_kind))
            if len(parts) < 2:
                return
            self.event("Split", [root], [p for p, _ in parts], year)
            for part, part_kind in parts:
                self.extend(part, part_kind, year, rng.randint(0, 2))

    def probe(self) -> None:
        """The fixed family the benchmarks trace (see PROBE_ROOT); no randomness."""
        iris = {}
        for key, (kind, topic) in PROBE_MEMBERS.items():
            iris[key] = self.institution(kind, slug=PROBE_SLUG.format(i=key), topic=(topic, "探针"))
            if key in (0, "q0", "q1"):
                self.w.t(iris[key], ESTABLISHED, f'"1993"^^<{XSD}gYear>')
        for kind, originals, results, year in PROBE_EVENTS:
            self.event(kind, [iris[o] for o in originals], [iris[r] for r in results], year,
                       status="Approved")

    # -- the whole graph -----------------------------------------------------------------------
    def run(self) -> None:
        rng, w = self.rng, self.w
        w.write_sources()
        n_units = max(4, self.n // 5)
        for i in range(n_units):
            r = rng.random()
            kind = (GOVERNMENT if (r < 0.05 or i < 3) else UNIVERSITY if r < 0.5
                    else ENTERPRISE if r < 0.8 else INSTITUTE)
            iri = self.institution(kind, established=rng.randint(1950, 1995))
            (self.governments if kind == GOVERNMENT else self.units).append(iri)
        probe_at = max(self.made, self.n // 2)
        probed = False
        while self.made < self.n:
            if not probed and self.made >= probe_at and self.n - self.made >= len(PROBE_MEMBERS):
                self.probe()
                probed = True
                continue
            self.family()
        if not probed:
            self.probe()


def generate(institutions: int, seed: int, output: str | Path) -> dict:
    """Write the graph; returns what was written (counts, triples, seconds)."""
    started = time.perf_counter()
    with open(output, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        g = Generator(institutions, seed, out)
        g.run()
    counts = dict(sorted(g.w.counts.items()))
    return {"institutions": g.made, "events": g.events, "memberships": g.memberships,
            "sources": len(g.w.sources), "triples": g.w.triples, "counts": counts,
            "probe_root": PROBE_ROOT, "seconds": time.perf_counter() - started,
            "bytes": Path(output).stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--institutions", "-n", type=int, required=True,
                        help="number of institutions (e.g. 1000, 10000, 100000, 300000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", required=True, help="N-Triples file to write")
    args = parser.parse_args(argv)
    if args.institutions < len(PROBE_MEMBERS) + 4:
        parser.error(f"--institutions must be at least {len(PROBE_MEMBERS) + 4}")
    info = generate(args.institutions, args.seed, args.output)
    print(f"{args.output}: {info['institutions']:,} institutions, {info['events']:,} events, "
          f"{info['memberships']:,} memberships, {info['sources']} sources, "
          f"{info['triples']:,} triples ({info['triples'] / info['institutions']:.1f} per "
          f"institution), {info['bytes'] / 1e6:.1f} MB in {info['seconds']:.2f} s; "
          f"probe: {info['probe_root']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
