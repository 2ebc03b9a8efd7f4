"""Validation of a raw config document, and pydantic errors turned into located problems."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

from rapport_cost.config.base import _AT, _fmt, _show, percent_hint
from rapport_cost.config.correlations import correlation_problems
from rapport_cost.config.distributions import DIST_TYPES
from rapport_cost.config.overrides import DocPath, _field_names, format_path, resolve_loc
from rapport_cost.config.plausibility import plausibility
from rapport_cost.config.schema import CostingConfig, _programme_list_to_map
from rapport_cost.errors import Problem, did_you_mean

# --------------------------------------------------------------------------- validation


def _names(raw: Mapping[str, Any], section: str) -> set[str] | None:
    part = raw.get(section)
    if isinstance(part, list) and section == "programme_costs":
        part = _programme_list_to_map(part)
    return {str(k) for k in part} if isinstance(part, dict) else None


def build_context(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Names declared in each section of the raw document, for cross-reference checks."""
    params = raw.get("parameters")
    params = params if isinstance(params, dict) else {}
    names: set[str] = set()
    values: dict[str, Any] = {}
    for name, spec in params.items():
        names.add(str(name))
        if isinstance(spec, dict):
            values[str(name)] = spec.get("value")
            dist = spec.get("dist")
            if isinstance(dist, dict) and dist.get("type") == "dirichlet":
                counts = dist.get("counts")
                if isinstance(counts, dict):
                    names.update(f"{name}.{c}" for c in counts)
        else:
            values[str(name)] = spec
    resources = raw.get("resources")
    units = (
        {str(k): v.get("unit") for k, v in resources.items() if isinstance(v, dict)}
        if isinstance(resources, dict)
        else {}
    )
    sites = _names(raw, "sites")
    return {
        "parameter_names": names,
        "parameter_values": values,
        "roles": _names(raw, "roles"),
        "resources": _names(raw, "resources"),
        "resource_units": units,
        # Without a `sites` section, any site name is accepted (sites come from the logs).
        "sites": sites or None,
    }


def validate_config(
    raw: Any, *, price_years: Sequence[str] = ()
) -> tuple[CostingConfig | None, list[tuple[DocPath, Problem]]]:
    """Validate a raw document; return the config, or ``None`` and every problem.

    Each problem comes with its path in the document so the caller can add a line number.
    The plausibility rules' errors (:mod:`~rapport_cost.config.plausibility`; ``price_year``
    against ``price_years``, the years the price index covers) and the checks of the
    correlations against the declared parameters (:mod:`~rapport_cost.config.correlations`)
    are problems too; a field the schema already rejects is reported once.
    """
    if not isinstance(raw, dict):
        return None, [((), Problem(f"the config must be a mapping of sections, got {_show(raw)}"))]
    implausible, _ = plausibility(raw, price_years=price_years)
    implausible += correlation_problems(raw)
    try:
        cfg: CostingConfig | None = CostingConfig.model_validate(raw, context=build_context(raw))
        problems: list[tuple[DocPath, Problem]] = []
    except ValidationError as exc:
        cfg, problems = None, [problem_from_error(err, raw) for err in exc.errors()]
    reported = {path for path, _ in problems}
    problems += [(path, p) for path, p in implausible if path not in reported]
    return (cfg, []) if not problems else (None, problems)


def problem_from_error(
    err: Any, raw: Any, root: type[BaseModel] | None = None
) -> tuple[DocPath, Problem]:
    """Turn one pydantic error into a located, plainly worded :class:`Problem`.

    ``root`` is the model validated (the config by default).
    """
    path, _ = resolve_loc(tuple(err["loc"]), raw, root)
    field = format_path(path)
    if err["type"] == "extra_forbidden":
        return path, _unknown_key(err, raw, root, path, field)
    if err["type"] == "missing":
        return path, Problem("is required", field=field, code="missing")
    for worded in (_bound_problem, _type_problem, _choice_problem, _shape_problem):
        problem = worded(err, field)
        if problem is not None:
            return path, problem
    return _other_problem(err, path, field)


def _unknown_key(
    err: Any, raw: Any, root: type[BaseModel] | None, path: DocPath, field: str
) -> Problem:
    """A key the model does not have, with the key meant or the keys allowed."""
    key = str(path[-1]) if path else "?"
    fields = _field_names(resolve_loc(tuple(err["loc"])[:-1], raw, root)[1])
    msg = f"unknown key{did_you_mean(key, fields)}"
    if key == "sd" and "se" in fields:
        msg = (
            "unknown key; did you mean 'se'? (the standard error of the parameter, "
            "not the SD of patients: M-43)"
        )
    if fields and not did_you_mean(key, fields):
        msg += f" (allowed: {', '.join(sorted(fields))})"
    return Problem(msg, field=field, code="unknown_key")


_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def _bound_problem(err: Any, field: str) -> Problem | None:
    """A number outside its bound (hinting at a share written as a percent)."""
    etype: str = err["type"]
    value = err.get("input")
    if etype not in _BOUNDS:
        return None
    op = _BOUNDS[etype]
    limit = next(iter((err.get("ctx") or {}).values()), "?")
    hint = ""
    if op in ("<", "<=") and limit == 1 and isinstance(value, int | float):
        hint = percent_hint(float(value))  # a share written as a percent
    return Problem(
        f"must be {op} {_fmt(limit)}, got {_show(value)}{hint}", field=field, code="out_of_range"
    )


#: What a value of the wrong type must be, by pydantic error type.
_TYPES = {
    **dict.fromkeys(("float_type", "float_parsing"), "a number"),
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), "a whole number"),
    "string_type": "text",
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type"), "a mapping (key: value)"),
    **dict.fromkeys(("list_type", "tuple_type"), "a list"),
    **dict.fromkeys(("bool_type", "bool_parsing"), "true or false"),
}


def _type_problem(err: Any, field: str) -> Problem | None:
    """A value of the wrong type: what it must be, and what it is."""
    etype: str = err["type"]
    value = err.get("input")
    if etype == "number_type":
        return Problem(f"{err['msg']}, got {_show(value)}", field=field, code="type")
    if etype not in _TYPES:
        return None
    return Problem(f"must be {_TYPES[etype]}, got {_show(value)}", field=field, code="type")


def _choice_problem(err: Any, field: str) -> Problem | None:
    """A value that is not one of the allowed choices (or distribution types)."""
    etype: str = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if etype in ("literal_error", "enum"):
        expected = ctx.get("expected", "")
        options = re.findall(r"'([^']*)'", expected)
        hint = did_you_mean(str(value), options) if isinstance(value, str) else ""
        return Problem(
            f"must be one of {expected}, got {_show(value)}{hint}", field=field, code="choice"
        )
    if etype in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("discriminator", "'type'")
        hint = did_you_mean(str(ctx.get("tag", "")), DIST_TYPES)
        got = f", got {ctx['tag']!r}" if "tag" in ctx else ""
        return Problem(
            f"{tag} must be one of {', '.join(DIST_TYPES)}{got}{hint}", field=field, code="choice"
        )
    return None


def _shape_problem(err: Any, field: str) -> Problem | None:
    """Text that does not match its pattern, or a list of the wrong length."""
    etype: str = err["type"]
    ctx = err.get("ctx") or {}
    if etype == "string_pattern_mismatch":
        if err["loc"] and err["loc"][-1] == "[key]":
            rule = "names must start with a letter and use only letters, digits and _"
        elif "\\d{4}/" in str(ctx.get("pattern", "")):
            rule = "must be a financial year such as '2023/24'"
        else:
            rule = f"must match {ctx.get('pattern')}"
        return Problem(f"{rule}, got {_show(err.get('input'))}", field=field, code="pattern")
    if etype == "too_short":
        return Problem(
            f"must have at least {ctx.get('min_length', 1)} item(s)", field=field, code="too_short"
        )
    if etype == "too_long":
        return Problem(
            f"must have at most {ctx.get('max_length')} item(s)", field=field, code="too_long"
        )
    return None


def _other_problem(err: Any, path: DocPath, field: str) -> tuple[DocPath, Problem]:
    """Any other error: its message, located at the path a validator put in it (if any)."""
    etype: str = err["type"]
    msg = str(err.get("msg", "is invalid"))
    msg = msg.removeprefix("Value error, ")
    if msg.startswith(_AT):
        where, msg = msg.removeprefix(_AT).split(": ", 1)
        path = tuple(int(p) if p.isdigit() else p for p in where.split("."))
        return path, Problem(msg, field=format_path(path), code=etype)
    if etype != "value_error":
        msg = msg[:1].lower() + msg[1:] + f", got {_show(err.get('input'))}"
    return path, Problem(msg, field=field, code=etype)
