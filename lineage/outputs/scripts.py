"""The pages' own scripts, with the parts they share put in where each says so."""

from __future__ import annotations

import re
from pathlib import Path

_SHARED = Path(__file__).resolve().parent / "shared"
_INCLUDE = re.compile(r"^ *// include: ([a-z]+\.js)\n", re.MULTILINE)


def own_script(path: Path) -> str:
    """A page script's text with every `// include: NAME.js` line replaced by
    lineage/outputs/shared/NAME.js (read from the package, so the page stays offline)."""
    text = path.read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: (_SHARED / m.group(1)).read_text(encoding="utf-8"), text)
