"""YAML that remembers where each key and item came from, so errors can name file, line, column.

Mappings load as :class:`YMap` (a dict) and sequences as :class:`YList` (a list); both carry the
1-based position of the node and of each key or item. Scalars are plain Python values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from firebreak.errors import InputError, Location

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

Pos = tuple[int, int]


class YMap(dict[Any, Any]):
    """A mapping with the position of the mapping (``pos``) and of each key (``key_pos``)."""

    pos: Pos = (0, 0)
    key_pos: dict[Any, Pos]
    value_pos: dict[Any, Pos]


class YList(list[Any]):
    """A sequence with the position of the sequence (``pos``) and of each item (``item_pos``)."""

    pos: Pos = (0, 0)
    item_pos: list[Pos]


def _mark(node: yaml.Node, line_offset: int) -> Pos:
    return (node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)


def _make_loader(line_offset: int) -> type:
    class Loader(_BaseLoader):  # type: ignore[misc]
        pass

    def construct_map(loader: Any, node: yaml.MappingNode) -> Iterator[YMap]:
        m = YMap()
        m.pos = _mark(node, line_offset)
        m.key_pos = {}
        m.value_pos = {}
        yield m
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "found an unhashable key", key_node.start_mark
                ) from None
            if key in m:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            m[key] = loader.construct_object(value_node, deep=True)
            m.key_pos[key] = _mark(key_node, line_offset)
            m.value_pos[key] = _mark(value_node, line_offset)

    def construct_seq(loader: Any, node: yaml.SequenceNode) -> Iterator[YList]:
        seq = YList()
        seq.pos = _mark(node, line_offset)
        seq.item_pos = []
        yield seq
        for child in node.value:
            seq.append(loader.construct_object(child, deep=True))
            seq.item_pos.append(_mark(child, line_offset))

    def construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
        except ValueError as exc:  # 2026-13-45 looks like a date but is not one
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date or time ({exc})", node.start_mark
            ) from None

    Loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    return Loader


_LOADERS: dict[int, type] = {}


def loads(text: str, path: str, line_offset: int = 0) -> Any:
    """Parse one YAML document; raise InputError at the offending line and column."""
    loader_cls = _LOADERS.get(line_offset)
    if loader_cls is None:
        loader_cls = _LOADERS[line_offset] = _make_loader(line_offset)
    try:
        loader = loader_cls(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else 0
        col = mark.column + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"invalid YAML: {problem}", location=Location(path, line, col)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", location=Location(path)) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", location=Location(path)) from None


def read_text(path: Path, display: str, max_bytes: int = 5_000_000) -> str:
    """Read a text file for loading; binary, undecodable or oversized files are an InputError."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"file is {size:,} bytes, more than the {max_bytes:,} a workspace file may hold",
                location=Location(display),
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", location=Location(display)) from None
    if b"\x00" in data:
        raise InputError(
            "binary file (contains NUL bytes), expected UTF-8 text", location=Location(display)
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", location=Location(display, line, 1)) from None


def locate(root: Any, path: Sequence[Any]) -> Pos:
    """The position of the deepest node reachable along ``path`` (keys and list indexes).

    For a mapping key the key's own position is given, so a bad value points at its key's line.
    """
    node = root
    pos: Pos = getattr(root, "pos", (0, 0))
    for step in path:
        if isinstance(node, YMap) and step in node:
            pos = node.key_pos.get(step, pos)
            node = node[step]
        elif isinstance(node, YList) and isinstance(step, int) and 0 <= step < len(node):
            pos = node.item_pos[step]
            node = node[step]
        else:
            break
    return pos
