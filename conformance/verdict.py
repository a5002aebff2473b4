"""Exceptions a check raises to conclude with an outcome other than pass."""

from __future__ import annotations

from conformance.model import Outcome


class Verdict(Exception):
    """A check's conclusion, raised from anywhere inside the check."""

    outcome: Outcome = Outcome.FAIL

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class Fail(Verdict):
    """The server is broken for this behaviour: clients will break."""

    outcome = Outcome.FAIL


class HarnessError(Verdict):
    """The check could not judge: transport failure, timeout, a harness problem."""

    outcome = Outcome.ERROR


class NotRecorded(HarnessError):
    """Replaying: the recording holds no answer to a request this check sends."""


class Unsupported(Verdict):
    """The server rejected the feature clearly (a 4xx with an error body)."""

    outcome = Outcome.UNSUPPORTED


class Ignored(Verdict):
    """The server accepted the request field but it had no effect."""

    outcome = Outcome.IGNORED


class Skip(Verdict):
    """The check does not apply to this target or run."""

    outcome = Outcome.SKIP
