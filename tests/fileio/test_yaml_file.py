"""The safe YAML loader: core types only, merge keys, bounded size, located problems.

Expected values are worked out from the YAML 1.1 merge-key spec (https://yaml.org/type/
merge.html: the mapping's own keys win, then earlier merged mappings over later ones) and
by counting lines and columns in the texts below.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rapport_cost.errors import ConfigError
from rapport_cost.fileio import yaml_file
from rapport_cost.fileio.yaml_file import parse_yaml, read_yaml


def _problems(text: str) -> list[str]:
    doc = parse_yaml(text, source="f.yaml", lenient=True)
    return [str(p) for p in doc.problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # value at line 2, column 7 (1-based: "  x: " is 5 characters, then the tag)
        ("a:\n  x: !vault secret\n", "f.yaml:2:6: a.x: YAML tag !vault is not allowed"),
        ("a: !!python/object:os.system x\n", "f.yaml:1:4: a: YAML tag !!python/object:os.system"),
        ("a: !!binary aGk=\n", "f.yaml:1:4: a: YAML tag !!binary is not allowed"),
        ("a: !!set {x}\n", "f.yaml:1:4: a: YAML tag !!set is not allowed"),
        ("a: !!int twelve\n", "f.yaml:1:4: a: 'twelve' is not a whole number"),
        ("a: !!float x\n", "f.yaml:1:4: a: 'x' is not a number"),
        ("a: !!timestamp soon\n", "f.yaml:1:4: a: 'soon' is not a date"),
        ("a: 2025-02-30\n", "f.yaml:1:4: a: '2025-02-30' is not a date (day is out of range"),
        # an alias keeps no place of its own: it is the anchor's node (column 4)
        ("a: &x [1, *x]\n", "f.yaml:1:4: a[1]: an alias inside its own anchor"),
        ("a: {<<: 3}\n", "f.yaml:1:9: a: << merges a mapping"),
    ],
)
def test_each_refused_value_is_located_with_its_column(text: str, expected: str) -> None:
    found = _problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_a_refused_tag_is_never_constructed() -> None:
    doc = parse_yaml("a: !!python/object/apply:os.system [echo hi]\n", source="f", lenient=True)
    assert doc.data == {"a": ["echo hi"]}  # plain data; the tag only reported
    assert doc.unreadable == {("a",)}


def test_merge_keys_follow_yaml_1_1() -> None:
    text = (
        "base: &base {x: 1, y: 1}\n"  # line 1
        "more: &more {y: 2, z: 2}\n"  # line 2
        "c:\n"  # line 3
        "  <<: [*base, *more]\n"  # line 4: base before more, so y comes from base
        "  x: 9\n"  # line 5: the mapping's own key wins
    )
    doc = parse_yaml(text, source="f.yaml")
    assert doc.data["c"] == {"x": 9, "y": 1, "z": 2}
    # a merged key is located where it is written: y and z in the anchors' lines
    assert (doc.lines[("c", "x")], doc.lines[("c", "y")], doc.lines[("c", "z")]) == (5, 1, 2)


def test_an_explicit_key_overriding_a_merged_one_is_no_duplicate() -> None:
    assert _problems("d: &d {a: 1}\ne:\n  <<: *d\n  a: 2\n") == []


def test_a_duplicate_key_is_kept_with_the_other_problems() -> None:
    found = _problems("a: 1\nb: !vault x\na: 2\n")
    assert found == [
        "f.yaml:2:4: b: YAML tag !vault is not allowed: a config holds text, numbers, "
        "true/false, null, dates, lists and mappings",
        "f.yaml:3: a: duplicate key 'a' (first at line 1)",
    ]


def test_an_alias_bomb_is_refused_at_once() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):  # 10 ** 9 values once expanded
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(ConfigError) as err:
        parse_yaml("\n".join(levels) + "\n", source="bomb.yaml")
    message = str(err.value.problems[0])
    assert f"expands to more than {yaml_file.MAX_VALUES:,} values" in message
    assert message.startswith("bomb.yaml:")


def test_nesting_deeper_than_the_limit_is_a_problem() -> None:
    depth = yaml_file.MAX_DEPTH + 2
    text = "a: " + "[" * depth + "]" * depth + "\n"
    assert any(f"nested more than {yaml_file.MAX_DEPTH}" in p for p in _problems(text))


def test_a_syntax_error_has_line_and_column() -> None:
    with pytest.raises(ConfigError) as err:  # libyaml finds the missing "]" at "b:" (2:2)
        parse_yaml("a: [1, 2\nb: 3\n", source="f.yaml")
    assert str(err.value.problems[0]).startswith("f.yaml:2:2: YAML syntax error")


def test_a_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_file, "MAX_BYTES", 100)
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 200 + "\n")
    with pytest.raises(ConfigError) as err:
        read_yaml(big, source="big.yaml")
    assert "is 204 bytes; a file may be at most 100 bytes" in str(err.value.problems[0])


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_only_a_regular_file_is_read(kind: str, tmp_path: Path) -> None:
    path = {"fifo": tmp_path / "p.yaml", "folder": tmp_path, "device": Path(os.devnull)}[kind]
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer for ever
    with pytest.raises(ConfigError) as err:
        read_yaml(path, source="x.yaml")
    expected = {"fifo": "named pipe (FIFO)", "folder": "is a folder", "device": "is a device"}
    assert expected[kind] in str(err.value.problems[0])
