"""docs/architecture.md stays true: every function it names exists, every column is named."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from rapport_cost import api

DOC = Path(__file__).parents[1] / "docs" / "architecture.md"
TEXT = DOC.read_text(encoding="utf-8")


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and get the rest as attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    msg = f"cannot import any prefix of {dotted}"
    raise ImportError(msg)


def test_every_named_function_exists() -> None:
    names = sorted(set(re.findall(r"`(rapport_cost(?:\.\w+)+)`", TEXT)))
    assert len(names) > 40
    missing = []
    for name in names:
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert missing == []


def _section(table: str) -> str:
    """The text of the section whose heading names ``table`` (up to the next heading)."""
    for match in re.finditer(r"^### (.+)$", TEXT, flags=re.MULTILINE):
        if f"`{table}`" in match.group(1):
            rest = TEXT[match.end() :]
            nxt = re.search(r"^##", rest, flags=re.MULTILINE)
            return rest[: nxt.start()] if nxt else rest
    pytest.fail(f"docs/architecture.md has no section for table {table!r}")


@pytest.fixture(scope="module")
def results() -> dict[str, api.Result]:
    built = api.build(None)
    return {
        "estimate": api.estimate(built),
        "psa": api.run_psa(built, draws=64, seed=1),
        "bootstrap": api.bootstrap(built, resamples=99, seed=1, method="percentile"),
        "dsa": api.dsa(built, target=700.0, two_way_parameters=("psw_salary", "working_hours")),
        "scenarios": api.scenarios(built),
        "scale-up": api.scale_up(built),
        "explain-woman": api.explain(built, woman="W00003"),
        "explain-unit": api.explain(built, unit="lancashire"),
        "explain-role": api.explain(built, role="psw"),
    }


def test_every_output_column_is_named(results: dict[str, api.Result]) -> None:
    # per-type and per-component columns are named by their pattern, not one by one
    patterns = {"mean_contacts_": "mean_contacts_<type>"}
    unnamed = []
    for result in results.values():
        for table, frame in result.tables.items():
            if table == "price_adjustments":
                continue
            section = _section(table)
            for column in frame.columns:
                shown = next((p for k, p in patterns.items() if column.startswith(k)), column)
                component = (
                    table == "per_woman"
                    and "by_component" in result.tables
                    and column in result.tables["by_component"]["component"].to_numpy()
                )
                if f"`{shown}`" not in section and not component:
                    unnamed.append(f"{table}.{column}")
    assert unnamed == []
