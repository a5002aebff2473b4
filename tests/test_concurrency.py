"""Checks run concurrently: shared requests sent once, idle-server checks alone, reports as a sequential run's."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest

from conformance import exitcodes, results
from conformance.model import CheckResult, CheckSpec, Exchange, Outcome
from conformance.registry import Check, all_checks
from conformance.scheduler import Scheduler
from conformance.sharing import SharedCache
from tests.fake import FakeServer
from tests.test_cli_run import oai


def _exchange(n: int) -> Exchange:
    return Exchange("GET", f"http://x/{n}", {}, None, 200, {}, {"n": n})


def test_a_request_in_flight_is_waited_for_not_sent_again() -> None:
    cache, sent, started, release = SharedCache(), [], threading.Event(), threading.Event()

    def send() -> Exchange:
        sent.append(1)
        started.set()
        release.wait(5)
        return _exchange(len(sent))

    got: list[tuple[Exchange, bool]] = []
    first = threading.Thread(target=lambda: got.append(cache.fetch("k", send)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: got.append(cache.fetch("k", send)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert len(sent) == 1
    assert sorted(shared for _, shared in got) == [False, True]
    assert got[0][0] is got[1][0]


def test_a_failed_request_in_flight_is_tried_again_by_the_waiter() -> None:
    cache, calls = SharedCache(), []

    def fail() -> Exchange:
        calls.append("fail")
        raise RuntimeError("no answer")

    with pytest.raises(RuntimeError):
        cache.fetch("k", fail)
    ex, shared = cache.fetch("k", lambda: _exchange(2))
    assert not shared and ex.response_body == {"n": 2} and calls == ["fail"]


def _fake_checks(n: int, alone: set[int], many: set[int] = frozenset()) -> list[Check]:
    return [Check(CheckSpec(f"c.{i}", "chat", "f", None, "b", alone=i in alone, many_requests=i in many),
                  lambda ctx: None) for i in range(n)]


def test_alone_checks_run_first_one_at_a_time_then_long_chains_start_first() -> None:
    lock, running, order = threading.Lock(), [0], []

    def work(check: Check) -> CheckResult:
        with lock:
            running[0] += 1
            order.append((check.spec.id, running[0]))
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return CheckResult(check.spec, Outcome.PASS, check.spec.id)

    checks = _fake_checks(12, alone={3, 7}, many={10})
    sched = Scheduler(checks, work, concurrency=1)
    got = [sched.result(c.spec.id).reason for c in checks]
    assert got == [c.spec.id for c in checks]  # each item gets its own result, whatever ran first
    assert [cid for cid, _ in order[:3]] == ["c.3", "c.7", "c.10"] and all(n == 1 for _, n in order[:2])


def test_alone_checks_are_judged_once_the_concurrent_phase_has_begun() -> None:
    lock, events = threading.Lock(), []

    def note(what: str) -> None:
        with lock:
            events.append(what)

    def work(check: Check) -> CheckResult:
        note(f"run {check.spec.id}")
        return CheckResult(check.spec, Outcome.PASS, check.spec.id)

    def finish(result: CheckResult) -> CheckResult:
        note(f"judge {result.spec.id}")
        return CheckResult(result.spec, Outcome.PASS, result.reason + " judged")

    checks = _fake_checks(6, alone={1, 4})
    sched = Scheduler(checks, work, concurrency=2, together=lambda: note("together"), finish=finish,
                      first=lambda: note("first"))
    assert [sched.result(c.spec.id).reason for c in checks] == [f"c.{i} judged" for i in range(6)]
    # Before any check, what sends nothing; then the alone checks back to back, nothing judged in between.
    assert events[:4] == ["first", "run c.1", "run c.4", "together"]
    assert sorted(e for e in events if e.startswith("judge")) == sorted(f"judge c.{i}" for i in range(6))


def test_checks_that_need_an_idle_server_say_so() -> None:
    alone = {c.spec.id for c in all_checks() if c.spec.alone}
    assert {"chat.requests.isolated", "stream.delivery.incremental", "stream.content.matches"} <= alone
    # Verdicts llama.cpp's batching decided under load (seen by hand: all four differ alone).
    assert {"fields.seed.repeatable", "chat.messages.content_parts", "fields.top_p.collapses",
            "stream.n.choices"} <= alone


def _steady(text: str) -> str:
    """Text without what the server stamps on each answer (creation times, dates, random ids)."""
    text = re.sub(r"127\.0\.0\.1:\d+", "<fake>", text)
    text = re.sub(r"\b\d{9,}\b", "<time>", text)
    text = re.sub(r"\d\d:\d\d:\d\d( GMT|\+00:00)", "<date>", text)
    return re.sub(r"(chatcmpl|call|req|resp|msg|fc)[-_][A-Za-z0-9]+", r"\1-<id>", text)


# Reasons that differ between any two runs: sampled at temperature 1, or quoting delivery timings.
VARYING_REASONS = {"fields.n.choices", "stream.delivery.incremental"}


def _comparable(doc: dict) -> dict:
    """What must not change with concurrency: every verdict, reason and request, in the same order."""
    return {
        **{k: doc[k] for k in ("summary", "gate", "features", "fields", "usage", "complete")},
        "checks": [
            {"id": c["id"], "outcome": c["outcome"], "reason": c["id"] in VARYING_REASONS or _steady(c["reason"]), "deviations": c["deviations"],
             "requests": [_steady(json.dumps(e["request"], sort_keys=True)) for e in c["evidence"]]}
            for c in doc["checks"]
        ],
        # The client matrix runs after the checks at concurrency 1 and beside them above: the same cells (the
        # values differ: the fake's text depends on the order it is asked in).
        "clients": [(c["id"], c["outcome"], _steady(c.get("reason") or ""))
                    for c in doc.get("clients", [])],
    }


def _junit_cases(path: Path) -> list[str]:
    return re.findall(r'<testcase [^>]*name="([^"]+)"', path.read_text())


@pytest.mark.slow
def test_concurrency_1_and_8_give_the_same_reports(tmp_path: Path) -> None:
    outs, in_flight = {}, {}
    for n in (1, 8):
        with FakeServer(latency=0.02) as srv:
            r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--name", "fk",
                    "--concurrency", str(n), "--output", str(tmp_path / str(n)), cwd=tmp_path)
            assert r.returncode == exitcodes.OK, r.stdout[-3000:] + r.stderr[-3000:]
            outs[n], in_flight[n] = tmp_path / str(n), srv.max_in_flight
    assert in_flight[1] == 1 and 1 < in_flight[8] <= 8
    one, eight = (results.load(outs[n]) for n in (1, 8))
    assert _comparable(one) == _comparable(eight)
    # Shared requests are sent once, whatever the concurrency (usage is compared above too).
    assert one["usage"]["requests"] == eight["usage"]["requests"]
    assert _steady((outs[1] / "checklist.md").read_text()) == _steady((outs[8] / "checklist.md").read_text())
    assert _junit_cases(outs[1] / "junit.xml") == _junit_cases(outs[8] / "junit.xml")


def test_concurrency_comes_from_the_command_line_then_the_target_file(tmp_path: Path) -> None:
    from conformance.config import ConfigError, concurrency

    f = tmp_path / "t.toml"
    f.write_text('[target]\nbase_url = "http://127.0.0.1:1/v1"\nmodel = "m"\nconcurrency = 2\n')
    assert concurrency(None, None, replay=False) == 4 and concurrency(None, None, replay=True) == 1
    assert concurrency(None, str(f), replay=False) == 2 and concurrency(6, str(f), replay=False) == 6
    f.write_text('[target]\nbase_url = "http://127.0.0.1:1/v1"\nmodel = "m"\nconcurrency = 0\n')
    with pytest.raises(ConfigError, match="concurrency"):
        concurrency(None, str(f), replay=False)


def test_the_matrix_runs_beside_the_checks_on_slots_of_its_own_unless_it_cannot() -> None:
    from conformance.clients.alongside import after_checks, lanes
    from conformance.clients.registry import CLIENTS
    from conformance.context import Run
    from conformance.limits import Budget, Limits

    def run(replay: bool = False, budget: Budget = Budget()) -> Run:
        return Run(target=None, client=None, replay=replay, limits=Limits(budget))  # type: ignore[arg-type]

    assert lanes(run(), 1) is None  # one slot: the checks' own, so the clients wait for the checks to end
    assert lanes(run(), 4) == 2 and lanes(run(), 32) == len(CLIENTS)  # half the slots, a client each
    assert lanes(run(replay=True), 1) == len(CLIENTS)  # a recording answers at once
    assert lanes(run(budget=Budget(max_requests=50)), 8) is None  # the checks have the budget's first claim
    # After the checks: as many clients as slots, every client on replay, one after the other under a budget.
    assert after_checks(run(), 4) == 4 and after_checks(run(replay=True), 1) == len(CLIENTS)
    assert after_checks(run(budget=Budget(max_tokens=900)), 8) == 1


def test_live_the_matrix_runs_its_alone_scenarios_last_one_client_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.clients import alongside
    from conformance.clients.cells import Cell, CellOutcome
    from conformance.clients.scenarios import SCENARIOS
    from conformance.context import Run
    from conformance.limits import Limits

    calls: list[tuple[int, list[str]]] = []

    def fake_matrix(run, only, tape, at_once, procs, slots=None, part=None):  # type: ignore[no-untyped-def]
        ids = [s.id for s in SCENARIOS if part is None or part(s)]
        calls.append((at_once, ids))
        return [Cell("openai-python", "openai-python", "1", i, "chat", CellOutcome.WORKS) for i in ids]

    monkeypatch.setattr(alongside, "run_matrix", fake_matrix)
    live = Run(target=None, client=None, limits=Limits())  # type: ignore[arg-type]
    cells = alongside.after(live, "client.openai-python.*", None, 4, None)  # type: ignore[arg-type]
    alone = [s.id for s in SCENARIOS if s.alone]
    assert alone == ["chat.stream-n2"]
    assert calls == [(4, [s.id for s in SCENARIOS if not s.alone]), (1, alone)]
    assert [c.scenario for c in cells] == [s.id for s in SCENARIOS]  # the matrix's order, whatever ran first
    calls.clear()
    alongside.after(Run(target=None, client=None, replay=True, limits=Limits()), None, None, 1, None)  # type: ignore[arg-type]
    assert calls == [(len(alongside.CLIENTS), [s.id for s in SCENARIOS])]  # replay: one part, every client at once


def test_checks_the_scheduler_could_not_start_end_as_errors_instead_of_waiting_forever(monkeypatch) -> None:
    class NoThreads:
        """A pool that cannot start a thread, as at a process's thread limit."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __enter__(self) -> NoThreads:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def submit(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr("conformance.scheduler.ThreadPoolExecutor", NoThreads)
    checks = _fake_checks(4, alone={0})
    sched = Scheduler(checks, lambda c: CheckResult(c.spec, Outcome.PASS, "ran"), concurrency=2)
    got: list[CheckResult] = []
    waiter = threading.Thread(target=lambda: got.extend(sched.result(c.spec.id) for c in checks), daemon=True)
    waiter.start()
    waiter.join(timeout=30)  # before the fix the items waited forever
    assert len(got) == len(checks)
    assert got[0].outcome is Outcome.PASS  # alone: it ran before the pool was needed
    assert all(r.outcome is Outcome.ERROR and "can't start new thread" in r.reason for r in got[1:])
