"""YAML files a user supplies (catalog, scenarios, alert rules): read with the line of every
value, so that an error points at ``file:line`` and names list items by their ``id``
(``agencies[xa-na-ngoi].level``), not by an index nobody counts (``agencies.87.level``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ioc.config.errors import ConfigError

Loc = tuple[str | int, ...]


class LocatedError(ValueError):
    """A cross-field check that failed at ``loc`` (a path into the document), raised from a
    model validator, where pydantic itself only knows the whole document."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


@dataclass(frozen=True)
class YamlDocument:
    file: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def in_file(self, loc: Loc) -> Loc:
        """``loc`` without the tags pydantic inserts for discriminated unions
        (``scenarios.0.service_outage.start`` is ``scenarios[0].start`` in the file)."""
        out: list[str | int] = []
        node: Any = self.data
        for key in loc:
            tag = isinstance(node, dict) and isinstance(key, str) and key not in node
            if tag and key in node.values():
                continue
            out.append(key)
            if isinstance(node, dict):
                node = node.get(key)
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node = node[key]
            else:
                node = None
        return tuple(out)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the value at ``loc``, or of its nearest parent in the file."""
        for n in range(len(loc), -1, -1):
            line = self.lines.get(loc[:n])
            if line is not None:
                return line
        return None

    def describe(self, loc: Loc) -> str:
        """``loc`` as a reader finds it: list items by their id where they have one."""
        parts: list[str] = []
        node: Any = self.data
        for key in loc:
            if isinstance(key, int):
                item = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
                ident = item.get("id") if isinstance(item, dict) else None
                parts.append(f"[{ident}]" if isinstance(ident, str) else f"[{key}]")
                node = item
            else:
                parts.append(("." if parts else "") + key)
                node = node.get(key) if isinstance(node, dict) else None
        return "".join(parts) or "(top level)"

    def error(self, exc: ValidationError) -> ConfigError:
        """One line per problem: ``file:line: where: what was expected (got what)``."""
        return ConfigError("\n".join(self._lines(exc.errors(include_url=False))))

    def _lines(self, errors: Iterable[Mapping[str, Any]]) -> Iterable[str]:
        for err in errors:
            located = (err.get("ctx") or {}).get("error")
            if isinstance(located, LocatedError):
                loc, message, got = located.loc, located.message, None
            else:
                loc = tuple(err.get("loc", ()))
                message, got = str(err.get("msg")), err.get("input")
            loc = self.in_file(loc)
            line = self.line_of(loc)
            where = f"{self.file}:{line}" if line is not None else str(self.file)
            shown = "" if got is None or isinstance(got, dict | list) else f" (got {_short(got)})"
            yield f"{where}: {self.describe(loc)}: {message}{shown}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _LineLoader(yaml.SafeLoader):
    """Safe loading that refuses duplicate keys: YAML keeps the last one silently, and a
    catalog with two ``level:`` lines for one agency is a mistake, not a choice."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def _record_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                _record_lines(value_node, (*loc, key_node.value), lines)
                lines[(*loc, key_node.value)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record_lines(item, (*loc, i), lines)


def read_yaml(file: Path | str) -> YamlDocument:
    """Read a user's YAML file; a missing, unreadable or malformed file is a ConfigError."""
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: not valid YAML ({problem})") from None
    lines: dict[Loc, int] = {}
    if root is not None:
        _record_lines(root, (), lines)
    return YamlDocument(path, data, lines)
