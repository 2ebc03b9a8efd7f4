"""Errors and warnings on stderr, without pandas: a run that fails early answers at once."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.text import Text

from rapport_cost.errors import RapportError

stderr = Console(stderr=True, soft_wrap=True)


def print_warnings(warnings: Iterable[str]) -> None:
    """Warnings go to stderr, one per line."""
    for w in warnings:
        stderr.print(Text("warning: ", style="yellow bold") + Text(w))


def print_error(exc: RapportError) -> None:
    """One line per problem, each starting with where it is."""
    lines = exc.lines()
    for line in lines:
        stderr.print(Text("error: ", style="red bold") + Text(line))
    if len(lines) > 1:
        stderr.print(Text(f"{len(lines)} problems", style="red"))
