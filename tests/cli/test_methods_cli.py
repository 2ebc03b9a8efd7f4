"""``rapport-cost methods``: the methods document, whole or one rule, from the bundled copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers import invoke

from rapport_cost.api.methods import rule_names
from rapport_cost.fileio.bundled import methods_text

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods.md"


def test_the_whole_document() -> None:
    assert invoke(["methods"], code=0).stdout == DOC.read_text(encoding="utf-8")
    assert methods_text() == DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("section", "first", "next_heading"),
    [
        # a rule followed by the next rule
        ("M-14", "### M-14 Staff time: explicit or contact rate", "### M-15 "),
        # the last rule of a chapter: it stops at the chapter's closing rule
        ("M-13", "### M-13 Annuitisation", "## 3. From contacts to quantities"),
        # spellings of the same rule
        ("m-14", "### M-14 ", "### M-15 "),
        ("M14", "### M-14 ", "### M-15 "),
        ("14", "### M-14 ", "### M-15 "),
    ],
)
def test_one_rule(section: str, first: str, next_heading: str) -> None:
    out = invoke(["methods", "--section", section], code=0).stdout
    text = DOC.read_text(encoding="utf-8")
    start = text.index(first)
    end = text.index(next_heading, start + 1)
    assert out.startswith(first)
    # the rule's text, up to the next heading (and the chapter's `---`), nothing after
    assert out.strip() == text[start:end].strip().removesuffix("---").strip()
    assert next_heading.strip() not in out


def test_every_rule_can_be_printed() -> None:
    names = rule_names()
    assert names == [f"M-{n}" for n in range(1, len(names) + 1)]
    for name in (names[0], names[len(names) // 2], names[-1]):
        assert invoke(["methods", "-s", name], code=0).stdout.startswith(f"### {name} ")


def test_an_unknown_rule_exits_2() -> None:
    r = invoke(["methods", "--section", "M-999"], code=2)
    err = " ".join(r.stderr.split())
    assert "'M-999' is not a rule of docs/methods.md" in err
    assert f"(rules M-1 to {rule_names()[-1]})" in err
    assert "Traceback" not in err
