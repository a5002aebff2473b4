"""What the plugin hands back to the command in memory: the run's final results and why it stopped.

The command computes its summary and exit code from this, never from files on disk, which another run
may have written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass(eq=False)  # hashed by identity: pytest keeps plugins in sets
class Sink:
    """Filled by the plugin during one pytest session (passed to pytest.main as a plugin object)."""

    doc: dict[str, Any] | None = None
    unreachable: str | None = None
    warnings: list[str] = field(default_factory=list)


def of(config: pytest.Config) -> Sink | None:
    """The sink the command passed in, if the plugin runs under the command."""
    return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Sink)), None)
