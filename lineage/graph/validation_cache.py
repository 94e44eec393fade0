"""Remember the validation state of the unchanged bundled graph, so `lineage info` need not
run pySHACL (seconds) on every call. The key digests everything the answer depends on: the
package version, the ontology, the shapes, the bundled graph and every file of the package,
so no edit to the code can leave a stale "valid"."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import paths


def cache_key() -> str:
    files = [*paths.ontology_files(), paths.shapes_file(), *paths.graph_files(),
             *paths.package_files()]
    return paths.digest(files)[:32]


def _cache_file(key: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lineage" / f"validation-{key}.json"


def read(key: str) -> tuple[bool, int, int] | None:
    """(conforms, violations, warnings) from an earlier run, or None."""
    try:
        data = json.loads(_cache_file(key).read_text(encoding="utf-8"))
        return bool(data["conforms"]), int(data["violations"]), int(data["warnings"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(key: str, conforms: bool, violations: int, warnings: int) -> None:
    """Store a result; a cache that cannot be written (read-only home) is simply skipped."""
    from ..atomic import write_atomic
    from ..errors import InputError

    try:
        target = _cache_file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {"conforms": conforms, "violations": violations, "warnings": warnings}
        write_atomic(target, json.dumps(data).encode("utf-8"))
    except (OSError, InputError):  # write_atomic reports an unwritable place as InputError
        pass
