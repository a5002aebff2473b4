"""No check that cannot fail: some deviation of the fake turns every registered check from pass.

The declarations are the deviation tables of the per-area self-tests (deviation -> {check id: outcome}).
Each table drives a test parametrized over its deviations that runs the fake with that deviation and
asserts those outcomes, so what this module counts is proven there; this module itself starts no server.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType

from conformance.model import Outcome
from conformance.registry import all_checks
from tests.fake import DEVIATIONS

# Test module -> the name of its table of deviation -> {check id: expected outcome}.
TABLES: dict[str, str] = {
    "tests.test_checks_audio": "FLIPS",
    "tests.test_checks_chat": "FLIPS",
    "tests.test_checks_embeddings": "FLIPS",
    "tests.test_checks_completions": "FLIPS",
    "tests.test_checks_http": "FLIPS",
    "tests.test_checks_images": "FLIPS",
    "tests.test_checks_fields": "CASES",
    "tests.test_checks_json_mode": "EXPECTED",
    "tests.test_checks_logprobs": "FLIPS",
    "tests.test_checks_models_encoded": "FLIPS",
    "tests.test_checks_responses": "EXPECTED",
    "tests.test_checks_streaming": "EXPECTED",
    "tests.test_checks_tools": "EXPECTED",
    "tests.test_checks_validation": "FLIPS",
    "tests.test_checks_vision": "FLIPS",
    "tests.test_properties": "CATCHES",
    "tests.test_properties_embeddings": "FLIPS",
    "tests.test_properties_responses": "CATCHES",
}

# Registered checks no deviation flips, each with why.
EXEMPT: dict[str, str] = {}

Table = Mapping[str, Mapping[str, str]]


def _tables() -> dict[str, tuple[ModuleType, Table]]:
    """Each test module with its deviation table."""
    out = {}
    for name, attr in TABLES.items():
        module = importlib.import_module(name)
        out[name] = (module, getattr(module, attr))
    return out


def flipped_by() -> dict[str, set[str]]:
    """Check id -> the deviations declared to turn it from pass."""
    out: dict[str, set[str]] = {}
    for _, table in _tables().values():
        for deviation, expected in table.items():
            for check_id, outcome in expected.items():
                if outcome != Outcome.PASS.value:
                    out.setdefault(check_id, set()).add(deviation)
    return out


def _registered() -> set[str]:
    return {c.spec.id for c in all_checks()}


def test_every_registered_check_has_a_deviation_that_flips_it() -> None:
    """A check no deviation turns from pass may be one that cannot fail: give it a deviation, merge it or remove it."""
    missing = sorted(_registered() - flipped_by().keys() - EXEMPT.keys())
    assert missing == [], (f"no deviation of tests/fake flips {missing}: add one (tests/fake/deviations/) and "
                           f"declare it in one of the tables named in TABLES, or list the check in EXEMPT with why")


def test_declarations_name_registered_deviations_checks_and_outcomes() -> None:
    """A renamed deviation or check would make a declaration vacuous."""
    registered, outcomes = _registered(), {o.value for o in Outcome}
    for name, (_, table) in _tables().items():
        assert set(table) <= set(DEVIATIONS), (name, sorted(set(table) - set(DEVIATIONS)))
        for deviation, expected in table.items():
            assert set(expected) <= registered, (name, deviation, sorted(set(expected) - registered))
            assert set(expected.values()) <= outcomes, (name, deviation, expected)


def test_every_table_drives_a_test_over_all_its_deviations() -> None:
    """A table counts only if a test runs each of its deviations: a parametrize over 'deviation' covering it."""
    for name, (module, table) in _tables().items():
        covered: set[str] = set()
        for fn in vars(module).values():
            for mark in getattr(fn, "pytestmark", ()):
                if mark.name == "parametrize" and mark.args[0] == "deviation":
                    covered |= set(mark.args[1])
        assert set(table) <= covered, (name, sorted(set(table) - covered))


def test_exemptions_are_for_registered_checks_nothing_flips() -> None:
    """Exemptions go once the check is gone or a deviation flips it (none are left: keep it that way)."""
    stale = {c: "not registered" for c in EXEMPT if c not in _registered()}
    stale |= {c: f"flipped by {sorted(flipped_by()[c])}" for c in EXEMPT if c in flipped_by()}
    assert stale == {}
