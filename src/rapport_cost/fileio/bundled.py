"""Where the bundled configs, data and methods are, in a source checkout and in a wheel.

In the wheel they are packaged as ``rapport_cost/_bundled/{configs,data}`` and
``rapport_cost/_bundled/docs/methods.md`` (see ``pyproject.toml``); in a source checkout
(and an editable install) they are the top-level ``configs/``, ``data/`` and ``docs/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@cache
def bundled_root() -> Path:
    """The folder holding ``configs/`` and ``data/``."""
    inside = _PACKAGE / "_bundled"
    if (inside / "configs").is_dir():
        return inside
    checkout = _PACKAGE.parent.parent
    if (checkout / "configs").is_dir():
        return checkout
    msg = f"bundled configs not found next to {_PACKAGE}"  # a broken install, not user input
    raise RuntimeError(msg)


def default_config_path() -> Path:
    """The default config, ``configs/rapport.yaml``."""
    return bundled_root() / "configs" / "rapport.yaml"


def data_path(name: str) -> Path:
    """A bundled data file, e.g. ``nhscii.csv``."""
    return bundled_root() / "data" / name


def methods_text() -> str:
    """The methods document, ``docs/methods.md``, as text."""
    return (bundled_root() / "docs" / "methods.md").read_text(encoding="utf-8")
