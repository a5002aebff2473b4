"""Where a run writes: a folder of its own unless the user names one, checked writable before any request."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Never reports/ or cassettes/: in a checkout of this project those are the bundled, committed ones.
DEFAULT_ROOT = Path("oai-conformance-out")
CASSETTES = "cassettes"


class OutputError(Exception):
    """A folder the run was asked to write to cannot be written; the message names it."""


def report_folder(output: str | None, name: str) -> Path:
    """The folder of one target's reports: --output, else oai-conformance-out/<name>/."""
    return Path(output) if output else DEFAULT_ROOT / name


def cassette_folder(record: str, report: Path) -> Path:
    """Where --record writes: the folder it names, else cassettes/ inside the run's report folder."""
    return Path(record) if record else report / CASSETTES


def root_folder(output: str | None) -> Path:
    """The folder of a multi-target job (bundled replay, compare): --output, else oai-conformance-out/."""
    return Path(output) if output else DEFAULT_ROOT


def ensure_writable(folder: Path) -> Path:
    """Create the folder and prove a file can be written in it (permissions, read-only disks, a file in the way)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".oai-write-test-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    return folder


def shown(path: Path) -> str:
    """A path as the user should read it: relative to where they stand when it is below, else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(resolved)
