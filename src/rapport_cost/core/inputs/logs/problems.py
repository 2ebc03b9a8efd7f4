"""Collecting the problems of the logs: at most :data:`MAX_LISTED` of a kind, and policies."""

from __future__ import annotations

from collections import Counter

import numpy as np

from rapport_cost.arrays import BoolArray
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs.tables import LogTable
from rapport_cost.errors import LogError, Problem

#: Problems listed per file, column and kind of problem before the rest are summarised.
MAX_LISTED = 100


class _Problems:
    """Collects problems, listing at most :data:`MAX_LISTED` of each kind per column."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def add(
        self,
        table: LogTable,
        mask: BoolArray,
        column: str | None,
        messages: str | list[str],
        code: str,
    ) -> None:
        """Report the rows where ``mask`` is true; ``messages`` has one per such row."""
        pos = np.flatnonzero(mask)
        if pos.size == 0:
            return
        rows = table.row_numbers()[pos]
        key = (table.source, column or "", code)
        listed = max(0, MAX_LISTED - self._counts[key])
        self._counts[key] += pos.size
        for i, row in enumerate(rows[:listed]):
            msg = messages if isinstance(messages, str) else messages[i]
            self.problems.append(Problem(msg, table.source, int(row), column, code))

    def raise_if_any(self) -> None:
        """Raise one :class:`LogError` with every problem found so far."""
        if not self.problems:
            return
        summary = [
            Problem(
                f"... and {n - MAX_LISTED} more rows with this problem ({code})",
                src,
                field=col or None,
                code=code,
            )
            for (src, col, code), n in self._counts.items()
            if n > MAX_LISTED
        ]
        msg = f"{sum(self._counts.values())} problem(s) in the activity logs"
        raise LogError(msg, self.problems + summary)


def _flag(
    problems: _Problems, table: LogTable, column: str, found: tuple[BoolArray, list[str]], code: str
) -> None:
    """Report the rows a plausibility check found (``core/inputs/plausible.py``)."""
    problems.add(table, found[0], column, found[1], code)


def _apply_policy(
    table: LogTable,
    problems: _Problems,
    counts: Counter[str],
    cfg: CostingConfig,
    code: str,
    mask: BoolArray,
    column: str,
    messages: list[str] | str,
) -> None:
    """Report ``mask`` rows as problems unless the config's policy for ``code`` handles them."""
    if not mask.any():
        return
    if (cfg.logs.policy(code) if cfg.logs else "error") == "error":
        hint = f" (or set logs.policies.{code})"
        msgs = messages + hint if isinstance(messages, str) else [m + hint for m in messages]
        problems.add(table, mask, column, msgs, code)
    else:
        counts[code] += int(mask.sum())
