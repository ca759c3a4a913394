"""Errors raised for invalid input.

Solver outcomes (infeasible, unbounded, time limit) are never raised here: they
are reported by :class:`greenpark.solve.SolveResult` and the
:class:`greenpark.results.Schedule` status.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    Attributes
    ----------
    path : str
        Where it is: a field path in the park file (``assets[3].power_kw``) or a
        dataset file (``datasets/loads/loads.csv``).
    message : str
        What is wrong, in words a park energy manager understands.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ParkValidationError(ValueError):
    """The park file, its datasets or the run options are invalid.

    Carries *every* problem found, not only the first one, in ``problems``.
    """

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        n = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}{n} problem{'s' if n != 1 else ''} found\n{lines}")
