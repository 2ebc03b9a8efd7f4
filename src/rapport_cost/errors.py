"""One exception tree and the exit codes.

::

    * RapportError
      x InputError              -> ExitCode.INVALID_INPUT (2)
        + ConfigError           problems in the YAML config (file, line, field)
        + LogError              problems in the activity logs (file, row, column)
        + UsageError            bad command-line options
      x ModelError              -> ExitCode.MODEL_FAILED (3)
      x ExportError             -> ExitCode.EXPORT_FAILED (4)

Every input error carries a list of :class:`Problem`, so that one run reports every
problem, not just the first. A problem renders as
``configs/x.yaml:14: roles.psw.salary: must be > 0, got -3``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (README, Commands)."""

    OK = 0
    """Success."""
    CHECK_FAILED = 1
    """A check found a difference or a problem (``reproduce``, ``validate``)."""
    INVALID_INPUT = 2
    """Bad input or usage: config, logs or options."""
    MODEL_FAILED = 3
    """The analysis cannot be computed as asked."""
    EXPORT_FAILED = 4
    """An output could not be written."""


@dataclass(frozen=True)
class Problem:
    """One problem in one input, with where it is.

    Parameters
    ----------
    message
        The rule and the value, e.g. ``must be > 0, got -3``.
    file
        Path of the file as the user gave it, or ``None`` for options.
    line
        1-based line in a YAML file, or the row number as a spreadsheet shows it
        (the header is row 1).
    field
        Dotted config path (``roles.psw.salary``) or log column name.
    code
        Machine-readable reason, e.g. ``unknown_site``.
    column
        1-based column in a YAML file, where the parser knows it (a tag, a value that
        cannot be read): rendered ``file:line:column``.
    """

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    code: str = "invalid"
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            if self.line is not None and self.column is not None:
                where += f":{self.column}"
        parts = [p for p in (where, self.field) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class RapportError(Exception):
    """Base class of every error rapport-cost raises on purpose."""

    exit_code: ExitCode = ExitCode.MODEL_FAILED

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])

    def lines(self) -> list[str]:
        """The messages to show the user, one per problem."""
        if not self.problems:
            return [str(self)]
        return [str(p) for p in self.problems]


class InputError(RapportError):
    """The user gave bad input: exit code 2."""

    exit_code = ExitCode.INVALID_INPUT


class ConfigError(InputError):
    """Problems in the YAML config."""


class LogError(InputError):
    """Problems in the activity logs."""


class UsageError(InputError):
    """Bad command-line options or arguments."""


class ModelError(RapportError):
    """The analysis cannot be computed as asked: exit code 3."""

    exit_code = ExitCode.MODEL_FAILED


class ExportError(RapportError):
    """An output could not be written: exit code 4."""

    exit_code = ExitCode.EXPORT_FAILED


class RapportWarning(UserWarning):
    """Base class of numerical warnings (convergence, PSA vs deterministic, few clusters)."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` naming the candidate ``name`` was likely meant to be, or "".

    A candidate equal but for case and surrounding spaces comes first; else the closest
    spelling (difflib, ratio at least 0.6).
    """
    names = list(candidates)
    by_case = {c.casefold(): c for c in names}
    meant = by_case.get(name.strip().casefold())
    if meant is None:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        meant = close[0] if close else None
    return "" if meant is None else f"; did you mean {meant!r}?"
