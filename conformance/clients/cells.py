"""A cell of the client matrix: what one client did in one scenario against the target."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from conformance.model import Exchange


class CellOutcome(str, enum.Enum):
    """How a client fared: it worked, broke, was refused, has no such call, or was not run or not judged."""

    WORKS = "works"
    # The client raised, or returned a wrong value, on what the server sent.
    BREAKS = "breaks"
    # The server refused the client's request with a 4xx/5xx error: the feature is missing, the client is fine.
    UNSUPPORTED = "unsupported"
    NOT_OFFERED = "not-offered"
    UNTESTED = "untested"
    # The harness could not judge (the client hung and was killed, the target did not answer).
    ERROR = "error"


@dataclass(frozen=True)
class Cell:
    """One client x scenario result, with the exchanges it rests on."""

    client: str
    label: str
    version: str | None
    scenario: str
    endpoint: str
    outcome: CellOutcome
    value: Any = None
    exception: str | None = None
    reason: str | None = None
    where: str | None = None
    evidence: tuple[Exchange, ...] = field(default=(), repr=False)
    duration_s: float = 0.0

    @property
    def id(self) -> str:
        """Stable id, also the cassette's name: client.<client>.<scenario>."""
        return cell_id(self.client, self.scenario)

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form for results.json."""
        out: dict[str, Any] = {
            "id": self.id, "client": self.client, "label": self.label, "version": self.version,
            "scenario": self.scenario, "endpoint": self.endpoint, "outcome": self.outcome.value,
            "value": self.value, "exception": self.exception, "reason": self.reason,
            "duration_s": round(self.duration_s, 3), "evidence": [e.to_json() for e in self.evidence],
        }
        if self.where:
            out["where"] = self.where
        return out


def cell_id(client: str, scenario: str) -> str:
    """The id of one cell: client.<client>.<scenario>."""
    return f"client.{client}.{scenario}"
