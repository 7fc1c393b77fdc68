"""What ``argus`` prints: tables, TSV, JSON and JSON Lines, streamed.

* ``table`` (the default on a terminal): a header, aligned columns, times
  in the local time zone, an open incident's end as ``open``; the last
  column is cut to the terminal's width.
* ``tsv`` (the default through a pipe): no header, one line per item,
  tab-separated, nothing cut; times ISO 8601 with their offset, an open
  end (and no value) empty; tabs, newlines and backslashes escaped as
  ``\\t``, ``\\n``, ``\\\\``.
* ``json``: one array (objects for single items); ``jsonl``: one object a
  line. Times are ISO 8601 with their offset, an open end is ``null``.

Listings are written as they are read: a table is aligned on its first
page, later rows keep those widths.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from ..models import STATELESS, SourceSystem, Tags
from ..time import is_infinity

__all__ = ["COLUMNS", "Output", "jsonable", "machine_text", "table_text"]

Getter = Callable[[Any], Any]


def _source(item: Any) -> Any:
    return item.source.name if isinstance(item.source, SourceSystem) else item.source


def _attr(name: str) -> Getter:
    return lambda item: getattr(item, name, None)


#: The columns of each kind of item: ``(header, value)``.
COLUMNS: dict[str, list[tuple[str, Getter]]] = {
    "incident": [
        ("PK", _attr("pk")),
        ("START", _attr("start_time")),
        ("END", _attr("end_time")),
        ("LEVEL", _attr("level")),
        ("ACKED", _attr("acked")),
        ("SOURCE", _source),
        ("SID", _attr("source_incident_id")),
        ("DESCRIPTION", _attr("description")),
    ],
    "event": [
        ("PK", _attr("pk")),
        ("TIMESTAMP", _attr("timestamp")),
        ("INCIDENT", _attr("incident")),
        ("TYPE", _attr("type")),
        ("ACTOR", _attr("actor")),
        ("DESCRIPTION", _attr("description")),
    ],
    "source": [
        ("PK", _attr("pk")),
        ("NAME", _attr("name")),
        ("TYPE", _attr("type")),
        ("USER", _attr("user")),
        ("BASE_URL", _attr("base_url")),
    ],
    "tag": [("KEY", lambda pair: pair[0]), ("VALUE", lambda pair: pair[1])],
    "type": [("NAME", lambda name: name)],
    "sync": [
        ("ACTION", lambda row: row["action"]),
        ("PK", lambda row: row["pk"]),
        ("SID", lambda row: row["sid"]),
        ("DETAIL", lambda row: row["detail"]),
    ],
    "result": [
        ("INCIDENT", lambda row: row["incident"]),
        ("RESULT", lambda row: row["result"]),
        ("DETAIL", lambda row: row.get("detail")),
    ],
}

#: How a JSON object of each kind is made from an item (default: :func:`jsonable`).
_OBJECTS: dict[str, Callable[[Any], Any]] = {
    "tag": lambda pair: {"key": pair[0], "value": pair[1]},
    "type": lambda name: {"name": name},
}

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def jsonable(value: Any) -> Any:
    """*value* as JSON data: models as objects, times ISO 8601, an open end ``null``."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return None if is_infinity(value) else value.isoformat()
    if value is STATELESS:
        return None
    if isinstance(value, Tags):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


def table_text(value: Any) -> str:
    """*value* for a person: local times, ``open``, ``yes``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return "open" if is_infinity(value) else value.astimezone().strftime(_TIME_FORMAT)
    if value is STATELESS:
        return "stateless"
    if isinstance(value, Tags):
        return ", ".join(value.strings())
    if isinstance(value, SourceSystem):
        return str(value.name)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return " ".join(str(value).split())  # one line


def machine_text(value: Any) -> str:
    """*value* for a TSV field: ISO 8601 times, ``true``/``false``, an open end empty."""
    if value is None or value is STATELESS:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return "" if is_infinity(value) else value.isoformat()
    if isinstance(value, Tags):
        return ",".join(value.strings())
    if isinstance(value, SourceSystem):
        return str(value.name)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Output:
    """Writes items to *stream* in format *fmt*; notes and progress to *err*.

    :param terminal: whether *stream* is a terminal (tables are cut to its width).
    :param progress: whether progress lines may be written to *err* (a terminal).
    """

    def __init__(
        self, fmt: str, stream: IO[str], err: IO[str], *, terminal: bool, progress: bool
    ) -> None:
        self.fmt = fmt
        self.stream = stream
        self.err = err
        self.terminal = terminal
        self.show_progress = progress
        self._progress_shown = False

    # Listings

    def items(
        self, kind: str, items: Iterable[Any], *, batch: int = 100, flush_each: bool = False
    ) -> int:
        """Write every item of *items* as it comes; return how many were written.

        The output is flushed after every *batch* items (the pages of a
        listing), or after each with *flush_each*; a table is aligned on the
        first *batch* items.
        """
        if flush_each:
            batch, first = 1, batch
        else:
            first = batch
        written = 0
        if self.fmt == "json":
            self.stream.write("[")
            for item in items:
                self.stream.write(",\n" if written else "\n")
                self.stream.write(json.dumps(self._object(kind, item), ensure_ascii=False))
                written += 1
                if written % batch == 0:
                    self.stream.flush()
            self.stream.write("\n]\n" if written else "]\n")
        elif self.fmt == "jsonl":
            for item in items:
                self.stream.write(json.dumps(self._object(kind, item), ensure_ascii=False) + "\n")
                written += 1
                if written % batch == 0:
                    self.stream.flush()
        elif self.fmt == "tsv":
            getters = [get for _, get in COLUMNS[kind]]
            for item in items:
                self.stream.write("\t".join(machine_text(get(item)) for get in getters) + "\n")
                written += 1
                if written % batch == 0:
                    self.stream.flush()
        else:
            written = self._table(kind, iter(items), first, batch)
        self.stream.flush()
        return written

    def _object(self, kind: str, item: Any) -> Any:
        return _OBJECTS.get(kind, jsonable)(item)

    def _table(self, kind: str, items: Iterator[Any], first_rows: int, batch: int) -> int:
        headers = [header for header, _ in COLUMNS[kind]]
        getters = [get for _, get in COLUMNS[kind]]
        first: list[list[str]] = []
        for item in items:
            first.append([table_text(get(item)) for get in getters])
            if len(first) >= first_rows:
                break
        if not first:
            return 0
        widths = [max(len(h), *(len(row[i]) for row in first)) for i, h in enumerate(headers)]
        limit = shutil.get_terminal_size().columns if self.terminal else None
        self.clear_progress()

        def line(cells: list[str]) -> str:
            text = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths[:-1], strict=True))
            text = f"{text}  {cells[-1]}" if text else cells[-1]
            if limit is not None and len(text) > limit:
                text = text[: max(limit - 1, 0)] + "…"
            return text.rstrip()

        self.stream.write(line(headers) + "\n")
        for row in first:
            self.stream.write(line(row) + "\n")
        self.stream.flush()
        written = len(first)
        for item in items:
            self.stream.write(line([table_text(get(item)) for get in getters]) + "\n")
            written += 1
            if written % batch == 0:
                self.stream.flush()
        return written

    # Single items

    def item(self, kind: str, item: Any) -> None:
        """Write one item: ``field: value`` lines in a table, else one object or row."""
        if self.fmt in ("json", "jsonl"):
            self.stream.write(json.dumps(self._object(kind, item), ensure_ascii=False) + "\n")
        elif self.fmt == "tsv":
            self.items(kind, [item])
            return
        else:
            data = (
                [(f.name, getattr(item, f.name)) for f in dataclasses.fields(item)]
                if dataclasses.is_dataclass(item)
                else [(header.lower(), get(item)) for header, get in COLUMNS[kind]]
            )
            width = max(len(name) for name, _ in data)
            for name, value in data:
                if name.startswith("_"):
                    continue
                self.stream.write(f"{name.ljust(width)}  {table_text(value)}".rstrip() + "\n")
        self.stream.flush()

    def value(self, value: Any, key: str) -> None:
        """Write one value (a count, a URL): as it is, or ``{key: value}`` in JSON."""
        if self.fmt in ("json", "jsonl"):
            self.stream.write(json.dumps({key: jsonable(value)}) + "\n")
        else:
            self.stream.write(f"{value}\n")
        self.stream.flush()

    def data(self, data: Any, text: str) -> None:
        """Write *data* as JSON in the machine formats, else *text*."""
        if self.fmt in ("json", "jsonl"):
            indent = None if self.fmt == "jsonl" else 2
            self.stream.write(json.dumps(jsonable(data), indent=indent, ensure_ascii=False) + "\n")
        else:
            self.stream.write(text.rstrip("\n") + "\n")
        self.stream.flush()

    # Notes and progress (standard error)

    def note(self, text: str) -> None:
        """A note for the person running the command (standard error, always)."""
        self.clear_progress()
        self.err.write(f"argus: {text}\n")
        self.err.flush()

    def progress(self, text: str) -> None:
        """A progress line, on a terminal only (rewritten in place)."""
        if not self.show_progress:
            return
        self.err.write(f"\r\x1b[K{text}")
        self.err.flush()
        self._progress_shown = True

    def clear_progress(self) -> None:
        if self._progress_shown:
            self.err.write("\r\x1b[K")
            self.err.flush()
            self._progress_shown = False
