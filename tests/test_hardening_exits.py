"""No false green: bad input files, a second run, signals and internal errors get their own exit codes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance import bundled, cli, exitcodes, guard
from tests.badservers import closed_port_url
from tests.fake import FakeServer
from tests.hostile import hostile

ONE = "chat.response.object"


def oai(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def small_recording(tmp_path: Path) -> Path:
    """A copy of one bundled chat recording, reduced to the preflight and a few checks."""
    # The first recording of a chat model: speech and transcription recordings have no chat cassettes.
    src = next(p for p in bundled.recordings() if json.loads((p / "target.json").read_text())["target"].get("model"))
    dest = tmp_path / "rec"
    dest.mkdir()
    for name in ("target.json", "preflight.json", "chat.response.object.json", "chat.response.choices.json"):
        shutil.copy(src / name, dest / name)
    return dest


def test_corrupt_cassette_is_an_error_naming_the_file(tmp_path: Path) -> None:
    rec = small_recording(tmp_path)
    broken = rec / "chat.response.choices.json"
    broken.write_text(broken.read_text()[:200])
    r = oai("run", "--replay", str(rec), "--only", "chat.response.object,chat.response.choices",
            "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == exitcodes.NOT_JUDGED, r.stdout + r.stderr
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    by_id = {c["id"]: c for c in doc["checks"]}
    assert by_id["chat.response.choices"]["outcome"] == "error"
    assert str(broken) in by_id["chat.response.choices"]["reason"]


def test_corrupt_preflight_cassette_is_a_usage_error(tmp_path: Path) -> None:
    rec = small_recording(tmp_path)
    (rec / "preflight.json").write_text('{"interactions": [')
    r = oai("run", "--replay", str(rec), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE, r.stdout + r.stderr
    assert "preflight.json" in r.stderr


def test_recording_of_another_version_warns_naming_both(tmp_path: Path) -> None:
    rec = small_recording(tmp_path)
    info = json.loads((rec / "target.json").read_text())
    info["suite_version"] = "0.0.1-old"
    (rec / "target.json").write_text(json.dumps(info))
    r = oai("run", "--replay", str(rec), "--only", ONE, "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == exitcodes.OK, r.stdout + r.stderr
    from conformance import __version__
    assert "0.0.1-old" in r.stderr and __version__ in r.stderr


@pytest.mark.parametrize("content", ["{}", "[]", '"text"', '{"openapi": "3.1.0", "paths": {}}', "{"])
def test_baseline_is_validated_before_the_first_request(tmp_path: Path, content: str) -> None:
    base = tmp_path / "baseline.json"
    base.write_text(content)
    # A dead target: exit 2 (not 3) proves nothing was sent before the baseline was refused.
    r = oai("run", "--base-url", closed_port_url(), "--model", "fake-model", "--baseline", str(base), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE, r.stdout + r.stderr
    assert "baseline" in r.stderr


def test_internal_error_has_its_own_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    def broken_probe(client: object) -> dict:
        raise RuntimeError("a bug in the harness")

    monkeypatch.setattr("conformance.session_setup.probe", broken_probe)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["run", "--base-url", closed_port_url(), "--model", "fake-model", "--output", str(tmp_path / "o")])
    assert code == exitcodes.INTERNAL
    assert "internal error" in capsys.readouterr().err


def test_deeply_nested_models_answer_is_not_a_crash(tmp_path: Path) -> None:
    with hostile("nested-models") as url:
        r = oai("run", "--base-url", url, "--model", "fake-model", "--only", "models.*", "--output", str(tmp_path / "o"),
                cwd=tmp_path)
    assert r.returncode in (exitcodes.FAILED, exitcodes.NOT_JUDGED), r.stdout + r.stderr
    assert "INTERNALERROR" not in r.stdout + r.stderr


def test_summary_comes_from_this_run_not_from_disk(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with FakeServer() as fake:
        first = oai("run", "--base-url", fake.base_url, "--model", fake.model, "--only", ONE, "--name", "first",
                    "--output", str(out), cwd=tmp_path)
    assert first.returncode == exitcodes.OK, first.stdout + first.stderr
    r = oai("run", "--base-url", closed_port_url(), "--model", "fake-model", "--name", "second", "--output", str(out),
            cwd=tmp_path)
    assert r.returncode == exitcodes.UNREACHABLE
    assert "first" not in r.stdout + r.stderr


def test_second_run_into_the_same_folder_refuses(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with guard.folder_lock(out):
        r = oai("run", "--base-url", closed_port_url(), "--model", "fake-model", "--output", str(out), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE
    assert "another oai-conformance run is writing into" in r.stderr
    assert not (out / "results.json").exists()


def test_sigterm_writes_partial_outputs_marked_incomplete(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Slow streams, one check at a time: the run is still going when SIGTERM comes.
    with FakeServer(stream_delay=0.3) as fake:
        host = fake.base_url.split("//")[1].split("/")[0]
        proc = subprocess.Popen([sys.executable, "-m", "conformance", "run", "--base-url", fake.base_url,
                                 "--model", fake.model, "--concurrency", "1", "--output", str(out)], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not (out / "results.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == exitcodes.TERMINATED, stdout + stderr
    doc = json.loads((out / "results.json").read_text())
    assert doc["complete"] is False and doc["checks"]
    assert "INCOMPLETE" in (out / "checklist.md").read_text()
    assert "INCOMPLETE" in (out / "report.html").read_text()
    assert (out / "junit.xml").exists()
    assert host.replace(":", "-") in stdout  # the summary of this run, named after its target


def _children_of(pid: int) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if d.name.isdigit() and int(fields[1]) == pid:
            found.append(int(d.name))
    return found


def test_sigterm_stops_the_bundled_replays_children(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "conformance", "run", "--output", str(tmp_path / "out")],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    children: list[int] = []
    while not children and time.monotonic() < deadline:
        time.sleep(0.2)
        children = _children_of(proc.pid)
    assert children, "the bundled replay started no child"
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=90)
    assert proc.returncode == exitcodes.TERMINATED, stdout + stderr
    for child in children:
        assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]


def test_interrupt_before_any_check_prints_no_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text('{"stale": true}')
    with hostile("drip-headers", drip=0.5) as url:
        # SIG_DFL: a shell's background job ignores SIGINT, and the child would inherit that.
        proc = subprocess.Popen([sys.executable, "-m", "conformance", "run", "--base-url", url, "--model", "fake-model",
                                 "--timeout", "30", "--output", str(out)], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while not url.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == exitcodes.INTERRUPTED, stdout + stderr
    assert "before any check ran" in stderr
    assert os.path.exists(out / "results.json")
