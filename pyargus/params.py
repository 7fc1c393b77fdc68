"""Query parameters as Argus expects them.

Filters are passed through by name; only their values are encoded:
``True``/``False`` → ``true``/``false``, datetimes → ISO 8601 with offset,
lists, tuples and sets → comma-joined, ``None`` → left out. ``tags`` also
takes a mapping or pairs, sent as one ``key=value,key=value`` parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .checks import incident_pk
from .exceptions import InvalidTagError
from .models import Incident, Tags
from .time import encode_datetime

__all__ = ["encode_filters", "encode_value"]


def encode_value(value: Any) -> str:
    """One query parameter value, as Argus parses it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return encode_datetime(value)
    if isinstance(value, Incident):
        return str(incident_pk(value))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ",".join(encode_value(item) for item in items)
    return str(value)


def encode_tags_filter(tags: Any) -> str:
    """The ``tags`` filter: ``key=value`` pairs, comma-joined in one value.

    Within a key, Argus ORs the values; across keys it ANDs them.
    """
    if isinstance(tags, str):
        return tags
    if isinstance(tags, (list, tuple)) and all(isinstance(t, str) for t in tags):
        return ",".join(tags)
    pairs = Tags(tags) if not isinstance(tags, Tags) else tags
    for key, value in pairs.allitems():
        if not value or "," in value:
            raise InvalidTagError(
                f"cannot filter on tag {key}={value!r}: Argus needs a non-empty value "
                "without commas"
            )
    return ",".join(pairs.strings())


def encode_filters(filters: Mapping[str, Any]) -> dict[str, str]:
    """Encode every filter, leaving out the ``None`` ones."""
    params = {}
    for name, value in filters.items():
        if value is None:
            continue
        if name == "tags":
            params[name] = encode_tags_filter(value)
        else:
            params[name] = encode_value(value)
    return params
