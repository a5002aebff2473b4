"""Shared self-test helpers: run chosen checks against a fake server, directly through the runner."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.context import Run
from conformance.http import Client
from conformance.model import CheckResult, Outcome, Target
from conformance.registry import all_checks, select
from conformance.runner import execute


def target_for(base_url: str, model: str = "fake-model", api_key: str | None = None, **models: str) -> Target:
    """A Target pointing at a fake server (models: image_model=..., and the like, for the other endpoints)."""
    return Target(base_url=base_url, model=model, name="fake", api_key=api_key, timeout_s=10.0, **models)


def run_checks(base_url: str, patterns: str, *, api_key: str | None = None, **models: str) -> dict[str, CheckResult]:
    """Run the checks matching the patterns against base_url; results by check id."""
    checks = select(all_checks(), patterns)
    assert checks, f"no check matches {patterns!r}"
    target = target_for(base_url, api_key=api_key, **models)
    run = Run(target, Client(target))
    try:
        return {c.spec.id: execute(c, run) for c in checks}
    finally:
        run.close()


def outcomes(results: dict[str, CheckResult]) -> dict[str, str]:
    """Outcome values by check id, for readable assertion diffs."""
    return {k: r.outcome.value for k, r in results.items()}


def not_passed(results: dict[str, CheckResult], ignore: Iterable[str] = ()) -> dict[str, str]:
    """The checks that did not pass, with outcome and reason (empty on a conformant server)."""
    skip = set(ignore)
    return {
        k: f"{r.outcome.value}: {r.reason}"
        for k, r in results.items()
        if r.outcome is not Outcome.PASS and k not in skip
    }
