"""Reading a config file into plain data, with the line of every key and item.

:func:`read_file` returns ``(data, lines)``: *data* is what ``json.load``
would give (dicts, lists, strings, numbers, booleans, ``None``), *lines*
maps the path of each mapping key and list item (a tuple of keys and
indexes) to its 1-based line, so that errors can name the line.
"""

from __future__ import annotations

import json
import os
import re
from bisect import bisect_right
from pathlib import Path
from typing import Any

from ._errors import ConfigError

__all__ = ["Lines", "PathKey", "read_file", "read_text"]

PathKey = tuple[str | int, ...]
Lines = dict[PathKey, int]

_YAML_SUFFIXES = (".yaml", ".yml")
_MAX_DEPTH = 50


def read_file(path: str | os.PathLike[str]) -> tuple[Any, Lines, str]:
    """The data and key lines of the YAML (``.yaml``, ``.yml``) or JSON file *path*.

    :returns: ``(data, lines, source)``, *source* being the path as given.
    :raises ConfigError: for an unreadable file or a syntax error (with its line).
    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the file: {error}", source=source) from None
    fmt = "yaml" if source.lower().endswith(_YAML_SUFFIXES) else "json"
    data, lines = read_text(text, fmt, source=source)
    return data, lines, source


def read_text(text: str, fmt: str, *, source: str) -> tuple[Any, Lines]:
    """The data and key lines of *text* in *fmt* (``"yaml"`` or ``"json"``)."""
    if fmt == "yaml":
        return _read_yaml(text, source)
    if fmt == "json":
        return _read_json(text, source)
    raise ValueError(f"unknown format {fmt!r}")


# JSON


def _read_json(text: str, source: str) -> tuple[Any, Lines]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"invalid JSON: {error.msg}", source=source, line=error.lineno) from None
    lines: Lines = {}
    _JsonWalker(text, source, lines).value(0, ())
    return data, lines


class _JsonWalker:
    """Finds the line of every key and item of a JSON text that is known to be valid."""

    _SCALAR_END = re.compile(r"[\s,\]}]")

    def __init__(self, text: str, source: str, lines: Lines) -> None:
        self.text = text
        self.source = source
        self.lines = lines
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, index: int) -> int:
        return bisect_right(self.newlines, index - 1) + 1

    def skip(self, i: int) -> int:
        while i < len(self.text) and self.text[i] in " \t\r\n":
            i += 1
        return i

    def string_end(self, i: int) -> int:
        """The index after the string starting at *i* (a ``"``)."""
        i += 1
        while self.text[i] != '"':
            i += 2 if self.text[i] == "\\" else 1
        return i + 1

    def value(self, i: int, path: PathKey) -> int:
        i = self.skip(i)
        char = self.text[i]
        if char == "{":
            return self.mapping(i + 1, path)
        if char == "[":
            return self.sequence(i + 1, path)
        if char == '"':
            return self.string_end(i)
        match = self._SCALAR_END.search(self.text, i)
        return len(self.text) if match is None else match.start()

    def mapping(self, i: int, path: PathKey) -> int:
        seen: set[str] = set()
        i = self.skip(i)
        if self.text[i] == "}":
            return i + 1
        while True:
            i = self.skip(i)
            end = self.string_end(i)
            key = json.loads(self.text[i:end])
            line = self.line(i)
            if key in seen:
                raise ConfigError(
                    f"duplicate key {key!r}", source=self.source, line=line, path=path, key=key
                )
            seen.add(key)
            where = (*path, key)
            self.lines[where] = line
            i = self.skip(end) + 1  # the ':'
            i = self.skip(self.value(i, (*path, key)))
            if self.text[i] == "}":
                return i + 1
            i += 1  # the ','

    def sequence(self, i: int, path: PathKey) -> int:
        i = self.skip(i)
        if self.text[i] == "]":
            return i + 1
        index = 0
        while True:
            i = self.skip(i)
            where = (*path, index)
            self.lines[where] = self.line(i)
            i = self.skip(self.value(i, (*path, index)))
            if self.text[i] == "]":
                return i + 1
            i += 1
            index += 1


# YAML

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
# PyYAML's (YAML 1.1) int and float patterns without the base-60 forms, which
# turn an unquoted 16:00 into the integer 960 and 10:00:00.5 into a float.
_INT_PATTERN = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT_PATTERN = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_loader_class: Any = None


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise ImportError(
            "reading YAML config files needs PyYAML: pip install 'argus-api-client[config]' "
            "(or write the file as JSON)"
        ) from None
    return yaml


def _loader(yaml: Any) -> Any:
    """A safe loader that reads ``16:00`` as a string (built on first use)."""
    global _loader_class
    if _loader_class is None:

        class Loader(yaml.SafeLoader):  # type: ignore[misc]
            pass

        Loader.yaml_implicit_resolvers = {
            first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT)]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        Loader.add_implicit_resolver(_INT, _INT_PATTERN, list("-+0123456789"))
        Loader.add_implicit_resolver(_FLOAT, _FLOAT_PATTERN, list("-+0123456789."))
        _loader_class = Loader
    return _loader_class


def _read_yaml(text: str, source: str) -> tuple[Any, Lines]:
    yaml = _yaml()
    loader = _loader(yaml)(text)
    try:
        node = loader.get_single_node()
        lines: Lines = {}
        data = _YamlBuilder(loader, yaml, source, lines).build(node, (), 0)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise ConfigError(
            f"invalid YAML: {error.problem or error}",
            source=source,
            line=None if mark is None else mark.line + 1,
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"invalid YAML: {error}", source=source) from None
    finally:
        loader.dispose()
    return data, lines


class _YamlBuilder:
    def __init__(self, loader: Any, yaml: Any, source: str, lines: Lines) -> None:
        self.loader = loader
        self.yaml = yaml
        self.source = source
        self.lines = lines

    def build(self, node: Any, path: PathKey, depth: int) -> Any:
        if node is None:  # an empty document
            return None
        if depth > _MAX_DEPTH:
            raise ConfigError("nested too deeply", source=self.source, path=path)
        if isinstance(node, self.yaml.MappingNode):
            self.loader.flatten_mapping(node)  # merge keys (<<)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    raise ConfigError(
                        f"keys must be strings, not {key!r} (quote it)",
                        source=self.source,
                        line=line,
                        path=path,
                    )
                if key in result:
                    raise ConfigError(
                        f"duplicate key {key!r}", source=self.source, line=line, path=path, key=key
                    )
                where = (*path, key)
                self.lines[where] = line
                result[key] = self.build(value_node, (*path, key), depth + 1)
            return result
        if isinstance(node, self.yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                where = (*path, index)
                self.lines[where] = item.start_mark.line + 1
                items.append(self.build(item, (*path, index), depth + 1))
            return items
        return self.loader.construct_object(node, deep=True)
