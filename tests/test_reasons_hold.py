"""A reason never contradicts its own evidence: counts, statuses and "all"/"each" claims hold on the exchanges.

A whole run on the fake, conformant and with several tolerated deviations on at once, and every reason
read against the exchanges its check recorded. Each rule reads one kind of claim; a rule that no reason
of the runs makes fails too, so the rules stay in step with how the checks word their reasons.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import bundled, results, sse
from conformance.model import CheckResult, CheckSpec, Exchange, Outcome
from tests.fake import FakeServer
from tests.helpers import run_checks

KEY = "sk-reasons"
REPORTS = sorted(p.parent for p in (Path(__file__).resolve().parents[1] / "reports").glob("*/results.json"))
# Departures that keep checks passing (or make them fail for a reason) while changing what they see.
MIX = frozenset({"stream.created_changes", "errors.validation_200", "routes.wrong_method_404", "errors.wrong_status",
                 "stream.keepalive_comments", "chat.no_logprobs_key", "tools.content_not_null"})

Rule = Callable[[re.Match[str], CheckResult], str | None]


def _streams(result: CheckResult) -> list[list[dict[str, Any]]]:
    """The JSON object chunks of every streamed answer in the evidence."""
    out = []
    for ex in result.evidence:
        if ex.raw_body and ex.raw_body.lstrip().startswith((":", "data:", "event:")):
            out.append([c for c in sse.parse(ex.raw_body).chunks if isinstance(c, dict)])
    return out


def _statuses(result: CheckResult) -> list[int]:
    return [ex.status for ex in result.evidence if ex.status is not None]


_MISSING = object()


def _item(text: str) -> tuple[str, Any]:
    """'id \\'x\\'' -> ('id', 'x'); a bare key -> (key, _MISSING)."""
    key, _, value = text.strip().partition(" ")
    return key, ast.literal_eval(value) if value else _MISSING


def all_chunks(m: re.Match[str], result: CheckResult) -> str | None:
    """'<key value, ...> in all N chunks': one stream of N chunks, each carrying those keys with those values."""
    n = int(m["n"])
    items = [_item(t) for t in re.split(r", | and ", m["what"])]
    for chunks in _streams(result):
        if len(chunks) == n and all(c.get(k, _MISSING) == v if v is not _MISSING else k in c
                                    for c in chunks for k, v in items):
            return None
    return f"no streamed answer has {n} chunks that all carry {m['what']}"


def chunk_count(m: re.Match[str], result: CheckResult) -> str | None:
    """'N chunks': a streamed answer of N chunks."""
    n = int(m["n"])
    counts = [len(c) for c in _streams(result)]
    return None if n in counts else f"says {n} chunks; the streams have {counts}"


def status_seen(m: re.Match[str], result: CheckResult) -> str | None:
    """'rejected with 4xx', 'got 200', '(400)': that status is among the recorded answers."""
    status = int(m["status"])
    if m["verb"] == "rejected with" and status < 400:
        return f"calls {status} a rejection"
    return None if status in _statuses(result) else f"names status {status}; the answers were {_statuses(result)}"


_WORDS = {"one": 1, "two": 2, "three": 3}


def counted(m: re.Match[str], result: CheckResult) -> str | None:
    """'each of two rejected ones': that many rejections; 'each of 2 invalid ones: a (400), b (200)': 2 listed."""
    n = _WORDS.get(m["n"]) or int(m["n"])
    if m["kind"] == "rejected":
        rejected = [s for s in _statuses(result) if s >= 400]
        return None if len(rejected) >= n else f"claims {n} rejections; the answers were {_statuses(result)}"
    listed = re.findall(r"\(([1-5]\d\d)\)", result.reason[m.end():])
    return None if len(listed) == n else f"claims {n} invalid requests but lists {len(listed)}"


RULES: dict[str, tuple[re.Pattern[str], Rule]] = {
    "all_chunks": (re.compile(r"(?:^|; )(?P<what>[^;]+?) in all (?P<n>\d+) chunks"), all_chunks),
    "chunk_count": (re.compile(r"(?<!in all )\b(?P<n>\d+) chunks\b"), chunk_count),
    "status_seen": (re.compile(r"\b(?P<verb>rejected with|answered|gave|got) (?P<status>[1-5]\d\d)\b"
                               r"|\((?P<verb2>)(?P<status2>[1-5]\d\d)\)"), status_seen),
    "counted": (re.compile(r"each of (?P<n>\d+|one|two|three) (?P<kind>rejected|invalid) ones"), counted),
}


def contradictions(result: CheckResult) -> Iterator[tuple[str, str]]:
    """(rule, problem) for every claim of the reason its evidence does not bear out."""
    for name, (pattern, rule) in RULES.items():
        for m in pattern.finditer(result.reason):
            groups = m.groupdict()
            if groups.get("status2"):
                m = re.match(r"(?P<verb>)(?P<status>\d+)", groups["status2"])  # type: ignore[assignment]
                assert m is not None
            problem = rule(m, result)
            if problem:
                yield name, problem


def _run(deviations: frozenset[str]) -> dict[str, CheckResult]:
    with FakeServer(deviations=deviations, api_key=KEY) as srv:
        return run_checks(srv.base_url, "*", api_key=KEY)


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, CheckResult]]:
    """A whole run on the conformant fake and one with the MIX of deviations."""
    return {"conformant": _run(frozenset()), "mix": _run(MIX)}


def test_no_pass_reason_contradicts_its_evidence(runs: dict[str, dict[str, CheckResult]]) -> None:
    """Every claim a pass reason makes holds on the check's recorded exchanges, in both runs."""
    found = {f"{run}/{cid}": [f"{rule}: {p}" for rule, p in contradictions(r)]
             for run, results in runs.items() for cid, r in results.items() if r.outcome is Outcome.PASS}
    assert {k: v for k, v in found.items() if v} == {}


def test_every_rule_reads_some_reason(runs: dict[str, dict[str, CheckResult]]) -> None:
    """A rule whose claim no reason makes any more checks nothing."""
    used = {name for results in runs.values() for r in results.values() if r.outcome is Outcome.PASS
            for name, (pattern, _) in RULES.items() if pattern.search(r.reason)}
    assert used == set(RULES)


@pytest.mark.parametrize(
    ("check_id", "old_reason", "rule"),
    [
        # Both once said so on bundled reports: drift shown beside "all", and an accepted request counted as rejected.
        ("stream.chunk.created_model",
         "created {created}, model 'fake-model' in all {n} chunks (changing mid-stream: a deviation)", "all_chunks"),
        ("validation.server.survives", "a valid request got 200 right after each of two rejected ones",
         "counted"),
    ],
)
def test_the_rules_catch_the_contradictions_once_shipped(runs: dict[str, dict[str, CheckResult]], check_id: str,
                                                        old_reason: str, rule: str) -> None:
    """The former wordings, put back on the mix run's evidence, are caught."""
    result = runs["mix"][check_id]
    chunks: list[dict[str, Any]] = max(_streams(result), key=len, default=[{}])
    reason = old_reason.format(created=chunks[0].get("created"), n=len(chunks))
    assert rule in {name for name, _ in contradictions(dataclasses.replace(result, reason=reason))}


def _from_json(row: dict[str, Any]) -> CheckResult:
    """A results.json row back as a CheckResult, with what the rules read: reason, statuses, raw bodies."""
    evidence = tuple(Exchange(e["request"]["method"], e["request"]["url"], {}, e["request"].get("body"),
                              e["response"].get("status"), {}, e["response"].get("body"), e["response"].get("raw"))
                     for e in row["evidence"])
    spec = CheckSpec(row["id"], row["endpoint"], row["feature"], row["field"], row["behavior"])
    return CheckResult(spec, Outcome(row["outcome"]), row["reason"], evidence, tuple(row["deviations"]))


def test_every_bundled_report_is_read() -> None:
    """An empty parameter list would skip the test below without a word."""
    assert [p.name for p in REPORTS] == [p.name for p in bundled.recordings()]


@pytest.mark.parametrize("folder", REPORTS, ids=[p.name for p in REPORTS])
def test_no_pass_reason_of_a_bundled_report_contradicts_its_evidence(folder: Path) -> None:
    """The same rules on what real servers answered (the committed reports hold every exchange)."""
    rows = [_from_json(row) for row in results.load(folder)["checks"] if row["outcome"] == Outcome.PASS.value]
    found = {r.spec.id: [f"{rule}: {p}" for rule, p in contradictions(r)] for r in rows}
    assert {k: v for k, v in found.items() if v} == {}
