"""The conformance checks as pytest items: one test per check id (parametrized by the plugin)."""

from __future__ import annotations

import pytest

from conformance.model import CheckResult, Outcome, Severity


def test_check(conformance_result: CheckResult, conformance_fail_on: Severity) -> None:
    """Map a check's outcome onto pytest's: what the gate counts fails, the rest passes or skips."""
    r = conformance_result
    if r.outcome is Outcome.PASS:
        return
    if r.outcome is Outcome.FAIL:
        severity = r.severity or Severity.BREAKS_CLIENTS
        if r.spec.required or severity.rank <= conformance_fail_on.rank:
            pytest.fail(f"{r.spec.id}: {severity.value}: {r.reason}", pytrace=False)
        pytest.skip(f"fail ({severity.value}, below --fail-on {conformance_fail_on.value}): {r.reason}")
    if r.spec.required and r.outcome in (Outcome.UNSUPPORTED, Outcome.IGNORED, Outcome.ACCEPTED):
        pytest.fail(f"{r.spec.id}: required, but {r.outcome.value}: {r.reason}", pytrace=False)
    pytest.skip(f"{r.outcome.value}: {r.reason}")
