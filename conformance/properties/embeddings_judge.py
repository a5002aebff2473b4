"""What an embeddings answer must hold, for any generated request: one flat vector per input, in order."""

from __future__ import annotations

from typing import Any

from conformance import validate
from conformance.checks.embeddings import vectors as v
from conformance.context import error_message
from conformance.model import Exchange, Severity
from conformance.properties import triage
from conformance.properties.spec import Example, Judgement
from conformance.verdict import Fail

RESPONSE = "CreateEmbeddingResponse"


def _count(given: Any) -> int:
    """How many embeddings an input asks for: a list of strings or of token lists is a batch."""
    if isinstance(given, list) and given and isinstance(given[0], (str, list)):
        return len(given)
    return 1


class _Broken(Exception):
    def __init__(self, key: str, reason: str, severity: Severity = Severity.BREAKS_CLIENTS) -> None:
        super().__init__(reason)
        self.key, self.reason, self.severity = key, reason, severity


def _vectors(example: Example, body: dict[str, Any], notes: list[str]) -> list[list[float]]:
    base64 = example.body.get("encoding_format") == "base64"
    data = body.get("data")
    if base64 and isinstance(data, list) and data and isinstance(data[0], dict) and isinstance(
            data[0].get("embedding"), list):
        notes.append("encoding_format base64 ignored: float lists")
        base64 = False
    try:
        return v.vectors(body, "response", _count(example.body.get("input")), encoded=base64)
    except Fail as exc:
        raise _Broken("vectors", exc.reason, exc.severity) from None


def _plain(example: Example, body: Any, notes: list[str], devs: list[str]) -> None:
    if not isinstance(body, dict):
        raise _Broken("not json", f"the 2xx answer is not a JSON object: {str(body)[:150]}")
    vecs = _vectors(example, body, notes)
    decoded = {**body, "data": [{**d, "embedding": vec} for d, vec in zip(body["data"], vecs)]}
    report = validate.check(RESPONSE, decoded)
    devs.extend(f"response: {d}" for d in report.deviations if f"response: {d}" not in devs)
    if report.breaking:
        raise _Broken("schema", "the response breaks the CreateEmbeddingResponse schema: "
                      + "; ".join(report.breaking[:2]), Severity.VIOLATES_SPEC)
    lengths = sorted({len(x) for x in vecs})
    if len(lengths) > 1:
        raise _Broken("length", f"the vectors of one answer have different lengths {lengths}")
    dims = example.body.get("dimensions")
    if isinstance(dims, int) and lengths[0] != dims:
        notes.append(f"dimensions ignored: {lengths[0]} floats for dimensions={dims}")
    given = body.get("usage")
    usage = given if isinstance(given, dict) else {}
    if usage.get("total_tokens") != usage.get("prompt_tokens"):
        raise _Broken("usage", f"usage.total_tokens {usage.get('total_tokens')} != prompt_tokens {usage.get('prompt_tokens')}",
                      Severity.VIOLATES_SPEC)


def judge_valid(example: Example, ex: Exchange) -> Judgement:
    """A valid request gets a 2xx with one flat vector per input; a clear 4xx is noted, unless the request is plainest."""
    status = ex.status or 0
    if (early := triage.valid_rejected(example, ex)) is not None:
        return early
    if status >= 500:
        return Judgement(f"a valid request ({example.label}) got a server error {status}: "
                         f"{error_message(ex.response_body)}", key="server error")
    if not 200 <= status < 300:
        return Judgement(f"a valid request ({example.label}) was answered {status}", key=f"status {status}")
    notes: list[str] = []
    devs: list[str] = []
    try:
        _plain(example, ex.response_body, notes, devs)
    except _Broken as b:
        return Judgement(f"a valid request ({example.label}) broke an invariant: {b.reason}", key=b.key,
                         deviations=tuple(devs), severity=b.severity)
    return Judgement(observation="; ".join(notes) or None, deviations=tuple(devs))
