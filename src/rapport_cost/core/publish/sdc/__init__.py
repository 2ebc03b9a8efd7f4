"""Statistical disclosure control (SDC) of published tables (M-60 to M-61).

Modules: :mod:`.rules` (policies, count rules), :mod:`.controlled` (the result type),
:mod:`.secondary` (secondary suppression) and :mod:`.tables` (whole tables); their public
names are re-exported here.

Policies (M-60):

``"nhsd2018"`` (default)
    NHS Digital's 2018 method (M-60): a count of 0 stays 0, counts 1-7 are
    replaced by ``*``, every other count is rounded to the nearest 5. Totals are
    computed from the unrounded values and then controlled like any other count.
``"suppress_lt5"``
    Counts 1-4 are replaced by ``*``, nothing is rounded, and complementary
    (secondary) suppression (M-61) makes sure no ``*`` can be worked back from the
    published totals.
``"none"``
    Nothing is controlled; the result carries :data:`WATERMARK`.

Representation of suppressed cells
----------------------------------
The numeric primitives (:func:`suppress_secondary`, :func:`recoverable_cells`, ...)
work on integer arrays and boolean masks (``True`` = suppressed). The table-level
functions (:func:`control_table`, :func:`control_count_table`) return a
:class:`ControlledTable`:

* ``table``: a new DataFrame. Every controlled column has object dtype and holds
  Python ``int`` (counts), ``float`` (statistics, shares; NaN = not defined) or the
  string :data:`SUPPRESSED` (``"*"``). Print it as-is for CSV, Markdown, XLSX and the
  terminal.
* ``suppressed``: a boolean DataFrame with the same index and columns.
* :meth:`ControlledTable.with_nulls` gives typed columns with nulls in place of
  ``*`` (JSON, Parquet), and :meth:`ControlledTable.suppressed_cells` lists the
  suppressed cells, so that a null that means "suppressed" can be told apart from
  a null that means "not defined".

Secondary suppression and the recoverability check
---------------------------------------------------
A table "with margins" is passed *as published*: the parts plus their totals, in
one integer array. ``margins`` says where the totals are:

``"row_totals"``
    shape ``(n_rows, n_cols + 1)``; the last column holds each row's total.
``"column_totals"``
    shape ``(n_rows + 1, n_cols)``; the last row holds each column's total.
``"both"``
    shape ``(n_rows + 1, n_cols + 1)``; row totals, column totals and the grand total.

Each full line of that array (a row, or a column) that ends in a total is one
linear relation ``sum(parts) = total``. The lines are visited top to bottom, then
left to right, and suppressions take effect at once (this fixes the result when
M-61's "ties by position" leaves a choice).

The recoverability check is linear algebra only: it does not use that counts are
whole numbers >= 0 (two suppressed cells that sum to 2 and are each 1-4 can only
both be 1). Interval (bounds) protection is not attempted.
"""

from __future__ import annotations

from rapport_cost.core.publish.sdc.controlled import ControlledTable
from rapport_cost.core.publish.sdc.rules import (
    LT5_MAX_SUPPRESSED,
    MARGINS,
    NHSD2018_MAX_SUPPRESSED,
    POLICIES,
    STATISTICS_MAX_N,
    SUPPRESSED,
    WATERMARK,
    Margins,
    Policy,
    RecoverableCell,
    control_count,
    primary_suppression,
    round5,
)
from rapport_cost.core.publish.sdc.secondary import (
    recoverable_cells,
    suppress_secondary,
    with_margins,
)
from rapport_cost.core.publish.sdc.tables import control_count_table, control_table

__all__ = [
    "LT5_MAX_SUPPRESSED",
    "MARGINS",
    "NHSD2018_MAX_SUPPRESSED",
    "POLICIES",
    "STATISTICS_MAX_N",
    "SUPPRESSED",
    "WATERMARK",
    "ControlledTable",
    "Margins",
    "Policy",
    "RecoverableCell",
    "control_count",
    "control_count_table",
    "control_table",
    "primary_suppression",
    "recoverable_cells",
    "round5",
    "suppress_secondary",
    "with_margins",
]
