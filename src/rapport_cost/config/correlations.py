"""Checks of the ``correlations`` section that need the rest of the document.

Each correlation must name two parameters the document declares (a name under
``parameters``, or the dotted path of an inline parameter such as ``roles.psw.salary``),
neither a share of a Dirichlet parameter, and each pair may be given once: ``[a, b, 0.3]``
and ``[b, a, 0.5]`` would be two values for one correlation. The range of each value and
a parameter paired with itself are checked by the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rapport_cost.errors import Problem, did_you_mean

DocPath = tuple[str | int, ...]

#: Sections whose mappings hold numbers that may be inline parameters.
_SECTIONS = ("roles", "resources", "programme_costs", "contact_types", "sites", "discounting")


def inline_parameters(raw: dict[str, Any]) -> set[str]:
    """Dotted paths of the inline parameters (``{value: ..., dist: ...}``) of a document."""

    def walk(node: Any, path: str) -> Iterator[str]:
        if isinstance(node, dict):
            if "value" in node or "dist" in node:
                yield path
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")

    return {p for s in _SECTIONS for p in walk(raw.get(s), s)}


def _declared(raw: dict[str, Any]) -> tuple[set[str], dict[str, str]]:
    """Names a correlation may use, and each Dirichlet share with its parameter."""
    params = raw.get("parameters")
    names: set[str] = set()
    shares: dict[str, str] = {}
    if isinstance(params, dict):
        for name, spec in params.items():
            names.add(str(name))
            dist = spec.get("dist") if isinstance(spec, dict) else None
            counts = dist.get("counts") if isinstance(dist, dict) else None
            if isinstance(dist, dict) and dist.get("type") == "dirichlet":
                shares.update({f"{name}.{c}": str(name) for c in counts or {}})
    return names | inline_parameters(raw), shares


def correlation_problems(raw: Any) -> list[tuple[DocPath, Problem]]:
    """Every correlation naming an undeclared parameter or a Dirichlet share, or repeated.

    Returns
    -------
    list of (path, problem)
        Each at ``correlations[i]``; items the schema rejects for their shape are skipped.
    """
    items = raw.get("correlations") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        return []
    names, shares = _declared(raw)
    out: list[tuple[DocPath, Problem]] = []
    seen: dict[frozenset[str], tuple[int, object]] = {}
    for i, item in enumerate(items):
        shaped = isinstance(item, list) and len(item) == 3
        if not (shaped and all(isinstance(n, str) for n in item[:2])):
            continue
        a, b, rho = item
        path: DocPath = ("correlations", i)
        field = f"correlations[{i}]"
        bad = False
        for name in dict.fromkeys((a, b)):
            if name in shares:
                msg = (
                    f"{name!r} is a share of the Dirichlet parameter {shares[name]!r}; "
                    "Dirichlet shares cannot be correlated with other parameters"
                )
                out.append((path, Problem(msg, field=field, code="dirichlet")))
                bad = True
            elif name not in names:
                msg = (
                    f"unknown parameter {name!r}{did_you_mean(name, names)} (a correlation "
                    "names a parameter under parameters: or an inline parameter's path, "
                    "e.g. roles.psw.salary)"
                )
                out.append((path, Problem(msg, field=field, code="unknown_parameter")))
                bad = True
        key = frozenset((a, b))
        if bad or len(key) < 2:
            continue
        if key in seen:
            first, first_rho = seen[key]
            same = first_rho == rho
            msg = f"the pair {a}, {b} is already given at correlations[{first}]" + (
                "" if same else f" with {first_rho} (here {rho}): give each pair once"
            )
            out.append((path, Problem(msg, field=field, code="duplicate")))
            continue
        seen[key] = (i, rho)
    return out
