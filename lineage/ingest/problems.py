"""Import problems: every error names the file and the row (CSV/YAML) or line and column (RDF)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    row: int | None = None  # spreadsheet row (the header is row 1) or YAML line
    column: str | int | None = None  # a CSV/YAML column name, or an RDF column number
    value: str | None = None
    line: int | None = None  # RDF line
    parameter: str | None = None  # the import parameter that would lift it ("replace")

    def __str__(self) -> str:
        if self.line is not None:
            where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        elif self.row is not None:
            where = f"{self.file}, row {self.row}" + (f", column {self.column!r}" if self.column else "")
        else:
            where = self.file
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.message}{shown}"


class ImportRefused(InputError):
    """Nothing was imported: the files hold these problems (all of them, up to a limit)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.parameter = next((p.parameter for p in problems if p.parameter), None)
        if len(problems) == 1:
            super().__init__(str(problems[0]))
            return
        more = " (showing the first 50)" if len(problems) >= 50 else ""
        super().__init__(f"{len(problems)} problems, nothing was loaded{more}:\n"
                         + "\n".join(f"  {p}" for p in problems))

    def __str__(self) -> str:
        return self.args[0]
