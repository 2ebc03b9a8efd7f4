"""Models of the manifest of published tables (``reproduce``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    StringConstraints,
)

from rapport_cost.config.base import Strict

# --------------------------------------------------------------------------- published tables


class Tolerance(Strict):
    """How far a reproduced value may be from the published one: ``abs + rel × |published|``."""

    abs: float = Field(1e-6, ge=0)
    rel: float = Field(1e-9, ge=0)


class PublishedRun(Strict):
    """The command and inputs that make a published table (paths relative to the manifest)."""

    command: Literal[
        "unit-costs", "estimate", "psa", "bootstrap", "dsa", "scenarios", "follow-up", "subgroups"
    ]
    config: str
    args: dict[str, Any] = {}


class PublishedTable(Strict):
    """One published table: how to make it, where the expected values are, what to compare."""

    run: PublishedRun
    table: str
    expected: str
    key: list[str] = Field(min_length=1)
    columns: dict[str, Tolerance] = {"*": Tolerance()}


class PublishedEntry(Strict):
    """A named set of published tables (``rapport-cost reproduce NAME``)."""

    description: str
    source: str | None = None
    tables: list[PublishedTable] = Field(min_length=1)


PublishedName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class PublishedManifest(Strict):
    """``data/published/manifest.yaml``: every table CI rebuilds and compares."""

    published: dict[PublishedName, PublishedEntry] = Field(min_length=1)
