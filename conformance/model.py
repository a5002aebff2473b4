"""Value objects shared by the checks, the runner and the renderers."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_MAX_BODY = 4 * 1024 * 1024


def public_url(url: str) -> str:
    """The URL with any user:password@ part replaced, so it can be written anywhere."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="<redacted>@" + parts.netloc.rsplit("@", 1)[1]))


# The model options of a target, as results.json names them, and what each one serves.
MODEL_KINDS = (("model", "chat"), ("embedding_model", "embeddings"), ("speech_model", "speech"),
               ("transcription_model", "transcription"), ("image_model", "images"))


def models_text(target: dict[str, Any]) -> str:
    """'smollm2', or 'smollm2; speech piper (...)': the chat model, then every other model a run was given."""
    chat = target.get("model")
    others = [f"{kind} {target[key]}" for key, kind in MODEL_KINDS[1:] if target.get(key)]
    return "; ".join(([str(chat)] if chat else ["no chat model"] if others else ["none"]) + others)


class Outcome(str, enum.Enum):
    """What a check concluded; kept apart so a broken server is never confused with a broken harness."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    UNSUPPORTED = "unsupported"
    IGNORED = "ignored"
    # Accepted with 200 where the API gives the suite no way to see an effect: never ticked as supported.
    ACCEPTED = "accepted"
    SKIP = "skip"


class Severity(str, enum.Enum):
    """How much a failure matters, from worst to mildest; only failures carry one."""

    BREAKS_CLIENTS = "breaks-clients"
    VIOLATES_SPEC = "violates-spec"
    LAX_VALIDATION = "lax-validation"

    @property
    def rank(self) -> int:
        """0 for the worst; a --fail-on level includes every severity of a lower rank."""
        return list(Severity).index(self)


@dataclass(frozen=True)
class Wire:
    """The exact bytes of one exchange, kept in memory for the recorder (never in results.json)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    reason: str
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    # Milliseconds from sending to the last byte, as measured live (None: a recording that did not store it).
    elapsed_ms: float | None = None


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as evidence (secrets already removed)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int | None
    response_headers: dict[str, str]
    response_body: Any
    raw_body: str | None = None
    # Live: measured. Replayed: as recorded (None when the recording did not store latencies).
    elapsed_ms: float | None = 0.0
    error: str | None = None
    # When each piece of the body arrived: tells real incremental delivery from one buffered write.
    read_times_ms: tuple[float, ...] = ()
    wire: Wire | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form for results.json."""
        out: dict[str, Any] = {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": self.request_body,
            },
            "response": {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
            },
            "elapsed_ms": None if self.elapsed_ms is None else round(self.elapsed_ms, 1),
        }
        if self.raw_body is not None:
            out["response"]["raw"] = self.raw_body
        if len(self.read_times_ms) > 1:
            out["read_times_ms"] = list(self.read_times_ms[:50])
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class CheckSpec:
    """What a check is: its stable id, what it evidences and which documented behaviour it covers."""

    id: str
    endpoint: str
    feature: str
    field: str | None
    behavior: str
    required: bool = False
    model_dependent: bool = False
    spec_ref: str | None = None
    # Its verdict needs an otherwise idle server: run before the concurrent phase, one at a time.
    alone: bool = False
    # Sends many requests one after another: started first in the concurrent phase, not finished last.
    many_requests: bool = False


@dataclass(frozen=True)
class CheckResult:
    """What a check found, with its evidence."""

    spec: CheckSpec
    outcome: Outcome
    reason: str
    evidence: tuple[Exchange, ...] = ()
    deviations: tuple[str, ...] = ()
    duration_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form for results.json."""
        spec = self.spec
        out: dict[str, Any] = {
            "id": spec.id,
            "endpoint": spec.endpoint,
            "feature": spec.feature,
            "field": spec.field,
            "behavior": spec.behavior,
            "required": spec.required,
            "model_dependent": spec.model_dependent,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "deviations": list(self.deviations),
            "duration_s": round(self.duration_s, 3),
            "details": self.details,
            "evidence": [e.to_json() for e in self.evidence],
        }
        if self.outcome is Outcome.FAIL:
            out["severity"] = (self.severity or Severity.BREAKS_CLIENTS).value
        return out


@dataclass(frozen=True)
class Target:
    """The server under test; the API key itself is held in memory only."""

    base_url: str
    # The chat model; None for a server tested on other endpoints only (its chat checks skip).
    model: str | None
    name: str
    embedding_model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    api_key: str | None = field(default=None, repr=False, compare=False)
    timeout_s: float = 60.0
    extra_headers: dict[str, str] = field(default_factory=dict, repr=False)
    # Headers of the target file that may be written as they are; every other one is a secret.
    public_headers: tuple[str, ...] = ()
    max_body: int = DEFAULT_MAX_BODY
    speech_model: str | None = None
    transcription_model: str | None = None
    image_model: str | None = None

    def public(self) -> dict[str, Any]:
        """What may be written about the target: never the key."""
        return {
            "name": self.name,
            "base_url": public_url(self.base_url),
            "model": self.model,
            "embedding_model": self.embedding_model,
            "speech_model": self.speech_model,
            "transcription_model": self.transcription_model,
            "image_model": self.image_model,
            "api_key_env": self.api_key_env,
            "authenticated": self.api_key is not None,
        }
