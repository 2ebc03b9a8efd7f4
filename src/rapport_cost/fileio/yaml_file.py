"""Safe YAML loading that remembers the line of every key and bounds what a file may ask.

The loader builds plain data (mappings, lists, text, numbers, true/false, null and dates)
from libyaml's node tree itself, so that:

* every tag beyond those is refused with its place (``file:line:column``) and the tag, e.g.
  ``!!python/object`` or a custom ``!vault``; nothing is ever constructed from a tag;
* a value that cannot be read as its type (``!!int x``, ``2025-02-30``) is a located
  problem, not a traceback;
* merge keys (``<<: *defaults``) work as YAML 1.1 defines them: the mapping's own keys
  win, then earlier merged mappings over later ones;
* a document may be at most :data:`MAX_BYTES`, nest at most :data:`MAX_DEPTH` deep and
  expand to at most :data:`MAX_VALUES` values (an alias counts its whole value each time
  it is used: a "billion laughs" document is refused at once); an alias inside its own
  anchor is a problem;
* problems that leave the rest of the file readable (a duplicate key, a refused tag, a
  value that cannot be read) are kept in :attr:`YamlDocument.problems`, so that the
  caller reports them together with the file's other problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from rapport_cost.errors import ConfigError, Problem
from rapport_cost.fileio.regular import read_regular

DocPath = tuple[str | int, ...]

#: Most bytes in a YAML input (a config is a few kB; the bundled one is 14 kB).
MAX_BYTES = 4 * 2**20
#: Most values a document may expand to, counting an alias's value each time it is used.
MAX_VALUES = 200_000
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 64

_CORE = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = f"{_CORE}map", f"{_CORE}seq", f"{_CORE}merge"
_SAFE = SafeConstructor()
#: The scalar types a document may hold, by tag: YAML's core schema and dates.
_SCALARS: dict[str, tuple[str, Callable[[yaml.ScalarNode], Any]]] = {
    f"{_CORE}str": ("text", lambda n: n.value),
    f"{_CORE}null": ("null", _SAFE.construct_yaml_null),
    f"{_CORE}bool": ("true or false", _SAFE.construct_yaml_bool),
    f"{_CORE}int": ("a whole number", _SAFE.construct_yaml_int),
    f"{_CORE}float": ("a number", _SAFE.construct_yaml_float),
    f"{_CORE}timestamp": ("a date", _SAFE.construct_yaml_timestamp),
}
_KEY_TYPES = (str, int, float, bool)
_PLAIN = "a config holds text, numbers, true/false, null, dates, lists and mappings"


@dataclass
class YamlDocument:
    """A parsed YAML document and the 1-based line of each key and list item."""

    data: Any
    lines: dict[DocPath, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    """Problems found while reading that leave the rest readable (duplicate keys, refused
    tags, values that cannot be read), to report with the file's other problems."""
    unreadable: set[DocPath] = field(default_factory=set)
    """Paths whose value could not be read: a problem at or below one repeats it."""

    def line_of(self, path: DocPath) -> int | None:
        """Line of ``path``, or of its nearest ancestor that is in the document."""
        for n in range(len(path), -1, -1):
            line = self.lines.get(path[:n])
            if line is not None:
                return line
        return None

    def repeats(self, path: DocPath) -> bool:
        """Whether a problem at ``path`` repeats one of :attr:`problems` (an unreadable value)."""
        return any(path[: len(u)] == u for u in self.unreadable)

    def together(self, located: Iterable[tuple[DocPath, Problem]]) -> list[Problem]:
        """:attr:`problems` and ``located`` (validation's), in line order, repeats dropped."""
        kept = [p for path, p in located if not self.repeats(path)]
        return sorted([*self.problems, *kept], key=lambda p: (p.line or 0, p.column or 0))


def _tag(tag: str) -> str:
    short = "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag
    return short if len(short) <= 60 else short[:57] + "..."


def _where(path: DocPath) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else ("." if out else "") + seg
    return out


class _TooLarge(Exception):  # noqa: N818 - internal signal, never leaves this module
    def __init__(self, path: DocPath) -> None:
        self.path = path


class _Builder:
    """Builds plain data from a node tree; see the module docstring for the rules."""

    def __init__(self, source: str, doc: YamlDocument) -> None:
        self.source = source
        self.doc = doc
        self.values = 0
        self._open: set[int] = set()  # nodes being built: an alias to one is recursive

    def problem(self, node: yaml.Node, path: DocPath, message: str, code: str) -> None:
        mark = node.start_mark
        self.doc.problems.append(
            Problem(message, self.source, mark.line + 1, _where(path) or None, code,
                    mark.column + 1)
        )  # fmt: skip

    def unreadable(self, node: yaml.Node, path: DocPath, message: str, code: str) -> None:
        self.problem(node, path, message, code)
        self.doc.unreadable.add(path)

    def build(self, node: yaml.Node, path: DocPath, lines: dict[DocPath, int], depth: int) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _TooLarge(path)
        if depth > MAX_DEPTH:
            self.unreadable(node, path, f"nested more than {MAX_DEPTH} levels deep", "too_deep")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self._open:
            message = "an alias inside its own anchor (the value would contain itself)"
            self.unreadable(node, path, message, "recursive_alias")
            return None
        wanted = _MAP if isinstance(node, yaml.MappingNode) else _SEQ
        if node.tag != wanted:
            self.unreadable(node, path, f"YAML tag {_tag(node.tag)} is not allowed: {_PLAIN}",
                            "yaml_tag")  # fmt: skip
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path, lines, depth)
            out = []
            for i, item in enumerate(node.value):
                lines[(*path, i)] = item.start_mark.line + 1
                out.append(self.build(item, (*path, i), lines, depth + 1))
            return out
        finally:
            self._open.discard(id(node))

    def scalar(self, node: yaml.ScalarNode, path: DocPath) -> Any:
        known = _SCALARS.get(node.tag)
        if known is None:
            self.unreadable(node, path, f"YAML tag {_tag(node.tag)} is not allowed: {_PLAIN}",
                            "yaml_tag")  # fmt: skip
            return node.value
        kind, construct = known
        try:
            return construct(node)
        except Exception as exc:  # any text can be given any core tag
            # (!!bool "x" is a KeyError, !!int "x" a ValueError, !!timestamp "x" ...)
            text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            why = ""
            if kind == "a date":  # a real date's error says why (day is out of range)
                why = f" ({exc})" if isinstance(exc, ValueError) else " (write it YYYY-MM-DD)"
            self.unreadable(node, path, f"{text!r} is not {kind}{why}", "yaml_value")
            return node.value

    def key(self, node: yaml.Node, path: DocPath) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALARS:
            try:
                key = _SCALARS[node.tag][1](node)
            except Exception:  # as for a value
                key = None
            if isinstance(key, _KEY_TYPES):
                return key if isinstance(key, str) else str(key)
        self.problem(node, path, "keys must be plain text", "yaml_key")
        return None

    def mapping(
        self, node: yaml.MappingNode, path: DocPath, lines: dict[DocPath, int], depth: int
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            line = key_node.start_mark.line + 1
            if key in out:
                first = lines.get((*path, key))
                self.doc.problems.append(
                    Problem(f"duplicate key {key!r} (first at line {first})", self.source,
                            line, _where((*path, key)), "duplicate_key")
                )  # fmt: skip
                continue
            lines[(*path, key)] = line
            out[key] = self.build(value_node, (*path, key), lines, depth + 1)
        for source in self.merge_sources(merges, path):
            scratch: dict[DocPath, int] = {}
            merged = self.build(source, path, scratch, depth)
            for key, value in (merged or {}).items():
                if key in out:
                    continue  # the mapping's own keys, then earlier merges, win
                out[key] = value
                prefix = (*path, key)
                lines.update({p: n for p, n in scratch.items() if p[: len(prefix)] == prefix})
        return out

    def merge_sources(self, merges: list[yaml.Node], path: DocPath) -> list[yaml.Node]:
        out: list[yaml.Node] = []
        for value in merges:
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for item in items:
                if isinstance(item, yaml.MappingNode):
                    out.append(item)
                else:
                    message = "<< merges a mapping (e.g. *defaults) or a list of mappings"
                    self.problem(item, path, message, "yaml_merge")
        return out


def _syntax_error(exc: yaml.YAMLError, text: str, source: str) -> ConfigError:
    line = column = None
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "could not parse"
        if "end of stream" in what and exc.context_mark is not None:
            mark = exc.context_mark  # where the unclosed quote or bracket began
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
        msg = f"YAML syntax error: {what}"
        if exc.context:
            msg += f" ({exc.context})"
    elif isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        msg = f"YAML syntax error: character #x{char:04x} is not allowed in YAML text"
    else:  # pragma: no cover - libyaml raises marked errors
        msg = f"YAML error: {exc}"
    return ConfigError(msg, [Problem(msg, source, line, code="yaml_syntax", column=column)])


def parse_yaml(text: str, *, source: str, lenient: bool = False) -> YamlDocument:
    """Parse ``text`` safely (see the module docstring).

    Parameters
    ----------
    text
        The YAML text.
    source
        The file name to put in messages.
    lenient
        Return problems that leave the rest readable in :attr:`YamlDocument.problems`
        (for the caller to report with its own) instead of raising them.

    Raises
    ------
    ConfigError
        A syntax error, a document over the limits; without ``lenient``, any problem.
    """
    if len(text) > MAX_BYTES:
        msg = f"is more than {MAX_BYTES // 2**20} MiB; a YAML file may be at most that"
        raise ConfigError(msg, [Problem(msg, source, code="too_large")])
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, source) from None
    finally:
        loader.dispose()
    doc = YamlDocument(data=None)
    if node is not None:
        doc.lines[()] = node.start_mark.line + 1
        builder = _Builder(source, doc)
        try:
            doc.data = builder.build(node, (), doc.lines, 0)
        except _TooLarge as exc:
            top = exc.path[:1]  # the top-level key whose value expands too far
            msg = (
                f"expands to more than {MAX_VALUES:,} values (an alias repeats its anchor's "
                "whole value each time it is used); refused"
            )
            problem = Problem(msg, source, doc.line_of(top), _where(top) or None, "too_large")
            raise ConfigError(msg, [problem]) from None
    if doc.problems and not lenient:
        msg = f"{len(doc.problems)} problem(s) in {source}"
        raise ConfigError(msg, sorted(doc.problems, key=lambda p: (p.line or 0, p.column or 0)))
    return doc


def read_yaml(path: Path, *, source: str, lenient: bool = False) -> tuple[YamlDocument, bytes]:
    """Read and parse a YAML file; return the document and the raw bytes (for hashing).

    Only a regular file of at most :data:`MAX_BYTES` is read (a named pipe, a device or a
    folder is a clear error; see :func:`~rapport_cost.fileio.regular.read_regular`).
    ``lenient`` as in :func:`parse_yaml`.

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed.
    """
    raw = read_regular(path, source=source, error=ConfigError, limit=MAX_BYTES, what="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"is not UTF-8 text (byte {exc.start})"
        raise ConfigError(msg, [Problem(msg, file=source, code="encoding")]) from None
    return parse_yaml(text, source=source, lenient=lenient), raw
