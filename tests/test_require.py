"""--require gates on named features and fields: exit 1 when one is not supported, named in the summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance import exitcodes, require
from tests.fake import FakeServer

ONLY = "chat.response.*,logprobs.*,fields.n.*"


def oai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in its own process."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_names_are_matched_as_catalogued() -> None:
    assert require.parse(["streaming, `logprobs`", "Streaming", "n", "Logprobs"]) == (
        ("Streaming", "feature"), ("logprobs", "field"), ("n", "field"), ("Logprobs", "feature"))
    with pytest.raises(require.RequireError, match="no feature or request field named 'Telepathy'"):
        require.parse(["Telepathy"])


def test_a_required_feature_not_supported_fails_the_run(tmp_path: Path) -> None:
    with FakeServer(deviations={"logprobs.rejected"}) as srv:
        ok = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", ONLY, "--output", "a",
                 "--require", "Chat completions", cwd=tmp_path)
        gated = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--only", ONLY, "--output", "b",
                    "--require", "Chat completions,Logprobs", cwd=tmp_path)
    assert ok.returncode == exitcodes.OK, ok.stdout + ok.stderr
    assert "  required: all supported (Chat completions)" in ok.stdout
    assert gated.returncode == exitcodes.FAILED, gated.stdout + gated.stderr
    assert "  REQUIRED but not supported: Logprobs (feature): partial: " in gated.stdout


def test_the_target_file_can_require_and_an_unknown_name_is_a_usage_error(tmp_path: Path) -> None:
    with FakeServer(deviations={"logprobs.rejected"}) as srv:
        f = tmp_path / "t.toml"
        f.write_text(f'[target]\nbase_url = "{srv.base_url}"\nmodel = "fake-model"\nrequire = ["logprobs"]\n')
        r = oai("run", "--target-file", str(f), "--only", ONLY, "--output", "c", cwd=tmp_path)
        assert r.returncode == exitcodes.FAILED and "REQUIRED but not supported: logprobs (field)" in r.stdout
        bad = oai("run", "--target-file", str(f), "--require", "Telepathy", "--output", "d", cwd=tmp_path)
    assert bad.returncode == exitcodes.USAGE and "Telepathy" in bad.stderr
    assert not (tmp_path / "d").exists()
