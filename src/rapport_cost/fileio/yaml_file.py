"""Safe YAML loading that remembers the line of every key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rapport_cost.errors import ConfigError, Problem

DocPath = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """A parsed YAML document and the 1-based line of each key and list item."""

    data: Any
    lines: dict[DocPath, int] = field(default_factory=dict)

    def line_of(self, path: DocPath) -> int | None:
        """Line of ``path``, or of its nearest ancestor that is in the document."""
        for n in range(len(path), -1, -1):
            line = self.lines.get(path[:n])
            if line is not None:
                return line
        return None


def parse_yaml(text: str, *, source: str) -> YamlDocument:
    """Parse ``text`` safely; duplicate keys and syntax errors are :class:`ConfigError`.

    Parameters
    ----------
    text
        The YAML text.
    source
        The file name to put in messages.
    """
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "could not parse"
        if "end of stream" in what and exc.context_mark is not None:
            mark = exc.context_mark  # where the unclosed quote or bracket began
        line = mark.line + 1 if mark is not None else None
        msg = f"YAML syntax error: {what}"
        if exc.context:
            msg += f" ({exc.context})"
        raise ConfigError(msg, [Problem(msg, file=source, line=line, code="yaml_syntax")]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        msg = f"YAML error: {exc}"
        raise ConfigError(msg, [Problem(msg, file=source, code="yaml_syntax")]) from None
    finally:
        loader.dispose()
    doc = YamlDocument(data=None)
    problems: list[Problem] = []
    if node is not None:
        doc.lines[()] = node.start_mark.line + 1
        doc.data = _build(node, (), loader, doc, problems, source)
    if problems:
        msg = f"{len(problems)} problem(s) in {source}"
        raise ConfigError(msg, problems)
    return doc


def _build(
    node: yaml.Node,
    path: DocPath,
    loader: yaml.CSafeLoader,
    doc: YamlDocument,
    problems: list[Problem],
    source: str,
) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float | bool) or key is None:
                problems.append(Problem("keys must be plain text", file=source, line=line))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                first = doc.lines.get((*path, key))
                problems.append(
                    Problem(
                        f"duplicate key {key!r} (first at line {first})",
                        file=source,
                        line=line,
                        field=".".join(str(p) for p in (*path, key)),
                        code="duplicate_key",
                    )
                )
                continue
            doc.lines[(*path, key)] = line
            out[key] = _build(value_node, (*path, key), loader, doc, problems, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            doc.lines[(*path, i)] = item.start_mark.line + 1
            items.append(_build(item, (*path, i), loader, doc, problems, source))
        return items
    return loader.construct_object(node, deep=True)


def read_yaml(path: Path, *, source: str) -> tuple[YamlDocument, bytes]:
    """Read and parse a YAML file; return the document and the raw bytes (for hashing)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        msg = "file not found"
        raise ConfigError(msg, [Problem(msg, file=source, code="not_found")]) from None
    except IsADirectoryError:
        msg = "is a folder, not a config file"
        raise ConfigError(msg, [Problem(msg, file=source, code="not_a_file")]) from None
    except OSError as exc:
        msg = f"cannot read: {exc.strerror}"
        raise ConfigError(msg, [Problem(msg, file=source, code="unreadable")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"is not UTF-8 text (byte {exc.start})"
        raise ConfigError(msg, [Problem(msg, file=source, code="encoding")]) from None
    return parse_yaml(text, source=source), raw
