"""What a property works with: generated examples, judgements, per-endpoint specs and the budget of a run."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.context import PropertySettings
from conformance.model import Severity

if TYPE_CHECKING:
    from hypothesis import strategies as st

    from conformance.model import Exchange, Target

DEFAULT_EXAMPLES = 8
DEFAULT_TOKENS = 4000
EXPLORE_EXAMPLES = 100
EXPLORE_TOKENS = 100_000
# Shrinking stops once it has sent this many requests past the first failure (a request is a server's time).
# The verdict is decided by then; shrinking only makes the reproducer smaller, and the minimal seeds find
# most failures already small (llama-server's 500 on an image: 16 shrinking requests gave the seed's body; on
# 30 Nov 2026 its 8 found nothing smaller than the failing example). Half a request per example: 4 for the default 8.
SHRINK_PER_EXAMPLE = 0.5
EXPLORE_SHRINK_REQUESTS = 60


@dataclass(frozen=True)
class Budget:
    """How much one property may spend, and how it draws."""

    examples: int
    shrink_requests: int
    tokens: int
    seed: int | None  # None: derandomized from the check id; else explore's random seed
    explore: bool
    max_features: int  # optional fields per valid example
    context_fields: int  # valid optional fields around the one defect of an invalid example


def budget(settings: PropertySettings, explore_seed: int | None = None) -> Budget:
    """The budget of one property from the run's settings (explore: randomized, bigger)."""
    if settings.explore:
        examples = settings.examples or EXPLORE_EXAMPLES
        return Budget(examples, max(EXPLORE_SHRINK_REQUESTS, examples), settings.token_budget or EXPLORE_TOKENS,
                      explore_seed, True, 5, 2)
    examples = settings.examples or DEFAULT_EXAMPLES
    shrinks = max(1, int(SHRINK_PER_EXAMPLE * examples))
    return Budget(examples, shrinks, settings.token_budget or DEFAULT_TOKENS, None, False, 3, 0)


def stable_seed(check_id: str) -> int:
    """A seed that depends on the check id only, so editing the code around a property keeps its examples."""
    return zlib.crc32(check_id.encode())


@dataclass(frozen=True)
class Example:
    """One generated request and what it is, in words a report can use."""

    body: dict[str, Any]
    label: str  # e.g. "temperature 3 (out of range: above the maximum 2)" or "n, stop"
    plain: bool = False  # the plainest request there is: rejecting it is never "unsupported"
    field: str | None = None  # the field an invalid example breaks

    @property
    def stream(self) -> bool:
        """Whether the request asks for a stream."""
        return self.body.get("stream") is True


@dataclass(frozen=True)
class Judgement:
    """What one answer shows: a failure (its class keeps distinct bugs apart), an observation, a harness problem."""

    failure: str | None = None
    key: str = ""
    observation: str | None = None
    harness: str | None = None
    deviations: tuple[str, ...] = ()  # tolerated spec violations, noted on the check
    severity: Severity = Severity.BREAKS_CLIENTS  # how much a failure matters


OK = Judgement()
Judge = Callable[[Example, "Exchange"], Judgement]


@dataclass(frozen=True)
class EndpointSpec:
    """Everything a property needs about one endpoint; adding an endpoint is adding one of these."""

    name: str  # short, for check ids: prop.<name>.valid_requests
    path: str
    request_schema: str
    response_schema: str
    valid: Callable[[str, Budget], st.SearchStrategy[Example]]  # (model, budget) -> examples
    invalid: Callable[[str, Budget], st.SearchStrategy[Example]]
    # Valid requests sent first in every run, each minimal: one per dimension every invariant turns on.
    seeds: Callable[[str], list[Example]]
    judge_valid: Judge
    judge_invalid: Judge
    # The model the requests name: the chat model, unless the endpoint has its own option (None: not given).
    model: Callable[[Target], str | None] = lambda target: target.model
    no_model: str = "no chat model given (--model)"  # why the properties skip when `model` gives None


@dataclass(frozen=True)
class LazyGenerators:
    """An endpoint's request generators, imported from their module on first use: they import Hypothesis
    (about a second), which only a run that draws examples needs, never a replay."""

    module: str  # e.g. "conformance.properties.chat_requests", defining valid_examples, invalid_examples, seeds

    def _get(self, name: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self.module), name)

    def valid(self, model: str, budget: Budget) -> Any:
        """Strategy of valid examples."""
        return self._get("valid_examples")(model, budget)

    def invalid(self, model: str, budget: Budget) -> Any:
        """Strategy of examples with one defect each."""
        return self._get("invalid_examples")(model, budget)

    def seeds(self, model: str) -> list[Example]:
        """The minimal valid requests sent first."""
        seeds: list[Example] = self._get("seeds")(model)
        return seeds

