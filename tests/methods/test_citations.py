"""Every method citation ``M-<n>`` in the source and the docs names a rule of docs/methods.md."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
METHODS = REPO / "docs" / "methods.md"
#: A rule is a heading ``### M-<n> Title``.
RULE = re.compile(r"^#{2,4} (M-(\d+)) ", re.MULTILINE)
#: A citation anywhere: ``M-12`` as a whole word (not ``PMG-12`` or ``M-12x``).
CITATION = re.compile(r"(?<![\w-])M-(\d+)(?![\w-])")


def rules() -> list[int]:
    return [int(n) for _, n in RULE.findall(METHODS.read_text(encoding="utf-8"))]


def cited(path: Path) -> list[tuple[int, int]]:
    """(line, n) of every citation in a file."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        out += [(i, int(n)) for n in CITATION.findall(line)]
    return out


def test_rules_are_numbered_one_to_n() -> None:
    """Flat numbering: M-1, M-2, ... each once, in order."""
    numbers = rules()
    assert numbers, "docs/methods.md defines no rule"
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("folder", ["src", "docs"], ids=lambda f: f"{f}/")
def test_every_citation_resolves(folder: str) -> None:
    defined = set(rules())
    files = [
        p
        for p in sorted((REPO / folder).rglob("*"))
        if p.is_file() and p.suffix in (".py", ".md", ".txt", ".yaml", ".html")
    ]
    assert files
    missing = [
        f"{p.relative_to(REPO)}:{line}: M-{n}"
        for p in files
        for line, n in cited(p)
        if n not in defined
    ]
    assert not missing, "citations of rules docs/methods.md does not have:\n" + "\n".join(missing)


def test_the_readme_changelog_and_configs_cite_only_rules_that_exist() -> None:
    defined = set(rules())
    files = [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "configs").glob("*.yaml"))]
    missing = [f"{p.name}:{line}: M-{n}" for p in files for line, n in cited(p) if n not in defined]
    assert not missing


def test_the_citation_pattern() -> None:
    """What counts as a citation (so that the test above cannot pass by matching nothing)."""
    text = "see M-7 and (M-26); M-31, not PMG-36, M-3x or M-12-b"
    assert [int(n) for n in CITATION.findall(text)] == [7, 26, 31]
    assert cited(METHODS), "docs/methods.md cites its own rules"


#: A code reference in the document: ``rapport_cost.module.function`` in backticks.
CODE = re.compile(r"`(rapport_cost(?:\.\w+)+)`")


def test_every_function_the_document_names_exists() -> None:
    """Each rule names where it is implemented; every such name resolves in the package."""
    names = sorted(set(CODE.findall(METHODS.read_text(encoding="utf-8"))))
    assert len(names) > 40
    missing = []
    for name in names:
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):  # the longest importable module, then attributes
            try:
                obj: object = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                missing.append(name)
            break
        else:
            missing.append(name)
    assert not missing, f"docs/methods.md names code that does not exist: {missing}"
