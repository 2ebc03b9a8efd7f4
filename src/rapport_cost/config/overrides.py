"""Dotted override paths (``roles.psw.salary``): resolve them against the schema and check them."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Tag,
)

from rapport_cost.config.base import _show
from rapport_cost.config.schema import CostingConfig
from rapport_cost.errors import did_you_mean

# --------------------------------------------------------------------------- path resolution

DocPath = tuple[str | int, ...]
"""A path in the config document: keys and list indices."""


def format_path(path: DocPath) -> str:
    """``('roles', 'psw', 'salary')`` → ``roles.psw.salary``; list items as ``[0]``."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += ("." if out else "") + seg
    return out


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` from a type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _union_members(tp: Any) -> dict[str, Any]:
    """Map each tag (pydantic ``Tag`` or a ``type`` literal) of a union to its member."""
    members: dict[str, Any] = {}
    origin = typing.get_origin(tp)
    if origin not in (typing.Union, types.UnionType):
        return members
    for arg in typing.get_args(tp):
        if typing.get_origin(arg) is Annotated:
            base, *meta = typing.get_args(arg)
            for m in meta:
                if isinstance(m, Tag):
                    members[m.tag] = base
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            field = inner.model_fields.get("type")
            if field is not None:
                for lit in typing.get_args(field.annotation):
                    members[str(lit)] = inner
            members[inner.__name__] = inner
        elif isinstance(inner, type):
            members[inner.__name__] = inner
    return members


def _field_by_name(model: type[BaseModel], seg: str) -> Any:
    for name, info in model.model_fields.items():
        if seg in (name, info.alias):
            return info.annotation, info.metadata
    return None


def _field_names(model: Any) -> list[str]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [info.alias or name for name, info in model.model_fields.items()]
    return []


def _step(node: Any, seg: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(seg)
    if isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
        return node[seg]
    return None


def resolve_loc(
    loc: tuple[Any, ...], raw: Any, root: type[BaseModel] | None = None
) -> tuple[DocPath, Any]:
    """Map a pydantic ``loc`` to the path in the document and the model found there.

    Union tags and validator names in ``loc`` are not part of the document; they are
    skipped (and a tag picks the union member).
    """
    tp: Any = root or CostingConfig
    node: Any = raw
    path: list[str | int] = []
    for seg in loc:
        if seg == "[key]":
            continue
        tp = _unwrap(tp)
        in_node = isinstance(node, dict) and seg in node
        members = _union_members(tp)
        if isinstance(seg, str) and seg in members and not in_node:
            tp = members[seg]
            continue
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found = _field_by_name(tp, str(seg))
            if found is None and not in_node:
                continue  # the name of a validator, not a key of the document
            tp = found[0] if found else None
        elif origin is dict and args:
            tp = args[1]
        elif origin is list and args:
            tp = args[0]
        elif origin is tuple and args and isinstance(seg, int) and seg < len(args):
            tp = args[seg]
        elif not in_node and not isinstance(seg, int):
            continue
        else:
            tp = None
        path.append(seg)
        node = _step(node, seg)
    return tuple(path), _unwrap(tp) if tp is not None else None


def _model_members(tp: Any) -> list[type[BaseModel]]:
    """The pydantic models among the members of a union (or ``tp`` itself if a model)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return []
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(tp):
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out.append(inner)
    return out


def _pick_model(tp: Any, node: Any, seg: str) -> type[BaseModel] | None:
    """The model a mapping ``node`` of type ``tp`` is validated as (by its ``type`` key)."""
    models = _model_members(tp)
    if isinstance(node, dict) and "type" in node:
        for m in models:
            tag = m.model_fields.get("type")
            if tag is not None and node["type"] in typing.get_args(tag.annotation):
                return m
    with_field = [m for m in models if _field_by_name(m, seg) is not None]
    candidates = with_field or models
    return candidates[0] if candidates else None


def override_path_problem(path: str, raw: Any) -> str | None:
    """Why ``path`` (``roles.volunteer.hourly_rate``) is not a place a scenario can set.

    Returns ``None`` for a valid path. The path is checked against the config models,
    so a key that is valid but absent from ``raw`` (the parsed document) is accepted,
    e.g. ``costing.group_split`` when the file has no ``costing`` section. Entries of
    named sections (roles, parameters, ...) must exist in the document, except as the
    last segment, which may add an entry. Whether the value fits is left to validation
    of the changed document.
    """
    segs: list[str | int] = []
    for part in path.split("."):
        if not part:
            return "is not a dotted path such as roles.volunteer.hourly_rate"
        segs.append(int(part) if part.isdigit() else part)
    tp: Any = CostingConfig
    node: Any = raw
    for i, seg in enumerate(segs):
        where = format_path(tuple(segs[:i])) or "the config"
        last = i == len(segs) - 1
        tp = _unwrap(tp)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is dict and args:
            if isinstance(node, list):
                return f"{where} is written as a list; write it as a mapping to set {seg!r}"
            keys = [str(k) for k in node] if isinstance(node, dict) else []
            if not last and str(seg) not in keys:
                known = f" (entries: {', '.join(keys)})" if keys else ""
                return f"{where} has no entry {seg!r}{did_you_mean(str(seg), keys)}{known}"
            tp = args[1]
        elif origin is list and args:
            if not isinstance(seg, int) or not isinstance(node, list) or seg >= len(node):
                return f"{where} is a list: {seg!r} is not the number of one of its items"
            tp = args[0]
        else:
            model = _pick_model(tp, node, str(seg))
            if model is None or (node is not None and not isinstance(node, dict)):
                return f"{where} is {_show(node)} here, not a mapping: cannot set {seg!r} in it"
            found = _field_by_name(model, str(seg))
            if found is None:
                fields = _field_names(model)
                hint = did_you_mean(str(seg), fields) or f" (keys: {', '.join(fields)})"
                return f"{where} has no key {seg!r}{hint}"
            tp = found[0]
        node = _step(node, seg)
    return None
