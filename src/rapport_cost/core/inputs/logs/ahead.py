"""The id columns that name rows of another log, factorised ahead in a background thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from rapport_cost.core.inputs.logs.factor import _Factor
from rapport_cost.core.inputs.logs.tables import LogTable


class _Ahead:
    """The id columns that name rows of another log, factorised in a background thread.

    They are pure work (no problems reported), so they run beside the checks of the
    contacts log, which keep the other core busy; :meth:`factor` waits for the result.
    """

    COLUMNS = (("contacts", "woman_id"), ("attendance", "contact_id"), ("attendance", "woman_id"))

    def __init__(self, tables: dict[str, LogTable], pool: ThreadPoolExecutor) -> None:
        self._futures = {
            (name, col): pool.submit(_Factor.of, tables[name].frame, col)
            for name, col in self.COLUMNS
            if name in tables
        }

    def factor(self, table: LogTable, col: str) -> _Factor:
        """The factor of ``col`` of ``table`` (worked out here if not ahead)."""
        future = self._futures.get((table.name, col))
        return future.result() if future is not None else _Factor.of(table.frame, col)
