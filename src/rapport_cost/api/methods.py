"""``methods``: the project's methods document, whole or one rule.

The document is ``docs/methods.md``, bundled in the wheel
(:func:`rapport_cost.fileio.bundled.methods_text`); each rule is a heading ``### M-<n>``.
"""

from __future__ import annotations

import re

from rapport_cost.errors import Problem, UsageError, did_you_mean
from rapport_cost.fileio.bundled import methods_text

#: A rule's heading, ``### M-14 Staff time: explicit or contact rate``.
_RULE = re.compile(r"^### (M-(\d+))\b.*$", re.MULTILINE)
#: The heading that ends a rule: the next of level 1 to 3, or a horizontal rule.
_END = re.compile(r"^(?:#{1,3} |---\s*$)", re.MULTILINE)


def rule_names(text: str | None = None) -> list[str]:
    """Every rule of the document, ``M-1``, ``M-2``, ... in order."""
    return [m.group(1) for m in _RULE.finditer(methods_text() if text is None else text)]


def methods(section: str | None = None) -> str:
    """The methods document, or the text of one rule (``M-14``, ``m-14``, ``M14`` or ``14``).

    Raises
    ------
    UsageError
        If ``section`` is not a rule of the document (the message names the closest and
        the range of rules).
    """
    text = methods_text()
    if section is None:
        return text
    wanted = section.strip().upper().removeprefix("M").lstrip("-")
    for m in _RULE.finditer(text):
        if m.group(2) == wanted:
            end = _END.search(text, m.end())
            return text[m.start() : end.start() if end else len(text)].rstrip() + "\n"
    names = rule_names(text)
    problem = (
        f"{section!r} is not a rule of docs/methods.md{did_you_mean(section, names)} "
        f"(rules {names[0]} to {names[-1]})"
    )
    msg = f"--section {problem}"
    raise UsageError(msg, [Problem(problem, field="--section")])
