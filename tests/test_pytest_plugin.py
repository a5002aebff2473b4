"""The pytest11 entry point: the checks run from any folder with --oai- options, and nothing happens without them."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests.fake import FakeServer

pytestmark = pytest.mark.skipif(not entry_points(group="pytest11", name="oai_conformance"),
                                reason="the package is not installed (pip install -e .): no pytest11 entry point")

USER_TEST = "def test_mine():\n    assert 1 + 1 == 2\n"


def pytest_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Plain pytest in its own process, as a user would type it in that folder."""
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_checks_run_in_an_empty_folder_with_the_oai_options(tmp_path: Path) -> None:
    with FakeServer() as srv:
        r = pytest_in(tmp_path, "--oai-base-url", srv.base_url, "--oai-model", "fake-model",
                      "--oai-only", "chat.response.*", "--oai-output", "out")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "test_check[chat.response.object]" in r.stdout or "passed" in r.stdout
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert doc["checks"] and {c["outcome"] for c in doc["checks"]} == {"pass"}
    assert not (tmp_path / ".hypothesis").exists()


def test_a_session_without_oai_options_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    r = pytest_in(tmp_path, "-q", "--html", "h.html")
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout + r.stderr
    assert "test_check" not in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == ["assets", "h.html",
                                                                                       "test_user.py"]
    html = (tmp_path / "h.html").read_text()
    assert ">h.html</title>" in html and "oai-matrix" not in html  # pytest-html's title and summary are theirs


def test_the_user_s_own_paths_are_kept(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    with FakeServer() as srv:
        r = pytest_in(tmp_path, "test_user.py", "-q", "--oai-base-url", srv.base_url, "--oai-model", "fake-model")
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout + r.stderr


def test_the_plugin_can_be_disabled(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    r = pytest_in(tmp_path, "-q", "-p", "no:oai_conformance", "--oai-model", "m")
    assert r.returncode == 4 and "unrecognized arguments: --oai-model" in r.stderr, r.stdout + r.stderr
    assert "1 passed" in pytest_in(tmp_path, "-q", "-p", "no:oai_conformance").stdout


def test_a_wrong_target_is_a_usage_error_unless_oai_force(tmp_path: Path) -> None:
    with FakeServer() as srv:
        root = srv.base_url.removesuffix("/v1")
        stopped = pytest_in(tmp_path, "--oai-base-url", root, "--oai-model", "fake-model")
        forced = pytest_in(tmp_path, "--oai-base-url", root, "--oai-model", "fake-model", "--oai-force",
                           "--oai-only", "models.list.*", "--oai-output", "out")
    assert stopped.returncode == pytest.ExitCode.USAGE_ERROR, stopped.stdout[-2000:] + stopped.stderr[-2000:]
    assert f"try --base-url {root}/v1 (--force runs anyway)" in stopped.stderr
    assert forced.returncode in (0, 1), forced.stdout[-2000:] + forced.stderr[-2000:]
    assert f"warning: GET {root}/models answered 404" in forced.stderr
    assert json.loads((tmp_path / "out" / "results.json").read_text())["checks"]
