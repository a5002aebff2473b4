"""Record a run of the fake as cassettes, replay it offline, and get the same verdicts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conformance import exitcodes, results
from conformance.recording import scrub_local_paths
from tests.fake import FakeServer

SECRET = "sk-recording-secret-0123456789"
NOT_JUDGED_ON_REPLAY = "not judged on replay"


def oai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command in its own process, with the key in the environment only."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "REC_KEY": SECRET})


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recorded full run of the conformant fake (with an API key and a secret field)."""
    cwd = tmp_path_factory.mktemp("rec")
    with FakeServer(api_key=SECRET) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--name", "fk", "--record",
                "--api-key-env", "REC_KEY", "--secret-field", "user", "--server-version", "fake 1.0", cwd=cwd)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    return cwd


def _verdicts(doc: dict) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in doc["checks"]}


def test_one_cassette_per_check_and_no_secret_on_disk(recorded: Path) -> None:
    doc = results.load(recorded / "oai-conformance-out" / "fk")
    folder = recorded / "oai-conformance-out" / "fk" / "cassettes"
    names = {p.stem for p in folder.glob("*.json")} - {"target"}
    # One per check, and one per cell of the client matrix (the clients' exchanges are recorded too).
    assert names == {c["id"] for c in doc["checks"]} | {c["id"] for c in doc["clients"]} | {"preflight"}
    assert doc["clients"] and any(c["outcome"] == "works" for c in doc["clients"])
    for f in recorded.rglob("*"):
        if f.is_file():
            assert SECRET not in f.read_text(errors="replace"), f
    target = json.loads((folder / "target.json").read_text())
    assert target["server"]["version"] == "fake 1.0" and target["secret_fields"] == ["user"]


def test_streamed_bodies_are_kept_byte_for_byte(recorded: Path) -> None:
    cassette = json.loads((recorded / "oai-conformance-out" / "fk" / "cassettes" / "stream.sse.done.json").read_text())
    interactions = cassette["interactions"] + [c["interaction"] for c in cassette["metadata"]["cached"]]
    bodies = [i["response"]["body"]["string"] for i in interactions]
    assert any(b.startswith("data: {") and b.endswith("data: [DONE]\n\n") for b in bodies)


def test_cache_hits_are_kept_apart_from_what_was_sent(recorded: Path) -> None:
    folder = recorded / "oai-conformance-out" / "fk" / "cassettes"
    sent = sum(len(json.loads(p.read_text())["interactions"]) for p in folder.glob("*.*.json"))
    live = results.load(recorded / "oai-conformance-out" / "fk")
    # Every request the run counted was sent once, and sits in exactly one cassette's interactions.
    assert sent == live["usage"]["requests"] - 1  # the preflight GET /models is counted too
    assert any(json.loads(p.read_text())["metadata"]["cached"] for p in folder.glob("*.*.json"))


def test_a_subset_replays_from_its_own_cassettes(recorded: Path) -> None:
    r = oai("run", "--replay", "oai-conformance-out/fk/cassettes", "--output", "subset", "--only", "chat.requests.isolated", cwd=recorded)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    assert results.load(recorded / "subset")["checks"][0]["outcome"] == "pass"


def test_replay_gives_the_same_verdicts_offline(recorded: Path) -> None:
    r = oai("run", "--replay", "oai-conformance-out/fk/cassettes", "--output", "replayed", cwd=recorded)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    live = results.load(recorded / "oai-conformance-out" / "fk")
    again = results.load(recorded / "replayed")
    assert again["replay"] and again["target"]["server"]["version"] == "fake 1.0"
    differ = {k: (v, _verdicts(again).get(k)) for k, v in _verdicts(live).items() if _verdicts(again).get(k) != v}
    not_judged = {c["id"] for c in again["checks"] if NOT_JUDGED_ON_REPLAY in c["reason"]}
    assert set(differ) == not_judged, differ
    assert all(_verdicts(again)[k] == "skip" for k in not_judged)
    # The client matrix replays from its own cassettes to the same cells.
    cells = {c["id"]: (c["outcome"], c["value"], c["exception"]) for c in live["clients"]}
    assert cells == {c["id"]: (c["outcome"], c["value"], c["exception"]) for c in again["clients"]}


def test_a_request_not_in_the_recording_fails_that_check_only(recorded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fk"
    subprocess.run(["cp", "-r", str(recorded / "oai-conformance-out" / "fk" / "cassettes"), str(folder)], check=True)
    victim = folder / "chat.response.usage.json"
    data = json.loads(victim.read_text())
    data["interactions"] = []
    victim.write_text(json.dumps(data))
    r = oai("run", "--replay", str(folder), "--output", str(tmp_path / "out"), "--only", "chat.response.*",
            cwd=tmp_path)
    doc = results.load(tmp_path / "out")
    usage = next(c for c in doc["checks"] if c["id"] == "chat.response.usage")
    # The run cache may answer it from an earlier check's exchange; what matters is no network and a clear message.
    if usage["outcome"] == "error":
        assert "not in the recording" in usage["reason"] and "re-record" in usage["reason"]
        assert r.returncode == exitcodes.NOT_JUDGED
    others = [c for c in doc["checks"] if c["id"] != "chat.response.usage"]
    assert all(c["outcome"] == "pass" for c in others)


def test_missing_request_message_names_the_request(recorded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fk"
    subprocess.run(["cp", "-r", str(recorded / "oai-conformance-out" / "fk" / "cassettes"), str(folder)], check=True)
    for f in folder.glob("chat.*.json"):
        data = json.loads(f.read_text())
        data["interactions"] = []
        data["metadata"]["cached"] = []
        f.write_text(json.dumps(data))
    r = oai("run", "--replay", str(folder), "--output", str(tmp_path / "out"), "--only", "chat.response.object",
            cwd=tmp_path)
    assert r.returncode == exitcodes.NOT_JUDGED, r.stdout[-2000:]
    check = results.load(tmp_path / "out")["checks"][0]
    assert check["outcome"] == "error"
    assert "not in the recording: POST /chat/completions" in check["reason"]


def test_replay_of_a_folder_that_is_no_recording_is_a_usage_error(tmp_path: Path) -> None:
    r = oai("run", "--replay", str(tmp_path), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and "target.json" in r.stderr


def test_a_check_newer_than_the_recording_is_an_error_whatever_ran_before(tmp_path: Path) -> None:
    """Without its own cassette a check is never judged from answers other checks happened to cache."""
    with FakeServer() as srv:
        oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--name", "n", "--record", "rec",
            "--output", "live", "--only", "logprobs.*", cwd=tmp_path)
    (tmp_path / "rec" / "logprobs.request.no_unasked_alternatives.json").unlink()
    for out in ("a", "b"):
        oai("run", "--replay", "rec", "--output", out, "--only", "logprobs.*", cwd=tmp_path)
        got = {c["id"]: c for c in results.load(tmp_path / out)["checks"]}
        newer = got["logprobs.request.no_unasked_alternatives"]
        assert newer["outcome"] == "error" and "newer than the recording" in newer["reason"]
        assert got["logprobs.request.without_top_logprobs"]["outcome"] == "pass"


def _replay_subset(folder: Path, out: Path, cwd: Path) -> dict:
    r = oai("run", "--replay", str(folder), "--output", str(out), "--only", "chat.response.*", cwd=cwd)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    doc = results.load(out)
    jsonschema.validate(doc, results.results_schema())
    return doc


def test_replay_shows_when_and_against_what_it_was_recorded(recorded: Path, tmp_path: Path) -> None:
    """A replayed report keeps its provenance: recorded_at and server version beside the replay's own time,
    and each exchange's latency as the recording measured it, not the time reading the file took."""
    folder = recorded / "oai-conformance-out" / "fk" / "cassettes"
    target = json.loads((folder / "target.json").read_text())
    doc = _replay_subset(folder, tmp_path / "out", recorded)
    rec = doc["recording"]
    assert rec["recorded_at"] == target["recorded_at"] and rec["server_version"] == "fake 1.0"
    assert rec["latencies"]["timed"] == rec["latencies"]["exchanges"] > 0
    stored = {i["response"]["elapsed_ms"] for p in folder.glob("chat.response.*.json")
              for i in json.loads(p.read_text())["interactions"]}
    shown = {e["elapsed_ms"] for c in doc["checks"] for e in c["evidence"]}
    assert None not in stored and shown <= stored | {i["response"].get("elapsed_ms") for p in folder.glob("*.json")
                                                     if p.stem != "target"
                                                     for c in json.loads(p.read_text())["metadata"].get("cached", [])
                                                     for i in [c["interaction"]]}
    checklist = (tmp_path / "out" / "checklist.md").read_text()
    assert "(server: fake 1.0)" in checklist and f"replayed; recorded {target['recorded_at']}" in checklist
    assert "recorded latencies: median" in checklist


def test_a_recording_without_latencies_says_so(recorded: Path, tmp_path: Path) -> None:
    """Recordings made before latencies were stored replay with null elapsed_ms, and the reports say why."""
    folder = tmp_path / "old"
    subprocess.run(["cp", "-r", str(recorded / "oai-conformance-out" / "fk" / "cassettes"), str(folder)], check=True)
    for f in folder.glob("*.json"):
        data = json.loads(f.read_text())
        for i in data.get("interactions", []) + [c["interaction"] for c in data.get("metadata", {}).get("cached", [])]:
            i["response"].pop("elapsed_ms", None)
        f.write_text(json.dumps(data))
    doc = _replay_subset(folder, tmp_path / "out", tmp_path)
    assert {e["elapsed_ms"] for c in doc["checks"] for e in c["evidence"]} == {None}
    assert doc["recording"]["latencies"]["timed"] == 0
    assert "no recorded latencies: the recording predates their storage" in (tmp_path / "out" / "checklist.md").read_text()


def test_the_recording_machine_s_home_never_reaches_a_cassette(monkeypatch: pytest.MonkeyPatch) -> None:
    """Servers echo local paths (tracebacks, model folders): the recorder writes ~ for the home folder."""
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: Path("/home/ada")))
    body = b'{"error": "File \\"/home/ada/.cache/oai-conformance/targets/x/venv/app.py\\", line 3", "root": "/home/adam"}'
    assert scrub_local_paths(body) == body.replace(b"/home/ada/", b"~/")


def test_bundled_reports_and_recordings_carry_no_absolute_local_path() -> None:
    """Committed reports and cassettes name no folder of the machine they were made on."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for folder in ("reports", "cassettes"):
        for f in (root / folder).rglob("*"):
            if f.is_file() and f.suffix in (".json", ".md", ".html"):
                text = f.read_text(encoding="utf-8", errors="replace")
                found += [f"{f.relative_to(root)}: {p}" for p in ("/root/", "/home/", "/work/", "/tmp/") if p in text]
    assert found == []


@pytest.mark.parametrize(("fault", "options", "only"), [("cut-body", {}, "chat.response.object")])
def test_a_request_that_failed_when_recorded_fails_alike_on_replay(tmp_path: Path, fault: str, options: dict,
                                                                   only: str) -> None:
    """A transport failure is recorded too: replay gives the recorded verdict, not 'not in the recording'."""
    from tests.hostile import hostile

    with hostile(fault, **options) as url:
        live = oai("run", "--base-url", url, "--model", "fake-model", "--only", only, "--timeout", "1", "--force",
                   "--record", str(tmp_path / "rec"), "--output", str(tmp_path / "live"), cwd=tmp_path)
    assert live.returncode in (exitcodes.FAILED, exitcodes.NOT_JUDGED, exitcodes.UNREACHABLE), live.stdout[-2000:]
    cassette = json.loads((tmp_path / "rec" / f"{only}.json").read_text())
    assert cassette["metadata"]["failures"], cassette
    replayed = oai("run", "--replay", str(tmp_path / "rec"), "--only", only, "--output", str(tmp_path / "replayed"),
                   cwd=tmp_path)
    before, after = results.load(tmp_path / "live"), results.load(tmp_path / "replayed")
    row = {c["id"]: (c["outcome"], c["reason"]) for c in before["checks"]}
    again = {c["id"]: (c["outcome"], c["reason"]) for c in after["checks"]}
    assert again == row and "not in the recording" not in str(again), (row, again, replayed.stdout[-1500:])


def test_a_timed_out_request_is_replayed_as_the_same_transport_error(tmp_path: Path) -> None:
    """The recorder keeps a request that got no answer; replaying it raises the recorded error, message and all."""
    import httpx

    from conformance.http import Client, TransportError
    from conformance.model import Target
    from conformance.recording import Recorder, Replayer, Secrets
    from conformance import scope

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    target = Target(base_url="http://127.0.0.1:9/v1", model="m", name="t", timeout_s=1.0)
    recorder = Recorder(tmp_path, Secrets())
    live = Client(target, transport=httpx.MockTransport(hang))
    live.tap, live.tap_failure = recorder.add, recorder.add_failure
    with recorder.cassette("c.one"), pytest.raises(TransportError) as first:
        live.send("POST", "/chat/completions", json_body={"a": 1})
    replayer = Replayer(tmp_path, Secrets())
    again = Client(target, transport=replayer.transport)
    again.miss_errors = replayer.miss
    with scope.within("c.one"), pytest.raises(TransportError) as second:
        again.send("POST", "/chat/completions", json_body={"a": 1})
    assert str(second.value) == str(first.value) and "ReadTimeout" in str(first.value)
