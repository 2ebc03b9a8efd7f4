"""The manifest of published tables and the expected tables it names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from rapport_cost.config import PublishedManifest, problem_from_error
from rapport_cost.errors import ConfigError, InputError, Problem
from rapport_cost.fileio.bundled import bundled_root
from rapport_cost.fileio.config_file import display_path
from rapport_cost.fileio.yaml_file import read_yaml


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
    doc, _ = read_yaml(file, source=source)
    try:
        manifest = PublishedManifest.model_validate({"published": doc.data})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            doc_path, p = problem_from_error(err, {"published": doc.data}, PublishedManifest)
            inner = doc_path[1:]
            problems.append(
                Problem(p.message, source, doc.line_of(inner), ".".join(map(str, inner)), p.code)
            )
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


def read_output_manifest(folder: Path) -> dict[str, Any]:
    """The ``manifest.json`` of an output folder written with ``-o``.

    Raises
    ------
    InputError
        If the folder has no readable manifest.
    """
    file = folder / "manifest.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{display_path(file)}: not found (is this a folder written with -o?)"
        raise InputError(msg, [Problem(msg)]) from None
    except (OSError, json.JSONDecodeError) as exc:
        msg = f"{display_path(file)}: cannot read: {exc}"
        raise InputError(msg, [Problem(msg)]) from None
    if not isinstance(data, dict):
        msg = f"{display_path(file)}: not a manifest"
        raise InputError(msg, [Problem(msg)])
    return data
