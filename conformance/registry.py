"""The registry of checks: each check is a small function with a stable dotted id."""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance import catalog
from conformance.model import CheckSpec

if TYPE_CHECKING:
    from conformance.context import CheckContext

CheckFn = Callable[["CheckContext"], "str | None"]


@dataclass(frozen=True)
class Check:
    """A registered check: what it is and the function that runs it."""

    spec: CheckSpec
    fn: CheckFn


_REGISTRY: dict[str, Check] = {}


def check(
    id: str,
    *,
    feature: str,
    behavior: str,
    field: str | None = None,
    endpoint: str = catalog.CHAT,
    required: bool = False,
    model_dependent: bool = False,
    spec_ref: str | None = None,
    alone: bool = False,
    many_requests: bool = False,
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under a stable dotted id."""

    def register(fn: CheckFn) -> CheckFn:
        if id in _REGISTRY:
            raise ValueError(f"duplicate check id {id!r}")
        # A typo in a feature or field name would silently drop the check from every list.
        if (endpoint, feature) not in {(f.endpoint, f.key) for f in catalog.FEATURES}:
            raise ValueError(f"check {id!r}: feature {feature!r} is not catalogued for {endpoint}")
        if field is not None and field not in catalog.field_keys(endpoint):
            raise ValueError(f"check {id!r}: request field {field!r} is not catalogued for {endpoint}")
        spec = CheckSpec(
            id=id,
            endpoint=endpoint,
            feature=feature,
            field=field,
            behavior=behavior,
            required=required,
            model_dependent=model_dependent,
            spec_ref=spec_ref,
            alone=alone,
            many_requests=many_requests,
        )
        _REGISTRY[id] = Check(spec=spec, fn=fn)
        return fn

    return register


def _load_all() -> None:
    """Import every module of conformance.checks (one package per endpoint) so their decorators run."""
    import conformance.checks as pkg

    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg.__name__}."):
        importlib.import_module(info.name)


def all_checks() -> list[Check]:
    """Every registered check, in registration order."""
    _load_all()
    return list(_REGISTRY.values())


def select(checks: list[Check], patterns: str | None) -> list[Check]:
    """Keep the checks whose id or feature matches one of the comma-separated glob patterns."""
    if not patterns:
        return checks
    pats = [p.strip() for p in patterns.split(",") if p.strip()]

    def matches(c: Check) -> bool:
        names = (c.spec.id, c.spec.feature.lower())
        return any(
            fnmatch.fnmatchcase(n, p) or fnmatch.fnmatchcase(n, p + ".*") or n == p.lower()
            for p in pats
            for n in names
        )

    return [c for c in checks if matches(c)]
