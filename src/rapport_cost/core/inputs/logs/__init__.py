"""Validate the activity logs (docs/config.md, Activity logs) and turn them into typed tables.

The whole of every table is checked and every problem is collected, each with the file,
the row as a spreadsheet numbers it (the header is row 1) and the column. No row is ever
dropped silently: a problem stops the run unless the config names a policy for it
(``logs.policies``), and then :attr:`CleanLogs.policy_counts` says what the policy did.
Messages never quote a woman's id (the logs are pseudonymised health data); they point
at rows instead.

Columns may arrive as text (any reader) or already typed (numbers, dates, categoricals:
the fast CSV reader's output when the file is clean). Text is parsed on its distinct
values (:class:`_Factor`), so a column of a million rows with a few hundred distinct
values costs a few hundred parses.
"""

from __future__ import annotations

from rapport_cost.core.inputs.logs.problems import MAX_LISTED
from rapport_cost.core.inputs.logs.tables import END_COLUMNS, REQUIRED, CleanLogs, LogTable
from rapport_cost.core.inputs.logs.validate import validate_logs

__all__ = ["END_COLUMNS", "MAX_LISTED", "REQUIRED", "CleanLogs", "LogTable", "validate_logs"]
