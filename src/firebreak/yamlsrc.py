"""YAML that remembers where each key and item came from, so errors can name file, line, column.

Mappings load as :class:`YMap` (a dict) and sequences as :class:`YList` (a list); both carry the
1-based position of the node and of each key or item. Scalars are plain Python values. Aliases
are shared, not copied, but counted as often as they are used: a document whose aliases would add
more than ``limits.YAML_NODES`` nodes (an alias bomb) is an error at the alias that passes it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from firebreak import limits
from firebreak.errors import InputError, Location

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

Pos = tuple[int, int]


class YMap(dict[Any, Any]):
    """A mapping with the position of the mapping (``pos``) and of each key (``key_pos``).

    Positions are kept as one array of ints per mapping and turned into the ``key_pos`` and
    ``value_pos`` dicts only when asked for (findings need a few; an org has a million keys).
    """

    __slots__ = ("_at", "_key_pos", "_keys", "_marks", "_value_pos")
    _at: Pos
    _keys: tuple[Any, ...]
    _marks: array[int]  # key line, key column, value line, value column, per key
    _key_pos: dict[Any, Pos]
    _value_pos: dict[Any, Pos]

    @property
    def pos(self) -> Pos:
        return getattr(self, "_at", (0, 0))

    @pos.setter
    def pos(self, value: Pos) -> None:
        self._at = value

    def _positions(self, start: int) -> dict[Any, Pos]:
        keys: tuple[Any, ...] = getattr(self, "_keys", ())
        marks = self._marks if keys else array("i")
        return {k: (marks[4 * i + start], marks[4 * i + start + 1]) for i, k in enumerate(keys)}

    @property
    def key_pos(self) -> dict[Any, Pos]:
        try:
            return self._key_pos
        except AttributeError:
            self._key_pos = self._positions(0)
            return self._key_pos

    @key_pos.setter
    def key_pos(self, value: dict[Any, Pos]) -> None:
        self._key_pos = value

    @property
    def value_pos(self) -> dict[Any, Pos]:
        try:
            return self._value_pos
        except AttributeError:
            self._value_pos = self._positions(2)
            return self._value_pos

    @value_pos.setter
    def value_pos(self, value: dict[Any, Pos]) -> None:
        self._value_pos = value


class YList(list[Any]):
    """A sequence with the position of the sequence (``pos``) and of each item (``item_pos``)."""

    __slots__ = ("_at", "_item_pos", "_marks")
    _at: Pos
    _marks: array[int]  # line, column, per item
    _item_pos: list[Pos]

    @property
    def pos(self) -> Pos:
        return getattr(self, "_at", (0, 0))

    @pos.setter
    def pos(self, value: Pos) -> None:
        self._at = value

    @property
    def item_pos(self) -> list[Pos]:
        try:
            return self._item_pos
        except AttributeError:
            marks = getattr(self, "_marks", array("i"))
            self._item_pos = [(marks[i], marks[i + 1]) for i in range(0, len(marks), 2)]
            return self._item_pos

    @item_pos.setter
    def item_pos(self, value: list[Pos]) -> None:
        self._item_pos = value


def _mark(node: yaml.Node, line_offset: int) -> Pos:
    return (node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)


def _make_loader(line_offset: int) -> type:
    class Loader(_BaseLoader):  # type: ignore[misc]
        pass

    def construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
        except ValueError as exc:  # 2026-13-45 looks like a date but is not one
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date or time ({exc})", node.start_mark
            ) from None

    resolved: dict[tuple[Any, Any, Any], str] = {}
    base_resolve = Loader.resolve
    firsts = Loader.yaml_implicit_resolvers  # first character -> the implicit tags it may start
    # Without path resolvers or catch-all implicit ones (the safe loader has neither), a quoted
    # scalar, or a plain one whose first character starts no implicit tag, is a string.
    simple = not Loader.yaml_path_resolvers and None not in firsts

    def resolve(loader: Any, kind: Any, value: Any, implicit: Any) -> str:
        plain_string = value and value[0] not in firsts
        if simple and kind is yaml.ScalarNode and (not implicit[0] or plain_string):
            return _STR
        if isinstance(value, str) and len(value) > 64:
            return str(base_resolve(loader, kind, value, implicit))
        # Otherwise the tag depends only on these three, and front matters repeat their keys and
        # values: remembering them saves a regex walk each. Bounded, since loaders live on.
        memo_key = (kind, value, implicit)
        tag = resolved.get(memo_key)
        if tag is None:
            if len(resolved) > 20_000:
                resolved.clear()
            tag = resolved[memo_key] = str(base_resolve(loader, kind, value, implicit))
        return tag

    Loader.resolve = resolve
    Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    return Loader


_LOADERS: dict[int, type] = {}
_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"
_SPECIAL_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _Builder:
    """Builds YMap/YList/scalars from composed nodes in one direct recursion.

    Three times faster than PyYAML's generator-based construction, which matters when lint reads
    a thousand front matters. Scalars other than plain strings, and collections with other tags,
    go through the loader's own constructors, so every YAML type and error stays as PyYAML has it.
    """

    def __init__(self, loader: Any, line_offset: int) -> None:
        self.loader = loader
        self.offset = line_offset
        self.done: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}  # nodes each built collection expands to
        self.active: set[int] = set()
        self.size = 1
        self.aliased = 0  # nodes that aliases add beyond the document's own

    def mark(self, node: yaml.Node) -> Pos:
        return (node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def build(self, node: yaml.Node) -> Any:
        """The value of ``node``; ``self.size`` is then how many nodes it expands to."""
        self.size = 1
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            return self.loader.construct_object(node)
        ident = id(node)
        if ident in self.done:  # an alias: shared here, but walked in full by whoever reads it
            self.size = self.sizes.get(ident, 1)
            self.aliased += self.size
            if self.aliased > limits.YAML_NODES:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"aliases expand this document by more than {limits.YAML_NODES:,} nodes",
                    node.start_mark,
                )
            return self.done[ident]
        if ident in self.active:
            raise yaml.constructor.ConstructorError(
                None, None, "an alias refers to a node that contains it", node.start_mark
            )
        self.active.add(ident)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            value: Any = self.mapping(node)
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            value = self.sequence(node)
        else:
            value = self.loader.construct_object(node, deep=True)
        self.active.discard(ident)
        self.done[ident] = value
        self.sizes[ident] = self.size
        return value

    def mapping(self, node: yaml.MappingNode) -> YMap:
        pairs = node.value
        for key_node, _ in pairs:
            if key_node.tag in _SPECIAL_KEYS:
                self.loader.flatten_mapping(node)
                pairs = node.value
                break
        m = YMap()
        m._at = self.mark(node)
        offset = self.offset + 1
        keys: list[Any] = []
        marks = array("i")
        total = 1
        for key_node, value_node in pairs:
            key = self.build(key_node)
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
            m[key] = self.build(value_node)
            total += 1 + self.size
            keys.append(key)
            k, v = key_node.start_mark, value_node.start_mark
            marks.extend((k.line + offset, k.column + 1, v.line + offset, v.column + 1))
        m._keys = tuple(keys)
        m._marks = marks
        self.size = total
        return m

    def sequence(self, node: yaml.SequenceNode) -> YList:
        seq = YList()
        seq._at = self.mark(node)
        offset = self.offset + 1
        marks = array("i")
        total = 1
        for child in node.value:
            seq.append(self.build(child))
            total += self.size
            c = child.start_mark
            marks.extend((c.line + offset, c.column + 1))
        seq._marks = marks
        self.size = total
        return seq


def loads(text: str, path: str, line_offset: int = 0) -> Any:
    """Parse one YAML document; raise InputError at the offending line and column."""
    loader_cls = _LOADERS.get(line_offset)
    if loader_cls is None:
        loader_cls = _LOADERS[line_offset] = _make_loader(line_offset)
    try:
        loader = loader_cls(text)
        try:
            node = loader.get_single_node()
            return None if node is None else _Builder(loader, line_offset).build(node)
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
