"""One Q·P: only the engine reads the usage matrices and the driver prices together.

Every cost a command reports must come from :class:`rapport_cost.core.engine.Costs`. A
module that reads the quantities of the usage model (or prices drivers itself) would be a
second costing path, which could drift from the first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rapport_cost

SRC = Path(rapport_cost.__file__).parent
#: Attributes that hold quantities of cost drivers (the matrices of Q).
QUANTITIES = {"q_women", "q_lines", "q_types", "site_drivers", "q", "contact_units"}
ALLOWED = {SRC / "core" / "engine.py", *(SRC / "core" / "usage").glob("*.py")}


def _offences(path: Path, root: Path = SRC) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = ast.unparse(node.value)
            reads_q = node.attr in QUANTITIES - {"q"}
            # `.q` only as a timeline's matrix, `.undiscounted` only on a usage model,
            # `.units` only as the units a ledger's overheads gave each line
            reads_q |= node.attr == "q" and "timeline" in owner
            reads_q |= node.attr == "undiscounted" and "usage" in owner
            reads_q |= node.attr == "units" and "overheads" in owner
            if reads_q:
                out.append(f"{path.relative_to(root)}:{node.lineno}: .{node.attr}")
        if isinstance(node, ast.Name) and node.id == "driver_prices":
            out.append(f"{path.relative_to(root)}:{node.lineno}: driver_prices")
    return out


def test_only_the_engine_multiplies_quantities_by_prices() -> None:
    offences = [o for p in sorted(SRC.rglob("*.py")) if p not in ALLOWED for o in _offences(p)]
    assert offences == []


def test_the_check_finds_a_second_costing_path(tmp_path: Path) -> None:
    # the check itself can fail: a module that prices the women's quantities is found
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from rapport_cost.core.engine import driver_prices\n\n\n"
        "def cost(usage, theta):\n"
        "    p = driver_prices(theta)\n"
        "    led = usage.ledger\n"
        "    x = led.contact_units @ p + led.overheads.units.sum()\n"
        "    return usage.q_women @ p + usage.undiscounted.sum() + usage.timeline.q.sum() + x\n",
        encoding="utf-8",
    )
    found = sorted(o.split(": ", 1)[1] for o in _offences(bad, tmp_path))
    assert found == [
        ".contact_units",
        ".q",
        ".q_women",
        ".undiscounted",
        ".units",
        "driver_prices",
    ]
