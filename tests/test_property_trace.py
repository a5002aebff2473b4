"""A recorded property run stores the requests it generated; replay sends exactly those, without drawing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.context import PropertySettings, Run
from conformance.http import Client
from conformance.model import CheckResult
from conformance.properties import engine, trace
from conformance.properties.spec import Budget, Example
from conformance.recording import Recorder, Replayer, Secrets, cassette_path
from conformance.registry import all_checks, select
from conformance.runner import execute
from tests.fake import FakeServer
from tests.helpers import target_for

BUGS = {"fields.usage_wrong_when_n_gt_1", "errors.validation_500"}


def _record(folder: Path, settings: PropertySettings) -> tuple[str, dict[str, CheckResult]]:
    """Both property checks against a buggy fake, each recorded into its cassette."""
    with FakeServer(deviations=BUGS) as srv:
        target = target_for(srv.base_url)
        tape = Recorder(folder, Secrets())
        client = Client(target)
        client.tap = tape.add
        run = Run(target, client, recorder=tape, properties=settings)
        out = {}
        for c in select(all_checks(), "prop.chat.*"):
            with tape.cassette(c.spec.id):
                out[c.spec.id] = execute(c, run)
        run.close()
        return srv.base_url, out


def _replay(folder: Path, base_url: str) -> dict[str, CheckResult]:
    """Both property checks answered from the cassettes (the fake is gone), with the settings of a plain run."""
    target = target_for(base_url)
    tape = Replayer(folder, Secrets())
    client = Client(target, transport=tape.transport)
    client.miss_errors = tape.miss
    run = Run(target, client, replay=True, replayer=tape)
    out = {}
    for c in select(all_checks(), "prop.chat.*"):
        with tape.cassette(c.spec.id):
            out[c.spec.id] = execute(c, run)
    run.close()
    return out


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, CheckResult]]:
    """An explored (randomly seeded, bigger) recording: a plain run's draws would differ from it."""
    folder = tmp_path_factory.mktemp("cassettes")
    return (folder, *_record(folder, PropertySettings(examples=12, explore=True)))


def test_the_cassette_stores_what_was_evaluated_in_order(recorded: tuple[Path, str, dict[str, CheckResult]]) -> None:
    folder, _, results = recorded
    for check_id, result in results.items():
        if result.outcome.value == "skip":
            continue  # a property of an endpoint whose model was not given (images) sends nothing
        meta = json.loads(cassette_path(folder, check_id).read_text())["metadata"]
        calls, budget, version = trace.load(meta[trace.KEY])
        assert budget.explore and budget.examples == 12 and version == result.details["property"]["hypothesis"]
        sent = [json.loads(i["request"]["body"]) for i in json.loads(cassette_path(folder, check_id).read_text())
                ["interactions"]]
        # Every request sent is in the trace, first evaluations in the order they went out.
        first_seen = list(dict.fromkeys(json.dumps(c.body, sort_keys=True) for c in calls))
        assert [json.dumps(b, sort_keys=True) for b in sent] == first_seen[:len(sent)]


def test_replay_gives_the_same_verdict_without_drawing(recorded: tuple[Path, str, dict[str, CheckResult]],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder, url, live = recorded

    def no_draws(budget: Budget) -> None:
        raise AssertionError("replay must not draw with Hypothesis")

    monkeypatch.setattr(engine, "hypothesis_settings", no_draws)
    replayed = _replay(folder, url)
    assert {k: r.outcome for k, r in replayed.items()} == {k: r.outcome for k, r in live.items()}
    for k in live:
        assert replayed[k].reason == live[k].reason
        assert replayed[k].details == live[k].details  # the reproducer, the budget, the explore seed
    assert live["prop.chat.invalid_requests"].outcome.value == "fail"  # shrinking was replayed, not skipped


def test_a_recording_without_stored_requests_is_not_judged(tmp_path: Path) -> None:
    url, _ = _record(tmp_path, PropertySettings(examples=3))
    path = cassette_path(tmp_path, "prop.chat.valid_requests")
    doc = json.loads(path.read_text())
    del doc["metadata"][trace.KEY]
    path.write_text(json.dumps(doc))
    r = _replay(tmp_path, url)["prop.chat.valid_requests"]
    assert r.outcome.value == "error" and "does not hold its generated requests" in r.reason


def test_trace_round_trip_keeps_repeats_and_refuses_other_formats() -> None:
    a, b = Example({"model": "m", "n": 2}, "n"), Example({"model": "m"}, "plain", plain=True)
    budget = Budget(8, 16, 4000, None, False, 3, 0)
    doc = trace.dump([a, b, a, a], budget, "6.100.0")
    assert len(doc["examples"]) == 2 and doc["order"] == [0, 1, 0, 0]
    assert trace.load(json.loads(json.dumps(doc))) == ([a, b, a, a], budget, "6.100.0")
    with pytest.raises(trace.TraceError):
        trace.load({**doc, "format": 99})


def test_loading_every_check_does_not_import_hypothesis() -> None:
    """A replay draws nothing: Hypothesis (about a second to import) is imported only by a run that draws."""
    import subprocess
    import sys

    code = ("import sys, conformance.cli, conformance.registry as r; r._load_all(); "
            "sys.exit('hypothesis' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
