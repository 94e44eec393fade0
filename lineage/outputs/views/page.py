"""Assemble one self-contained HTML page: our template, vis-network inline, data as a JSON island.

Not pyvis's template (security-findings 6, 7: it loads Bootstrap from a CDN and turns titles
containing "href" into HTML). Data reaches the page only as escaped JSON that the page script
reads with JSON.parse and inserts as text; a Content-Security-Policy allows exactly the inline
scripts and styles of this page, by hash, and no network at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ...version import __version__

VIS_VERSION = "vis-9.1.2"
_HERE = Path(__file__).resolve().parent
_SLOT = re.compile(r"\{\{([A-Z_]+)\}\}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
_CLOSERS = re.compile(r"</(script|style)|<!--", re.IGNORECASE)


def json_island(data) -> str:
    """JSON safe inside a <script type="application/json"> element: no '<', '>', '&', U+2028/9."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


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
        "view_js": _inline_safe(_own_file("view.js"), "view.js"),
        "view_css": _inline_safe(_own_file("view.css"), "view.css"),
    }


def _attribute(text: str) -> str:
    """Text for a double-quoted attribute (a CSP's single quotes stay readable)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def render_page(data: dict, title: str) -> str:
    """The HTML page for a view's data (see build.View.data)."""
    parts = assets()
    scripts = [parts["vis_js"], parts["view_js"]]
    styles = [parts["vis_css"], parts["view_css"]]
    slots = {
        "CSP": _attribute(content_security_policy(scripts, styles)),
        "TITLE": html.escape(title, quote=True),
        "VERSION": _attribute(__version__),
        "VIS_CSS": parts["vis_css"],
        "VIEW_CSS": parts["view_css"],
        "DATA": json_island(data),
        "VIS_JS": parts["vis_js"],
        "VIEW_JS": parts["view_js"],
    }
    # One pass over the template only: text put into a slot is never scanned for more slots.
    return _SLOT.sub(lambda m: slots[m.group(1)], parts["template"])
