"""Exceptions a check raises to conclude with an outcome other than pass."""

from __future__ import annotations

from conformance.model import Outcome, Severity


class Verdict(Exception):
    """A check's conclusion, raised from anywhere inside the check."""

    outcome: Outcome = Outcome.FAIL

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class Fail(Verdict):
    """The server does this wrong; `severity` says how much it matters (clients break by default)."""

    outcome = Outcome.FAIL
    default_severity = Severity.BREAKS_CLIENTS

    def __init__(self, reason: str, severity: Severity | None = None, **details: object) -> None:
        super().__init__(reason, **details)
        self.severity = severity or self.default_severity


class SpecViolation(Fail):
    """The spec or the documented behaviour says otherwise, but official clients cope."""

    default_severity = Severity.VIOLATES_SPEC


class LaxValidation(Fail):
    """Invalid input accepted with 200: clients are not hurt, their bugs are hidden."""

    default_severity = Severity.LAX_VALIDATION


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


class Accepted(Verdict):
    """Accepted with 200 and a normal answer, but the API offers no way to see the field's effect."""

    outcome = Outcome.ACCEPTED


class Skip(Verdict):
    """The check does not apply to this target or run."""

    outcome = Outcome.SKIP
