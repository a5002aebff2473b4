"""Replay answers each check from its own cassette, whatever order the checks run in."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from conformance.context import CheckContext, Run
from conformance.http import Client
from conformance.model import CheckSpec, Target
from conformance.recording import Recorder, Replayer, Secrets
from conformance.verdict import HarnessError

BODY = {"model": "m", "messages": [{"role": "user", "content": "Hi"}], "tool_choice": "required"}
ANSWER = {"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
          "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hello"}}]}


def _spec(check_id: str) -> CheckSpec:
    return CheckSpec(id=check_id, endpoint="/v1/chat/completions", feature="f", field=None, behavior="b")


def _record(folder: Path, target: Target) -> None:
    """c.first's request times out; c.second sends the same request again (no answer was cached) and gets one."""
    calls = {"n": 0}

    def answer(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=ANSWER)

    recorder = Recorder(folder, Secrets())
    live = Client(target, transport=httpx.MockTransport(answer))
    live.tap, live.tap_failure = recorder.add, recorder.add_failure
    run = Run(target, live, recorder=recorder)
    with recorder.cassette("c.first"), pytest.raises(HarnessError):
        CheckContext(run, _spec("c.first")).chat(**BODY)
    with recorder.cassette("c.second"):
        assert CheckContext(run, _spec("c.second")).chat(**BODY).status == 200
    run.close()


def test_a_check_replays_its_own_recorded_answer_not_one_another_check_cached(tmp_path: Path) -> None:
    """xllamacpp's tools.required.tool_calls recorded a timeout, the next tools check an answer to the same
    request: replayed with three threads, the verdict depended on which check asked first."""
    target = Target(base_url="http://127.0.0.1:9/v1", model="m", name="t", timeout_s=1.0)
    _record(tmp_path, target)
    replayer = Replayer(tmp_path, Secrets())
    again = Client(target, transport=replayer.transport)
    again.miss_errors = replayer.miss
    run = Run(target, again, replay=True)
    try:
        # The opposite order to the recording: the answer is in the run cache before c.first asks.
        with replayer.cassette("c.second"):
            assert CheckContext(run, _spec("c.second")).chat(**BODY).status == 200
        with replayer.cassette("c.first"), pytest.raises(HarnessError, match="ReadTimeout"):
            CheckContext(run, _spec("c.first")).chat(**BODY)
    finally:
        run.close()
