"""One exception family, and the `Problem` record organisers read.

A `Problem` is one line of feedback about the knowledge base: where (file:line), what is
wrong, and how to fix it. The loader and validator collect problems instead of raising at
the first one, so an organiser sees everything at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One finding: `knowledge/x.yaml:42: entry "id": what is wrong — how to fix it`."""

    file: str
    line: int
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        label = "warning: " if self.severity is Severity.WARNING else ""
        # Line 0: the problem is the file or folder itself, not a line in it.
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        text = f"{where}: {label}{self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems sorted by file, then line, then message (stable, deterministic output)."""
    return sorted(problems, key=lambda p: (p.file, p.line, p.message))


class TwinbotError(Exception):
    """Base of every error twinbot raises on purpose; its message is meant for humans."""


class KnowledgeError(TwinbotError):
    """The knowledge base cannot be used; `problems` says exactly why and where."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sort_problems(problems)
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        summary = f"{len(errors)} error(s) in the knowledge base"
        super().__init__("\n".join([*map(str, self.problems), summary]))


class ConfigError(TwinbotError):
    """A setting from the environment or the command line is missing or invalid."""
