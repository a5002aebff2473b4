"""targets/scrub_paths.py takes this machine's paths out of a folder of cassettes, and nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "targets" / "scrub_paths.py"


def test_local_paths_become_placeholders_longest_prefix_first(tmp_path: Path) -> None:
    body = '{"root": "/h/u/.cache/t/models/x", "trace": "File \\"/h/u/lib/a.py\\"", "url": "/v1/models"}'
    (tmp_path / "models.list.json").write_text(body)
    (tmp_path / "clean.json").write_text('{"a": "/v1/chat/completions"}')
    proc = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "/h/u/.cache/t=$T", "/h/u/=~/"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "1 cassette(s)" in proc.stdout
    assert (tmp_path / "models.list.json").read_text() == (
        '{"root": "$T/models/x", "trace": "File \\"~/lib/a.py\\"", "url": "/v1/models"}')
    assert (tmp_path / "clean.json").read_text() == '{"a": "/v1/chat/completions"}'


def test_a_prefix_too_short_to_be_a_path_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "/v1=x"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "ABSOLUTE/PREFIX" in proc.stderr
