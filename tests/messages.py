"""What every message of a bad-input run must be: located, and free of personal data.

Shared by the sweep of the invalid corpora (tests/test_messages.py) and the hostile
corpus (tests/hostile/runner.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

#: Where a message says it is: a file (``config.yaml:14:3: ``, ``dir/contacts.csv: ``),
#: an option (``--draws``), or a dotted config field (``psa.draws``).
_LOCATED = re.compile(
    r"^(?:[^\s:]*[./][^\s:]*)(?::\d+){0,2}: "  # a path, maybe with line and column
    r"|--[a-z][a-z-]+"  # an option
    r"|\b[a-z_]{2,}\.[a-z_]{2,}\b"  # a config field
)


def error_lines(stderr: str) -> list[str]:
    """The messages of a run: each line that starts ``error:`` or ``warning:``, joined
    with its wrapped continuation lines."""
    out: list[str] = []
    for line in stderr.splitlines():
        if line.startswith(("error: ", "warning: ")):
            out.append(line)
        elif out and line.startswith(" ") and not line.strip().endswith("problems"):
            out[-1] += " " + line.strip()
    return [" ".join(m.split()) for m in out]


def unlocated(messages: Iterable[str]) -> list[str]:
    """The messages that name no file, option or field."""
    return [m for m in messages if not _LOCATED.search(m.split(": ", 1)[1] if ": " in m else m)]


def woman_ids(folder: Path) -> set[str]:
    """Every ``woman_id`` in the CSV files of ``folder`` (the women log, a costs file)."""
    ids: set[str] = set()
    for path in folder.glob("*.csv"):
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    value = (row.get("woman_id") or "").strip()
                    if value:
                        ids.add(value)
        except (UnicodeDecodeError, csv.Error):
            continue  # a deliberately broken file; its ids are in the others
    return ids


def with_ids(messages: Iterable[str], ids: set[str]) -> list[str]:
    """The messages that hold one of ``ids`` as a word (``W1`` but not ``W10``)."""
    if not ids:
        return []
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(ids))) + r")(?![\w-])")
    return [m for m in messages if pattern.search(m)]
