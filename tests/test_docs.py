"""The README tells the truth: its commands run as shown, and CI runs its test command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def lineage_commands() -> list[str]:
    """Every `lineage ...` invocation in the README's shell blocks and transcript."""
    found = []
    for block in code_blocks("bash") + code_blocks("console"):
        for line in block.splitlines():
            line = line.removeprefix("$ ").strip()
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("lineage "):
                    found.append(part)
    return found


def test_ci_runs_the_readme_test_command():
    test_command = next(b for b in code_blocks("bash") if "pytest" in b).strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines(), "CI must run the README's test command exactly"


def test_readme_quick_start_installs_and_runs_the_main_job():
    main_job = code_blocks("bash")[0]
    assert "pip install ." in main_job and "lineage trace" in main_job


def test_every_readme_command_runs_in_order(run, tmp_path, monkeypatch):
    """Each `lineage ...` command the README shows, run in order in a fresh folder holding a
    copy of examples/, exits 0 (later commands may use what earlier ones made)."""
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    commands = lineage_commands()
    assert len(commands) > 5
    for command in commands:
        result = run(*shlex.split(command)[1:])
        assert result.exit_code == 0, f"{command!r} failed:\n{result.output}"


def test_examples_readme_documents_every_import_column():
    from lineage.ingest.mapping import COLUMNS

    text = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    for kind, columns in COLUMNS.items():
        section = text.split(f"## {kind}\n", 1)[1].split("\n## ", 1)[0]
        for column in columns:
            assert f"| `{column.name}` |" in section, f"examples/README.md misses {kind}.{column.name}"


def test_readme_transcript_matches_real_output(run):
    for block in code_blocks("console"):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, shown = chunk.partition("\n")
            actual = run(*shlex.split(command)[1:]).output
            for line in shown.splitlines():
                if line.strip() and "..." not in line:
                    assert line.rstrip() in actual, f"README shows a line `{command}` no longer prints: {line!r}"


def test_readme_python_examples_run():
    examples = code_blocks("python")
    assert examples
    for example in examples:
        printed = []
        exec(compile(example, "README.md", "exec"), {"print": lambda *a, **k: printed.append(a)})
        assert printed, f"each README Python example should print what it found:\n{example}"


def test_readme_names_every_query_barrier_and_the_strict_switch():
    from lineage.sparql import sandbox

    for name in (sandbox.NAMESPACE, sandbox.SECCOMP, sandbox.GUARD_ONLY):
        assert name in README, f"the README's SPARQL section should name the barrier {name!r}"
    assert "--strict-sandbox" in README and "LINEAGE_STRICT_SANDBOX" in README


def test_docs_pages_are_in_the_project_own_words():
    """Docs and code point to docs/, never to outside planning files or issue numbers."""
    for path in list((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        assert "DESIGN.md" not in text and "../shared" not in text, path
        assert not re.search(r"\bissue \d+", text), path


def test_code_points_to_docs_not_to_planning_files_or_issues():
    """Comments and docstrings in the package cite docs/ pages, which ship with the project."""
    for path in (ROOT / "lineage").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bDESIGN\b|\bissue \d+", text), path
        for cited in re.findall(r"docs/([\w-]+\.md)", text):
            assert (ROOT / "docs" / cited).exists(), f"{path} cites docs/{cited}, which is missing"


def test_the_readme_names_every_portable_canned_query():
    """The store section lists the canned queries a `sparql:` store runs in a portable form:
    the list must be the folder lineage/queries/portable (it fell behind once)."""
    sentence = re.search(r"On a `sparql:` store (\w+) canned queries run in a portable form(.*?)\n\n",
                         README, flags=re.S)
    assert sentence, "the README no longer says which canned queries run in a portable form"
    named = set(re.findall(r"`([a-z-]+)`", sentence.group(2)))
    portable = {p.stem for p in (ROOT / "lineage" / "queries" / "portable").glob("*.rq")}
    quality = {n for n in portable if n.startswith("quality-")}
    assert named | quality == portable and not named - portable
    words = {"four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
    assert words.get(sentence.group(1)) == len(portable)
