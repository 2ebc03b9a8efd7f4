"""The corpus of bad configs in tests/invalid/config: each is exit 2 with file:line and field.

Each case states what it expects in ``# expect:`` comment lines (``{file}`` is the path).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import invoke

CASES = sorted((Path(__file__).parent / "invalid" / "config").glob("*.yaml"))


def _expectations(path: Path) -> list[str]:
    return [
        line.removeprefix("# expect:").strip().replace("{file}", str(path))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# expect:")
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_config_is_exit_2_with_location(case: Path) -> None:
    expected = _expectations(case)
    assert expected, f"{case.name} states no expectation"
    result = invoke(["unit-costs", "-c", str(case)], code=2)
    err = " ".join(result.stderr.split())  # rich may wrap long lines
    for text in expected:
        assert " ".join(text.split()) in err, f"missing {text!r} in:\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = invoke(["unit-costs", "-c", str(missing)], code=2)
    assert f"{missing}: file not found" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback() -> None:
    case = Path(__file__).parent / "invalid" / "config" / "negative_salary.yaml"
    result = invoke(["unit-costs", "-c", str(case), "--debug"], code=2)
    assert "Traceback" in result.stderr
