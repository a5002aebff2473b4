"""The results file: the one contract every report renders from."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conformance import __version__, provenance, redact, verdicts
from conformance.entries import Entries
from conformance.clients import severity
from conformance.judge import openai_sdk
from conformance.model import CheckResult, Outcome, Severity, Target
from conformance.schemas import schema_dir

# Read once at import (setting it is the only way to read it): later, threads may be creating files.
_UMASK = os.umask(0o022)
os.umask(_UMASK)
RESULTS_VERSION = 1
RESULTS_SCHEMA = "results.schema.json"


def now() -> str:
    """The current UTC time in ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def summary(checks: list[dict[str, Any]]) -> dict[str, int]:
    """How many checks ended in each outcome."""
    counts = Counter(c["outcome"] for c in checks)
    return {o.value: counts.get(o.value, 0) for o in Outcome}


def failures(checks: list[dict[str, Any]]) -> dict[str, int]:
    """How many failures of each severity."""
    counts = Counter(c.get("severity", Severity.BREAKS_CLIENTS.value) for c in checks if c["outcome"] == "fail")
    return {s.value: counts.get(s.value, 0) for s in Severity}


def gate(checks: list[dict[str, Any]], fail_on: Severity = Severity.BREAKS_CLIENTS) -> list[dict[str, Any]]:
    """The checks that make the run red: failures as severe as fail_on, and required checks that did not pass.

    A required check fails the gate whatever its severity: it is what every compatible server must do.
    """
    def red(c: dict[str, Any]) -> bool:
        if c["outcome"] == "fail":
            return c["required"] or Severity(c.get("severity", "breaks-clients")).rank <= fail_on.rank
        return bool(c["required"]) and c["outcome"] in ("unsupported", "ignored", "accepted")

    return [c for c in checks if red(c)]


def build(
    *,
    target: Target,
    results: list[CheckResult],
    usage: dict[str, int],
    started_at: str,
    complete: bool,
    selection: str | None,
    server: dict[str, Any] | None = None,
    replay: bool = False,
    limits: dict[str, Any] | None = None,
    fail_on: Severity = Severity.BREAKS_CLIENTS,
    recorded: dict[str, Any] | None = None,
    clients: list[dict[str, Any]] | None = None,
    entries: Entries | None = None,
) -> dict[str, Any]:
    """Assemble the results document from a run's check results (recorded: a replay's target.json).

    clients: the client matrix's cells; a spec failure a client broke on becomes breaks-clients, citing it.
    entries: the run's entries made so far, shared rather than built again for every save.
    """
    cells = clients or []
    checks = severity.cite([entries.entry(r) if entries is not None else r.to_json() for r in results], cells)
    return {
        "results_version": RESULTS_VERSION,
        "suite": {"name": "oai-conformance", "version": __version__, "python": platform.python_version(),
                  "judges": {"openai": openai_sdk.installed()}},
        "target": {**target.public(), "server": server or {}},
        "started_at": started_at,
        "finished_at": now(),
        "complete": complete,
        "replay": replay,
        # Replayed: started_at/finished_at are the replay's; this says when the answers were recorded.
        **({"recording": provenance.build(recorded, checks)} if replay and recorded is not None else {}),
        "selection": selection,
        "usage": usage,
        **({"limits": limits} if limits is not None else {}),
        "summary": summary(checks),
        "failures": failures(checks),
        "fail_on": fail_on.value,
        "gate": [c["id"] for c in gate(checks, fail_on)],
        "features": verdicts.features(checks),
        "fields": verdicts.fields(checks),
        "checks": checks,
        "clients": cells,
    }


def write(doc: dict[str, Any], path: Path, *, compact: bool = False, entries: Entries | None = None) -> None:
    """Write atomically, so a crash mid-write never leaves half a results file.

    compact: one line, for the interim saves after each check (json's C encoder only runs without indent).
    entries: where the checks' indented entries are already made (the same text, not encoded again).
    Strict JSON (allow_nan=False: evidence stores non-finite numbers as strings), secrets scrubbed.
    """
    if compact:
        text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    elif entries is not None:
        text = entries.document(doc)
    else:
        text = json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=1)
    write_text(path, text + "\n")


def write_text(path: Path, text: str) -> None:
    """Write a report file atomically, with every secret value scrubbed and the user's umask honoured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    # mkstemp creates 0600; a report is as readable as any file the user writes.
    os.chmod(tmp, 0o666 & ~_UMASK)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(redact.active().text(text))
    os.replace(tmp, path)


def invalid(doc: Any) -> str | None:
    """Why a document is not a results file (checked against the results schema), or None."""
    from jsonschema import Draft202012Validator

    error = next(iter(Draft202012Validator(results_schema()).iter_errors(doc)), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "top level"
    return f"{where}: {error.message[:200]}"


def load(path: Path) -> dict[str, Any]:
    """Read a results file (or the results.json inside a report folder)."""
    if path.is_dir():
        path = path / "results.json"
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_run(path: Path) -> dict[str, Any]:
    """A results document for comparing, or ValueError saying what it lacks (the caller names the file)."""
    doc = load(path)
    missing = [k for k in ("target", "checks", "features", "fields", "summary") if not isinstance(doc, dict) or k not in doc]
    if missing:
        raise ValueError(f"not an oai-conformance results file (no {', '.join(missing)})")
    return doc


def results_schema() -> dict[str, Any]:
    """The JSON Schema of the results file."""
    with (schema_dir() / RESULTS_SCHEMA).open(encoding="utf-8") as fh:
        return json.load(fh)
