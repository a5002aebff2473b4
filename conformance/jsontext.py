"""JSON text as json.dumps(value, ensure_ascii=False, indent=1) writes it (every report file), in half the time.

json's indented encoder is pure Python and passes every piece up through one generator per level (a check's
evidence nests ten deep); this one appends to one list. Only its C string encoder is json's own.
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring as _string  # json's C string encoder, as with ensure_ascii=False
from typing import Any

_INF = float("inf")


def indented(value: Any, *, allow_nan: bool = False) -> str:
    """value as json.dumps(value, ensure_ascii=False, allow_nan=allow_nan, indent=1) writes it, in half the time.

    Like json: ValueError on NaN or infinity unless allowed (then NaN, Infinity, -Infinity), TypeError on what
    JSON cannot hold (a circular value exceeds the recursion limit rather than being named).
    """
    out: list[str] = []
    _encode(value, out, "\n", _float_lax if allow_nan else _float)
    return "".join(out)


def _float(value: float) -> str:
    if value != value or value in (_INF, -_INF):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


def _float_lax(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (_INF, -_INF):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any, number: Callable[[float], str]) -> str:
    """A dict key as json writes it (the same order of tests as json's encoder)."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return number(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _encode(value: Any, out: list[str], newline: str, number: Callable[[float], str]) -> None:
    """Append value's text; newline is the line break and indentation of value's own level."""
    if isinstance(value, str):
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + " "
        out.append("[" + inner)
        for n, item in enumerate(value):
            if n:
                out.append("," + inner)
            if isinstance(item, str):
                out.append(_string(item))
            else:
                _encode(item, out, inner, number)
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + " "
        out.append("{" + inner)
        for n, (key, item) in enumerate(value.items()):
            if n:
                out.append("," + inner)
            out.append(_string(_key(key, number)) + ": ")
            if isinstance(item, str):
                out.append(_string(item))
            else:
                _encode(item, out, inner, number)
        out.append(newline + "}")
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")
