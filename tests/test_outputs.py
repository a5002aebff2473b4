"""Outputs never touch what the user did not ask for; bad input names the file or key at fault (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance import exitcodes


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
