"""The conformance checks as pytest items: one test per check id (parametrized by the plugin)."""

from __future__ import annotations

import pytest

from conformance.model import CheckResult, Outcome


def test_check(conformance_result: CheckResult) -> None:
    """Map a check's outcome onto pytest's: fail fails, not-applicable or optional gaps skip."""
    r = conformance_result
    if r.outcome is Outcome.PASS:
        return
    if r.outcome is Outcome.FAIL:
        pytest.fail(f"{r.spec.id}: {r.reason}", pytrace=False)
    if r.spec.required and r.outcome in (Outcome.UNSUPPORTED, Outcome.IGNORED):
        pytest.fail(f"{r.spec.id}: required, but {r.outcome.value}: {r.reason}", pytrace=False)
    pytest.skip(f"{r.outcome.value}: {r.reason}")
