"""Entries: each check's results.json text is made once, and is the text json.dumps would have written."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest

from conformance.entries import Entries, indented
from conformance.model import CheckResult, CheckSpec, Exchange, Outcome


class _Word(str, enum.Enum):
    A = "a"


class _Number(enum.IntEnum):
    THREE = 3


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=1)


@pytest.mark.parametrize("value", [
    {}, [], (), "", 0, -1.5, 1e300, -0.0, 10**30, True, False, None, "é\n\"\\\u2028\x00",
    {"a": [], "b": {}, "c": [{}], "d": [[], [{"e": None}]]},
    {1: "int key", 2.5: "float key", True: "bool key", None: "none key"},
    (1, [2, (3,)]), [_Word.A, _Number.THREE, {_Word.A: _Number.THREE}],
])
def test_indented_writes_what_json_writes(value: Any) -> None:
    assert indented(value) == _json(value)


@pytest.mark.parametrize("value", [float("nan"), [float("inf")], {"k": -float("inf")}, {float("nan"): 1}])
def test_indented_refuses_non_finite_numbers_like_json(value: Any) -> None:
    with pytest.raises(ValueError):
        _json(value)
    with pytest.raises(ValueError):
        indented(value)


@pytest.mark.parametrize("value", [{"k": object()}, [b"bytes"], {(1, 2): "tuple key"}])
def test_indented_refuses_what_json_cannot_hold_like_json(value: Any) -> None:
    with pytest.raises(TypeError):
        _json(value)
    with pytest.raises(TypeError):
        indented(value)


def _result(check_id: str, body: Any) -> CheckResult:
    spec = CheckSpec(id=check_id, endpoint="/v1/chat/completions", feature="Chat", field=None, behavior="answers")
    ex = Exchange(method="POST", url="http://127.0.0.1:1/v1/chat/completions", request_headers={},
                  request_body={"model": "m"}, status=200, response_headers={"content-type": "application/json"},
                  response_body=body)
    return CheckResult(spec, Outcome.PASS, "as specified", evidence=(ex,), details={"n": [1, 2.5]})


def test_an_entry_is_built_and_encoded_once_per_result() -> None:
    entries, result = Entries(), _result("chat.a", {"choices": [{"message": {"content": "hi"}}]})
    assert entries.entry(result) is entries.entry(result)
    assert entries.entry(result) == result.to_json()
    assert entries.text(entries.entry(result)) is entries.text(entries.entry(result))
    assert entries.text(entries.entry(result)) == _json(result.to_json())


def test_a_document_reads_as_json_wrote_it_whether_its_entries_were_made_or_not() -> None:
    entries = Entries()
    made = [_result(f"chat.{n}", {"choices": [{"text": "x" * n}], "list": [[], {}]}) for n in range(3)]
    entries.text(entries.entry(made[0]))  # one made ahead (the HTML row), the others on writing
    # An entry changed after it was made (a client's break cites the check) is a new dict: encoded as it is now.
    cited = {**entries.entry(made[1]), "severity": "breaks-clients"}
    doc = {"results_version": 1, "checks": [entries.entry(made[0]), cited, made[2].to_json()],
           "features": [{"key": "chat", "checks": ["chat.0"]}], "clients": []}
    assert entries.document(doc) == _json(doc)
