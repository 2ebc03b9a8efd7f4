"""Load the YAML config into validated models, with file:line on every problem."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from rapport_cost.config import CostingConfig, plausibility, validate_config
from rapport_cost.errors import ConfigError, Problem
from rapport_cost.fileio.bundled import default_config_path
from rapport_cost.fileio.reference import nhscii_years
from rapport_cost.fileio.yaml_file import DocPath, YamlDocument, read_yaml

#: The log tables a config may name (``logs:``), as ``fileio.logs.TABLES``.
LOG_TABLES = ("contacts", "attendance", "women", "staff_time")


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with what is needed to locate problems and record provenance."""

    config: CostingConfig
    path: Path
    source: str
    document: YamlDocument
    sha256: str
    warnings: tuple[str, ...] = ()
    """Values that may be right but are unusual (:mod:`rapport_cost.config.plausibility`),
    each located (``file:line: field: message``), for the output's warnings."""

    @property
    def folder(self) -> Path:
        """The folder that relative paths in the config are relative to."""
        return self.path.parent

    def files(self) -> list[Path]:
        """The config file and every log it names: the inputs an output must not replace."""
        logs = self.config.logs
        names = [getattr(logs, t) for t in LOG_TABLES] if logs is not None else []
        return [self.path, *(self.folder / n for n in names if n)]

    def locate(self, problem: Problem, path: DocPath | None = None) -> Problem:
        """Fill in this file and the line of ``path`` (or of the problem's field)."""
        if problem.file is not None:
            return problem
        doc_path = path if path is not None else _parse_field(problem.field)
        line = self.document.line_of(doc_path) if doc_path else None
        return Problem(problem.message, self.source, line, problem.field, problem.code)

    def error(self, problems: list[tuple[DocPath, Problem]] | list[Problem]) -> ConfigError:
        """A :class:`ConfigError` with every problem located in this file."""
        located = [
            self.locate(p[1], p[0]) if isinstance(p, tuple) else self.locate(p) for p in problems
        ]
        return ConfigError(f"{len(located)} problem(s) in {self.source}", located)


def _parse_field(field: str | None) -> DocPath:
    """Inverse of :func:`format_path` for simple dotted fields (``a.b[0].c``)."""
    if not field:
        return ()
    out: list[str | int] = []
    for part in field.split("."):
        name, *idx = part.replace("]", "").split("[")
        if name:
            out.append(name)
        out.extend(int(i) for i in idx if i.isdigit())
    return tuple(out)


def display_path(path: Path) -> str:
    """A path as short as possible for messages: relative to the working folder if inside it."""
    try:
        # realpath, not resolve(): a symbolic-link loop is shown as given, not an error
        return str(Path(os.path.realpath(path)).relative_to(os.path.realpath(Path.cwd())))
    except ValueError:
        return str(path)


def load_config(path: Path | str | None = None) -> LoadedConfig:
    """Read, parse and validate a config file (the bundled default when ``path`` is None).

    Raises
    ------
    ConfigError
        With every problem in the file, each with its line and dotted field: those of
        the YAML (duplicate keys, refused tags, unreadable values) with the others.
    """
    cfg_path = Path(path) if path is not None else default_config_path()
    source = str(path) if path is not None else display_path(cfg_path)
    document, raw_bytes = read_yaml(cfg_path, source=source, lenient=True)
    return config_from_document(document, cfg_path, source, hashlib.sha256(raw_bytes).hexdigest())


def config_from_document(
    document: YamlDocument, path: Path, source: str, sha256: str
) -> LoadedConfig:
    """Validate a parsed document (also used for scenario variants of a config).

    The document's own problems (:attr:`YamlDocument.problems`) are reported with the
    validation's; the price year is checked against the bundled NHSCII's years.
    """
    years = nhscii_years()
    cfg, problems = validate_config(document.data, price_years=years)
    located = [
        Problem(p.message, source, document.line_of(doc_path), p.field or None, p.code)
        for doc_path, p in problems
    ]
    found = document.together(zip((d for d, _ in problems), located, strict=True))
    if cfg is None or found:
        msg = f"{len(found)} problem(s) in {source}"
        raise ConfigError(msg, found)
    _, unusual = plausibility(document.data, price_years=years)
    warnings = tuple(
        str(Problem(p.message, source, document.line_of(doc_path), p.field or None, p.code))
        for doc_path, p in unusual
    )
    return LoadedConfig(cfg, path, source, document, sha256, warnings)
