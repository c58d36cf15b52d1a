"""Opaque cursors for keyset pagination: a page starts after the last row
of the previous one, so a deep page costs what the first does, and rows
added meanwhile neither repeat nor push others off a page.

A cursor is the sort key of the last row sent, as URL-safe base64 of JSON.
Clients must treat it as opaque; it is not signed because it grants
nothing (every row is still filtered by what the reader may see).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any


class BadCursor(ValueError):
    pass


def encode(*key: Any) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, shape: tuple[type, ...]) -> tuple[Any, ...]:
    """The key in *cursor*, each value converted to the type in *shape*
    (datetime, int or str); BadCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadCursor("This cursor is not one the API gave out.") from error
    if not isinstance(values, list) or len(values) != len(shape):
        raise BadCursor("This cursor is not one the API gave out.")
    key: list[Any] = []
    for value, kind in zip(values, shape, strict=True):
        try:
            if kind is datetime:
                key.append(datetime.fromisoformat(value))
            elif kind is int:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise TypeError
                key.append(value)
            else:
                key.append(str(value))
        except (TypeError, ValueError) as error:
            raise BadCursor("This cursor is not one the API gave out.") from error
    return tuple(key)
