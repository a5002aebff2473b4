"""No secret reaches any written byte: the key, configured header values, URL credentials, reproducers."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

from conformance import exitcodes
from conformance.model import Target
from conformance.properties.reproducer import curl
from tests.hostile import basic_auth, hostile

CHECKS = "chat.response.*,errors.*,stream.*,models.*,http.*"


def oai(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def written(*folders: Path) -> dict[Path, bytes]:
    """Every byte of every file under the folders."""
    return {p: p.read_bytes() for f in folders for p in f.rglob("*") if p.is_file()}


def test_echoing_server_never_gets_a_secret_written(tmp_path: Path) -> None:
    key = "sk-planted-" + secrets.token_hex(12)
    token = "tok-planted-" + secrets.token_hex(12)
    password = "pw-planted-" + secrets.token_hex(12)
    public = "trace-" + secrets.token_hex(6)
    with hostile("echo") as url:
        base = url.replace("http://", f"http://alice:{password}@")
        target = tmp_path / "target.toml"
        target.write_text(f'[target]\nbase_url = "{base}"\nmodel = "fake-model"\napi_key_env = "PLANTED_KEY"\n'
                          f'public_headers = ["X-Trace"]\n'
                          f'[target.headers]\nX-Api-Token = "{token}"\nOcp-Apim-Subscription-Key = "{token}-2"\n'
                          f'X-Trace = "{public}"\n')
        r = oai("run", "--target-file", str(target), "--only", CHECKS, "--output", str(tmp_path / "out"),
                "--record", str(tmp_path / "rec"), "-v", cwd=tmp_path, env={"PLANTED_KEY": key})
    assert r.returncode in (exitcodes.OK, exitcodes.FAILED, exitcodes.NOT_JUDGED), r.stdout + r.stderr
    files = written(tmp_path / "out", tmp_path / "rec")
    names = {p.name for p in files}
    assert {"results.json", "checklist.md", "report.html", "junit.xml", "target.json"} <= names
    everything = b"".join(files.values()) + r.stdout.encode() + r.stderr.encode()
    # The server did echo what it was sent: the scrubbing is what keeps it out, not silence.
    assert b"<redacted>" in files[tmp_path / "out" / "results.json"]
    assert public.encode() in everything
    for secret in (key, token, f"{token}-2", password, basic_auth("alice", password)):
        leaks = [str(p) for p, data in files.items() if secret.encode() in data]
        assert not leaks and secret.encode() not in everything, (secret[:12], leaks)


def test_outputs_get_the_users_umask(tmp_path: Path) -> None:
    with hostile("echo") as url:
        r = oai("run", "--base-url", url, "--model", "fake-model", "--only", "chat.response.object",
                "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == exitcodes.OK, r.stdout + r.stderr
    umask = os.umask(0)
    os.umask(umask)
    for name in ("results.json", "checklist.md"):
        mode = stat.S_IMODE((tmp_path / "out" / name).stat().st_mode)
        assert mode == 0o666 & ~umask, (name, oct(mode))


def test_api_key_env_that_is_shell_code_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text('[target]\nbase_url = "http://127.0.0.1:8100/v1"\nmodel = "fake-model"\napi_key_env = "$(touch pwned)"\n')
    r = oai("run", "--target-file", str(f), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and "api_key_env must be" in r.stderr
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "target.json").write_text('{"target": {"name": "x", "base_url": "http://h/v1", "model": "m", '
                                     '"api_key_env": "$(touch pwned)", "authenticated": true}}')
    r = oai("run", "--replay", str(rec), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE and "api_key_env must be" in r.stderr
    assert not (tmp_path / "pwned").exists()


def test_reproducer_quotes_everything_and_hides_secrets() -> None:
    t = Target("http://bob:hunter2-secret@h/v1", "m", "t", api_key="sk-x", api_key_env="MY_KEY",
               extra_headers={"X-Api-Token": "tok-secret", "X-Trace": "visible"}, public_headers=("X-Trace",))
    cmd = curl(t, "/chat/completions", {"q": "it's $(rm -rf ~)"})
    assert "hunter2-secret" not in cmd and "tok-secret" not in cmd and "sk-x" not in cmd
    assert "'X-Trace: visible'" in cmd and '"Authorization: Bearer $MY_KEY"' in cmd
    # The body is single-quoted: the shell expands nothing inside it.
    assert "'{\"q\":\"it'\\''s $(rm -rf ~)\"}'" in cmd
