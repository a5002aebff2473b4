"""jsontext.indented writes what json.dumps(value, ensure_ascii=False, indent=1) writes, and refuses what it refuses."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest

from conformance.jsontext import indented


class _Word(str, enum.Enum):
    A = "a"


class _Number(enum.IntEnum):
    THREE = 3


def _json(value: Any, allow_nan: bool = False) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=allow_nan, indent=1)


VALUES = [
    {}, [], (), "", 0, -1.5, 1e300, -0.0, 10**30, True, False, None, "é\n\"\\\u2028\x00",
    {"a": [], "b": {}, "c": [{}], "d": [[], [{"e": None}]]},
    {3: "int key", 2.5: "float key", True: "bool key", None: "none key"},
    (1, [2, (3,)]), [_Word.A, _Number.THREE, {_Word.A: _Number.THREE}],
]
NON_FINITE = [float("nan"), [float("inf")], {"k": -float("inf")}, {float("nan"): 1}]


@pytest.mark.parametrize("value", VALUES)
def test_indented_writes_what_json_writes(value: Any) -> None:
    assert indented(value) == _json(value)


@pytest.mark.parametrize("value", NON_FINITE)
def test_indented_refuses_non_finite_numbers_like_json(value: Any) -> None:
    with pytest.raises(ValueError):
        _json(value)
    with pytest.raises(ValueError):
        indented(value)


@pytest.mark.parametrize("value", NON_FINITE + VALUES)
def test_indented_writes_non_finite_numbers_like_json_when_allowed(value: Any) -> None:
    assert indented(value, allow_nan=True) == _json(value, allow_nan=True)


@pytest.mark.parametrize("value", [{"k": object()}, [b"bytes"], {(1, 2): "tuple key"}])
def test_indented_refuses_what_json_cannot_hold_like_json(value: Any) -> None:
    with pytest.raises(TypeError):
        _json(value)
    with pytest.raises(TypeError):
        indented(value)
