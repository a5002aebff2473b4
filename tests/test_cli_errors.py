"""Bad input to the command gets a clear message and a distinct exit code, within its timeouts."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance import exitcodes
from tests.badservers import closed_port_url, tcp_server


def oai(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def test_no_target_is_a_usage_error(tmp_path: Path) -> None:
    r = oai("run", "--model", "m", cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE
    assert "--base-url" in r.stderr


def test_bad_url_is_a_usage_error(tmp_path: Path) -> None:
    r = oai("run", "--base-url", "localhost:8080", "--model", "m", cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and "http" in r.stderr


def test_a_run_with_no_model_at_all_is_a_usage_error(tmp_path: Path) -> None:
    r = oai("run", "--base-url", "http://127.0.0.1:9/v1", cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and "no model: give --model" in r.stderr and "--speech-model" in r.stderr


def test_unknown_subcommand_is_a_usage_error(tmp_path: Path) -> None:
    assert oai("frobnicate", cwd=tmp_path).returncode == exitcodes.USAGE


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[target\nbase_url=", "not valid TOML"),
        ('[target]\nbase_url = "http://x/v1"\nmodel = "m"\nbogus = 1\n', "unknown key"),
        ('[target]\nbase_url = "http://x/v1"\nmodel = "m"\napi_key = "sk-123"\n', "never put an API key"),
    ],
)
def test_malformed_target_file(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "target.toml"
    f.write_text(content)
    r = oai("run", "--target-file", str(f), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE
    assert message in r.stderr


def test_missing_target_file(tmp_path: Path) -> None:
    r = oai("run", "--target-file", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and "not found" in r.stderr


def test_dead_server_is_unreachable(tmp_path: Path) -> None:
    r = oai("run", "--base-url", closed_port_url(), "--model", "m", cwd=tmp_path)
    assert r.returncode == exitcodes.UNREACHABLE, r.stdout + r.stderr
    assert "did not answer" in r.stdout + r.stderr


def test_hanging_server_is_unreachable_within_the_timeout(tmp_path: Path) -> None:
    with tcp_server(None) as url:
        start = time.monotonic()
        r = oai("run", "--base-url", url, "--model", "m", "--timeout", "1", cwd=tmp_path)
    assert r.returncode == exitcodes.UNREACHABLE, r.stdout + r.stderr
    assert time.monotonic() - start < 30
    assert "Timeout" in r.stdout + r.stderr


def test_server_that_does_not_speak_http_is_unreachable(tmp_path: Path) -> None:
    with tcp_server(b"SSH-2.0-OpenSSH_9.2\r\n") as url:
        r = oai("run", "--base-url", url, "--model", "m", "--timeout", "2", cwd=tmp_path)
    assert r.returncode == exitcodes.UNREACHABLE, r.stdout + r.stderr
