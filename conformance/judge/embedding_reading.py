"""What a client reads from an embeddings answer: each item's index and vector (base64 decoded as float32)."""

from __future__ import annotations

import base64
import binascii
import math
import struct
from typing import Any

TOLERANCE = 1e-6

Found = list[tuple[Any, Any]]


def _vector(value: Any) -> Any:
    """A base64 string as little-endian float32 values (what the official clients decode); anything else as sent."""
    if not isinstance(value, str):
        return value
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value
    return list(struct.unpack(f"<{len(raw) // 4}f", raw[: len(raw) // 4 * 4]))


def embeddings(body: Any) -> Found:
    """The suite's reading: (index, vector) per item of `data`, in the answer's order."""
    data = body.get("data") if isinstance(body, dict) else None
    return [(d.get("index"), _vector(d.get("embedding"))) for d in data or [] if isinstance(d, dict)]


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) and math.isnan(b):
            return True
        return abs(a - b) <= TOLERANCE
    return bool(a == b)


def same_embeddings(suite: Found, sdk: Found) -> bool:
    """Whether the SDK read the same indexes and vectors (within float32 rounding)."""
    return len(suite) == len(sdk) and all(i == j and _close(a, b) for (i, a), (j, b) in zip(suite, sdk))
