"""The manifest of published tables and the expected tables it names."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from rapport_cost.config import PublishedManifest, problem_from_error
from rapport_cost.errors import ConfigError, InputError, Problem
from rapport_cost.fileio.bundled import bundled_root
from rapport_cost.fileio.config_file import display_path
from rapport_cost.fileio.regular import read_regular
from rapport_cost.fileio.yaml_file import DocPath, read_yaml


def default_manifest_path() -> Path:
    """``data/published/manifest.yaml``."""
    return bundled_root() / "data" / "published" / "manifest.yaml"


def load_manifest(path: Path | None = None) -> tuple[PublishedManifest, Path]:
    """Read and validate a manifest; every problem located at its line.

    Raises
    ------
    ConfigError
        With file, line and field of every problem.
    """
    file = path or default_manifest_path()
    source = display_path(file)
    doc, _ = read_yaml(file, source=source, lenient=True)
    located: list[tuple[DocPath, Problem]] = []
    try:
        manifest = PublishedManifest.model_validate({"published": doc.data})
    except ValidationError as exc:
        for err in exc.errors():
            doc_path, p = problem_from_error(err, {"published": doc.data}, PublishedManifest)
            inner = doc_path[1:]
            located.append(
                (inner, Problem(p.message, source, doc.line_of(inner), ".".join(map(str, inner)),
                                p.code))
            )  # fmt: skip
    problems = doc.together(located)
    if problems:
        msg = f"{len(problems)} problem(s) in {source}"
        raise ConfigError(msg, problems) from None
    return manifest, file


def read_table(path: Path) -> pd.DataFrame:
    """An expected (or previously written) table: CSV or Parquet.

    Raises
    ------
    InputError
        If the file is missing or unreadable.
    """
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, keep_default_na=True)
    except FileNotFoundError:
        msg = f"{display_path(path)}: file not found"
        raise InputError(msg, [Problem("file not found", display_path(path))]) from None
    except (OSError, ValueError) as exc:
        msg = f"{display_path(path)}: cannot read: {exc}"
        raise InputError(msg, [Problem(f"cannot read: {exc}", display_path(path))]) from None


#: Most bytes of an output folder's ``manifest.json``.
MANIFEST_BYTES = 16 * 2**20

#: Arguments in an output manifest's ``args`` that name a file.
PATH_ARGS = ("config", "scenarios_file", "costs")


def portable_args(args: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``args`` with each file in :data:`PATH_ARGS` relative to the output ``folder``.

    So that a project's outputs and inputs can move together (a clone on another
    machine, CI) and ``reproduce --from`` still finds them. A file that shares no folder
    with the output but the root (or is on another drive) stays absolute.
    """
    out = dict(args)
    base = os.path.realpath(folder)  # not resolve(): no error on a symbolic-link loop
    for key in PATH_ARGS:
        value = out.get(key)
        if not isinstance(value, str):
            continue
        try:
            shared = os.path.commonpath([value, base])
        except ValueError:  # another drive, or a relative path
            continue
        if shared != Path(value).anchor:
            out[key] = Path(os.path.relpath(value, base)).as_posix()
    return out


def resolved_args(args: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``args`` of an output manifest with each file in :data:`PATH_ARGS` found from ``folder``.

    Relative paths are relative to the output folder (:func:`portable_args`); absolute
    ones, as older manifests hold, are kept.
    """
    out = dict(args)
    for key in PATH_ARGS:
        if isinstance(out.get(key), str):
            out[key] = str(folder / out[key])
    return out


def read_output_manifest(folder: Path) -> dict[str, Any]:
    """The ``manifest.json`` of an output folder written with ``-o``.

    Raises
    ------
    InputError
        If the folder has no readable manifest.
    """
    file = folder / "manifest.json"
    source = display_path(file)
    if not (file.exists() or file.is_symlink()):
        why = "not found (is this a folder written with -o?)"
        msg = f"{source}: {why}"
        raise InputError(msg, [Problem(why, source, code="not_found")])
    raw = read_regular(file, source=source, limit=MANIFEST_BYTES, what="manifest")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        why = f"cannot read as JSON: {exc}"
        msg = f"{source}: {why}"
        raise InputError(msg, [Problem(why, source, code="bad_manifest")]) from None
    if not isinstance(data, dict):
        why = "not a manifest (a JSON object)"
        msg = f"{source}: {why}"
        raise InputError(msg, [Problem(why, source, code="bad_manifest")])
    return data
