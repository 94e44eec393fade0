"""docs/notebook.ipynb runs from top to bottom and answers its questions; it is kept in git
without outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebook.ipynb"


def test_committed_notebook_has_no_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, "the notebook has no code"
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None, cell["source"]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run by nbclient on a kernel of this very interpreter (in a scratch folder)."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / "lineage-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lineage tests", "language": "python"}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(home))
        patch.setenv("JUPYTER_DATA_DIR", str(home))
        patch.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        client = nbclient.NotebookClient(notebook, kernel_name="lineage-test", timeout=600,
                                         resources={"metadata": {"path": str(home)}})
        client.execute()
    return notebook


def _outputs(notebook, marker: str) -> list[dict]:
    """The outputs of the code cell whose source contains `marker`."""
    [cell] = [c for c in notebook.cells if c.cell_type == "code" and marker in c.source]
    return cell.outputs


def _html(notebook, marker: str) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in _outputs(notebook, marker))


def _value(notebook, marker: str) -> str:
    return "".join(o.get("data", {}).get("text/plain", "") for o in _outputs(notebook, marker))


def test_notebook_answers_the_readme_questions(executed):
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    trace = _html(executed, "wheat = lg.trace(")
    assert "国家小麦技术创新中心" in trace and ">applied <i>pending</i>" in trace
    assert "'lin:Applied'" in _value(executed, "for hop in wheat.hops")
    assert _value(executed, "len(settled.hops)") == "0"
    assert int(_value(executed, "len(folded)")) > 0
    assert "<table" in _html(executed, "folded.head(10)")
    shown = _html(executed, "detail = lg.show(")
    assert "Henan Agricultural University" in shown and "supporting unit" in shown
    assert _html(executed, "view = lg.render(").startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
