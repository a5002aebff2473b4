"""Outputs never touch what the user did not ask for; bad input names the file or key at fault (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import exitcodes
from tests.fake import FakeServer


def oai(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[target]\nbase_url = "http://x/v1"\nmodel = 5\n', "[target] model must be a string, got 5"),
        ('[target]\nbase_url = "http://x/v1"\nmodel = "m"\ntimeout = "soon"\n', "[target] timeout must be a number"),
        ('[target]\nbase_url = "http://x/v1"\nmodel = "m"\ntimeout = true\n', "[target] timeout must be a number"),
        ('[target]\nbase_url = ["http://x/v1"]\nmodel = "m"\n', "[target] base_url must be a string"),
        ('[target]\nbase_url = "http://x/v1"\nmodel = "m"\nheaders = "X-A: 1"\n', "[target] headers must be"),
        ('base_url = "http://x/v1"\nmodel = "m"\n', "no [target] table"),
        ('target = "http://x/v1"\n', "no [target] table"),
    ],
)
def test_target_file_with_wrong_types_names_the_key(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "target.toml"
    f.write_text(content)
    r = oai("run", "--target-file", str(f), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE, r.stdout + r.stderr
    assert message in r.stderr and str(f) in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target.toml"]  # nothing written


ROOT = Path(__file__).resolve().parents[1]
OUT = "oai-conformance-out"


def _tree(folder: Path) -> dict[str, float]:
    """Every file below a folder with its modification time."""
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*") if p.is_file()}


def test_a_run_writes_into_a_folder_of_its_own_and_says_where(tmp_path: Path) -> None:
    bundled_before = _tree(ROOT / "cassettes")
    with FakeServer() as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--name", "fk", "--record",
                "--only", "chat.response.*,prop.chat.invalid_requests", "--examples", "2", cwd=tmp_path)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    assert [p.name for p in tmp_path.iterdir()] == [OUT]
    out = tmp_path / OUT / "fk"
    assert (out / "results.json").is_file() and (out / "checklist.md").is_file()
    assert (out / "cassettes" / "chat.response.object.json").is_file()
    assert f"{OUT}/fk" in r.stdout.splitlines()[-1]  # the last line says where everything went
    assert _tree(ROOT / "cassettes") == bundled_before  # the bundled recordings are never a default


def test_only_matching_nothing_sends_and_writes_nothing(tmp_path: Path) -> None:
    with FakeServer() as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", "no.such.check", cwd=tmp_path)
        assert srv.requests == []
    assert r.returncode == exitcodes.USAGE and "'no.such.check' matches no check" in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []
    bundled = oai("run", "--only", "nothing*", cwd=tmp_path)  # the bundled replay, too
    assert bundled.returncode == exitcodes.USAGE and list(tmp_path.iterdir()) == []


def test_an_unwritable_output_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with FakeServer() as srv:
        for target in (str(tmp_path / "afile" / "reports"), str(tmp_path / "afile")):
            r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", target, cwd=tmp_path)
            assert r.returncode == exitcodes.USAGE and f"cannot write to {target}" in r.stderr, r.stderr
        assert srv.requests == []  # refused before the first request
    r = oai("run", "--output", str(tmp_path / "afile" / "all"), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and "afile" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_a_usage_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    r = oai("run", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--output", str(ro), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and str(ro) in r.stderr


def test_compare_names_the_file_it_cannot_read(tmp_path: Path) -> None:
    good = ROOT / "reports" / "llama-server" / "results.json"
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    for bad in ("broken.json", "other.json", "missing.json", "."):
        r = oai("compare", str(good), bad, cwd=tmp_path)
        assert r.returncode == exitcodes.USAGE and f"cannot read results {bad}" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "other.json"]
    r = oai("compare", str(good), cwd=tmp_path)
    assert r.returncode == exitcodes.OK and (tmp_path / OUT / "comparison.html").is_file()


def test_the_readme_command_replays_into_its_own_folder_and_says_so(tmp_path: Path) -> None:
    r = oai("run", "--only", "chat.response.object", cwd=tmp_path, timeout=600)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    assert [p.name for p in tmp_path.iterdir()] == [OUT]
    assert r.stdout.splitlines()[-1] == f"oai-conformance: outputs in {OUT}"
    assert (tmp_path / OUT / "comparison.html").is_file() and (tmp_path / OUT / "llama-server" / "badge.svg").is_file()
