"""Rate limits waited out, budgets that end a run cleanly, and the circuit breaker for a silent server."""

from __future__ import annotations

import email.utils
import time
from pathlib import Path

import jsonschema

from conformance import exitcodes, results
from conformance.context import Run
from conformance.http import Client
from conformance.limits import SILENT_IN_A_ROW, retry_after_s
from conformance.registry import all_checks, select
from conformance.runner import execute
from tests.badservers import MODELS_OK, tcp_server
from tests.fake import FakeServer
from tests.helpers import target_for
from tests.test_cli_run import oai


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = float(int(time.time()))  # HTTP dates have whole seconds
    assert retry_after_s("3") == 3.0
    assert retry_after_s(email.utils.formatdate(now + 20, usegmt=True), now=now) == 20.0
    assert retry_after_s(email.utils.formatdate(now - 20, usegmt=True), now=now) == 0.0
    assert retry_after_s("soon") is None and retry_after_s(None) is None


def _run_one(base_url: str, check_id: str) -> tuple[str, Run]:
    run = Run(target_for(base_url), Client(target_for(base_url)))
    try:
        (check,) = select(all_checks(), check_id)
        return execute(check, run).outcome.value, run
    finally:
        run.close()


def test_a_429_with_retry_after_is_waited_out_and_counted() -> None:
    with FakeServer(rate_limited=2, retry_after="1") as srv:
        outcome, run = _run_one(srv.base_url, "chat.response.object")
    assert outcome == "pass"  # judged on the answer after the wait, never on the 429
    assert run.limits.rate_limited == 2 and run.limits.retry_wait_s == 2.0


def test_a_retry_after_date_is_waited_out() -> None:
    with FakeServer(rate_limited=1, retry_after=email.utils.formatdate(time.time() + 1, usegmt=True)) as srv:
        outcome, run = _run_one(srv.base_url, "chat.response.object")
    assert outcome == "pass" and run.limits.rate_limited == 1


def test_a_rate_limit_longer_than_the_timeout_is_not_judged() -> None:
    with FakeServer(rate_limited=5, retry_after="3600") as srv:
        outcome, run = _run_one(srv.base_url, "chat.response.object")
    assert outcome == "error" and run.limits.rate_limited == 1


def test_a_mostly_rate_limited_run_exits_4(tmp_path: Path) -> None:
    with FakeServer(rate_limited=1000, retry_after="0") as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", "out", "--timeout", "2",
                "--only", "chat.response.*", cwd=tmp_path)
    assert r.returncode == exitcodes.NOT_JUDGED, r.stdout[-2000:] + r.stderr[-2000:]
    assert "rate limited" in r.stdout
    assert {c["outcome"] for c in results.load(tmp_path / "out")["checks"]} == {"error"}


def test_a_spent_budget_ends_the_run_cleanly_with_its_reports(tmp_path: Path) -> None:
    with FakeServer() as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", "out",
                "--max-requests", "12", "--concurrency", "2", cwd=tmp_path)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    doc = results.load(tmp_path / "out")
    jsonschema.Draft202012Validator(results.results_schema()).validate(doc)
    assert doc["complete"] and doc["limits"]["max_requests"] == 12
    assert doc["usage"]["requests"] <= 12 + 2  # at most the requests already in flight finish
    skipped = [c for c in doc["checks"] if c["reason"].startswith("budget spent")]
    assert skipped and all(c["outcome"] == "skip" for c in skipped)
    assert doc["limits"]["exhausted"].startswith("budget spent")
    assert "budget: " in r.stdout and "of 12 requests" in r.stdout
    for name in ("checklist.md", "junit.xml", "report.html"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_the_circuit_breaker_ends_a_run_against_a_hanging_server(tmp_path: Path) -> None:
    accepted: list[int] = []
    with tcp_server(None, first=MODELS_OK, accepted=accepted) as url:
        r = oai("run", "--base-url", url, "--model", "m", "--output", "out", "--timeout", "1", cwd=tmp_path)
    assert r.returncode == exitcodes.UNREACHABLE, r.stdout[-2000:] + r.stderr[-2000:]
    doc = results.load(tmp_path / "out")
    assert doc["limits"]["stopped"] and "stopped early" in r.stdout
    # Bounded by counting, not timing: the preflight, the idle-server checks one at a time (at most 3
    # requests, one --timeout each) and one concurrent round of 4, then nothing more is sent: 4 x --timeout.
    alone = sum(1 for c in all_checks() if c.spec.alone)
    assert len(accepted) <= 1 + max(alone, SILENT_IN_A_ROW) + 4, len(accepted)
    never_sent = [c for c in doc["checks"] if "the target stopped answering" in c["reason"]]
    assert len(never_sent) > len(doc["checks"]) // 2
    assert all(c["outcome"] == "error" for c in never_sent)


def test_streams_that_stall_are_no_longer_sent_after_five_timeouts(tmp_path: Path) -> None:
    with FakeServer(stall_streams=True) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", "out", "--timeout", "1",
                "--only", "stream.*,chat.response.*", cwd=tmp_path)
        streamed = sum(1 for _, _, body in srv.requests if isinstance(body, dict) and body.get("stream") is True)
    doc = results.load(tmp_path / "out")
    not_sent = [c for c in doc["checks"] if "stalled 5 times" in c["reason"]]
    assert not_sent and all(c["outcome"] == "error" for c in not_sent), r.stdout[-2000:]
    # Five stalls, plus what was already in flight when the fifth came (at most 3 more at concurrency 4).
    assert streamed <= 5 + 3, streamed
    assert {c["outcome"] for c in doc["checks"] if c["id"].startswith("chat.response.")} == {"pass"}
    assert r.returncode == exitcodes.NOT_JUDGED and not doc["limits"]["stopped"]


def test_a_token_budget_and_a_duration_are_budgets_too() -> None:
    from conformance.limits import Budget, Limits

    tokens = Limits(Budget(max_tokens=100))
    assert tokens.check_budget(3, 99) is None
    assert "--max-tokens 100" in (tokens.check_budget(4, 100) or "") and tokens.exhausted
    duration = Limits(Budget(max_duration_s=0.0))
    assert "--max-duration 0" in (duration.check_budget(0, 0) or "")


def test_max_duration_ends_the_run_cleanly(tmp_path: Path) -> None:
    with FakeServer(latency=0.05) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", "out",
                "--max-duration", "1", "--concurrency", "1", cwd=tmp_path)
    doc = results.load(tmp_path / "out")
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    assert doc["complete"] and "--max-duration 1" in doc["limits"]["exhausted"]
    assert any(c["outcome"] == "skip" and c["reason"].startswith("budget spent") for c in doc["checks"])
