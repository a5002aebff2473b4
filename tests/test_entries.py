"""Entries: each check's results.json text is made once, and is the text json.dumps would have written."""

from __future__ import annotations

import json
from typing import Any

from conformance.entries import Entries
from conformance.model import CheckResult, CheckSpec, Exchange, Outcome


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=1)


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
