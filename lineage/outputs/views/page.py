"""Assemble one self-contained HTML page: pyvis generates it, from our template, with
vis-network inline and the data as a JSON island.

The nodes and edges are handed to a `pyvis.network.Network` in bulk (its lists assigned
directly: add_node one by one took 12.6 s for 20,000 nodes) and the page is written by pyvis's
own `generate_html`, but from our template, never pyvis's (it loads Bootstrap from a CDN and
turns titles containing "href" into HTML). Data reaches the page only as escaped JSON that the
page script reads with JSON.parse and inserts as text; a Content-Security-Policy allows exactly
the inline scripts and styles of this page, by hash, and no network at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import orjson
from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined
from pyvis.network import Network

from ...version import __version__
from ..scripts import own_script

VIS_VERSION = "vis-9.1.2"
_HERE = Path(__file__).resolve().parent
TEMPLATE = "template.html"
#: What may not appear as itself in a JSON island, with its JSON escape: three ASCII
#: characters, replaced in the UTF-8 bytes, and the two line separators, in the text.
_JSON_ESCAPES = tuple((char.encode("ascii"), escape.encode("ascii")) for char, escape in (
    ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")))
_SEPARATOR_ESCAPES = (("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
_CLOSERS = re.compile(r"</(script|style)|<!--", re.IGNORECASE)


def json_island(data) -> str:
    """JSON safe inside a <script type="application/json"> element: no '<', '>', '&', U+2028/9.

    orjson writes the same compact UTF-8 text as json.dumps(ensure_ascii=False) in a seventh
    of the time (0.08 s against 0.6 s for a 20,000-node view). Each escape is a plain search
    first (a replace would copy the whole text): a byte search for the ASCII ones, and for
    the separators a search of the decoded text, a sixth of the time a search for their
    three UTF-8 bytes took (5 ms against 31 ms for a 20,000-node view)."""
    raw = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    for char, escape in _JSON_ESCAPES:
        if char in raw:
            raw = raw.replace(char, escape)
    text = raw.decode("utf-8")
    for char, escape in _SEPARATOR_ESCAPES:
        if char in text:
            text = text.replace(char, escape)
    return text


def csp_hash(text: str) -> str:
    """The CSP source expression allowing one inline script or style with exactly this text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(scripts: list[str], styles: list[str]) -> str:
    """No network, no plugins, no forms; only these inline scripts and styles run."""
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(map(csp_hash, scripts)),
        "style-src " + " ".join(map(csp_hash, styles)),
        "img-src data:",
        "font-src 'none'",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def _pyvis_file(name: str) -> str:
    """A file of the vis-network build that ships inside the pyvis wheel."""
    path = resources.files("pyvis").joinpath("templates", "lib", VIS_VERSION, name)
    return path.read_bytes().decode("utf-8")


def _own_file(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def _inline_safe(text: str, name: str) -> str:
    """Text fit to sit inside <script>/<style>, exactly as the browser will see (and hash) it.

    Line ends are normalised as the HTML parser does (CRLF -> LF), nothing may close the
    element early, and no URL remains: '://' becomes ':\\/\\/', the same string in JS."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CLOSERS.search(text) or "\x00" in text:
        raise ValueError(f"{name} contains a closing tag, comment opener or NUL; cannot inline it")
    return text.replace("://", ":\\/\\/")


@lru_cache(maxsize=1)
def assets() -> dict[str, str]:
    """The page's fixed parts: template, vis-network JS and CSS, our JS and CSS."""
    return {
        "template": _own_file("template.html"),
        "vis_js": _inline_safe(_pyvis_file("vis-network.min.js"), "vis-network.min.js"),
        "vis_css": _inline_safe(_pyvis_file("vis-network.css"), "vis-network.css"),
        "view_js": _inline_safe(own_script(_HERE / "view.js"), "view.js"),
        "view_css": _inline_safe(_own_file("view.css"), "view.css"),
    }


def _attribute(text: str) -> str:
    """Text for a double-quoted attribute (a CSP's single quotes stay readable)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


@lru_cache(maxsize=1)
def _slots() -> dict[str, str]:
    """The template's fixed values, each already escaped for where it goes."""
    parts = assets()
    scripts = [parts["vis_js"], parts["view_js"]]
    styles = [parts["vis_css"], parts["view_css"]]
    return {
        "CSP": _attribute(content_security_policy(scripts, styles)),
        "VERSION": _attribute(__version__),
        "VIS_CSS": parts["vis_css"],
        "VIEW_CSS": parts["view_css"],
        "VIS_JS": parts["vis_js"],
        "VIEW_JS": parts["view_js"],
    }


class _CompiledOnce(BytecodeCache):
    """Compiled templates kept in memory for the process. Each page has an Environment of
    its own (its globals hold that page's data), and compiling the template again for each
    was most of what setting one up cost; a changed template is compiled anew (jinja checks
    the source's checksum)."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledOnce()


class ViewNetwork(Network):
    """A pyvis Network holding one view: its `nodes` and `edges` are the view's lists (restyle
    them freely), the other tables ride along, and `generate_html`, `write_html` and `show`
    write our offline, CSP-locked page."""

    def __init__(self, data: dict, title: str):
        super().__init__(heading=title, directed=True, cdn_resources="in_line")
        self.nodes, self.edges = data["nodes"], data["edges"]
        self.node_ids = [n["id"] for n in self.nodes]  # pyvis's own bookkeeping, so that
        self.node_map = {n["id"]: n for n in self.nodes}  # add_node/add_edge still work
        self.tables = {k: v for k, v in data.items() if k not in ("nodes", "edges")}
        self.use_lineage_template()

    def use_lineage_template(self) -> None:
        """Set our template (lineage/views/template.html) as pyvis's template, with the page's
        fixed parts and the data island as its globals; nothing in it is autoescaped because
        every value is escaped for its place already."""
        self.path, self.template_dir = TEMPLATE, str(_HERE) + "/"
        self.templateEnv = Environment(loader=FileSystemLoader(self.template_dir),
                                       autoescape=False, undefined=StrictUndefined,
                                       keep_trailing_newline=True, bytecode_cache=_COMPILED)
        self.templateEnv.globals.update(_slots(), island=self._island)
        self.template = self.templateEnv.get_template(TEMPLATE)  # what show() in a notebook uses

    def _island(self, nodes: list[dict], edges: list[dict]) -> str:
        return json_island({**self.tables, "nodes": nodes, "edges": edges})


def view_network(data: dict, title: str) -> ViewNetwork:
    """The pyvis Network of a view's data (see build.View.data)."""
    return ViewNetwork(data, title)


def render_page(data: dict, title: str) -> str:
    """The HTML page for a view's data, through pyvis's generate_html and our template."""
    return view_network(data, title).generate_html()
