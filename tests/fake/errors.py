"""API errors: the value, the exception that carries it, constructors and the OpenAI envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fake.wire import Headers, Reply, json_reply

# Kinds let deviations pick the errors they change without parsing messages.
VALIDATION_KINDS = frozenset({"invalid", "range", "response_format_type", "tool_choice_unknown", "image", "model"})


@dataclass(frozen=True)
class ApiError:
    """An error the server is about to answer with."""

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | int | None = None
    kind: str = "invalid"
    headers: Headers = ()


class _Accept:
    """Sentinel type: a map_error hook accepts the request in spite of the error."""

    def __repr__(self) -> str:
        return "ACCEPT"


ACCEPT = _Accept()
Outcome = ApiError | Reply


class Halt(Exception):
    """Stops handling a request with an error or a ready reply."""

    def __init__(self, outcome: Outcome, mapped: bool = False) -> None:
        super().__init__(outcome)
        self.outcome = outcome
        self.mapped = mapped  # True once map_error hooks have seen it


def envelope(err: ApiError) -> dict[str, Any]:
    """OpenAI's error body."""
    return {"error": {"message": err.message, "type": err.type, "param": err.param, "code": err.code}}


def default_reply(err: ApiError) -> Reply:
    """The conformant rendering of an error."""
    return json_reply(err.status, envelope(err), err.headers)


def type_name(value: Any) -> str:
    """How OpenAI names a JSON value's type in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def bad_type(param: str, expected: str, value: Any) -> ApiError:
    """400 for a value of the wrong JSON type."""
    msg = f"Invalid type for '{param}': expected {expected}, but got {type_name(value)} instead."
    return ApiError(400, msg, param=param, code="invalid_type")


def bad_value(param: str, value: Any, allowed: tuple[str, ...] = (), kind: str = "invalid") -> ApiError:
    """400 for a value outside an enumeration."""
    tail = f" Supported values are: {', '.join(repr(a) for a in allowed)}." if allowed else ""
    return ApiError(400, f"Invalid value: {value!r}.{tail}", param=param, code="invalid_value", kind=kind)


def missing(param: str) -> ApiError:
    """400 for a missing required parameter."""
    return ApiError(400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")


def invalid(param: str | None, message: str, code: str | None = None, kind: str = "invalid") -> ApiError:
    """400 with a free-form message."""
    return ApiError(400, message, param=param, code=code, kind=kind)


def out_of_range(param: str, value: Any, lo: float | None, hi: float | None, integer: bool) -> ApiError:
    """400 for a number outside its range, worded and coded like OpenAI."""
    noun = "integer" if integer else "decimal"
    if lo is not None and value < lo:
        msg = f"Invalid '{param}': {noun} below minimum value. Expected a value >= {lo:g}, but got {value} instead."
        return ApiError(400, msg, param=param, code=f"{noun}_below_min_value", kind="range")
    msg = f"Invalid '{param}': {noun} above maximum value. Expected a value <= {hi:g}, but got {value} instead."
    return ApiError(400, msg, param=param, code=f"{noun}_above_max_value", kind="range")


def server_error(message: str = "The server had an error while processing your request.") -> ApiError:
    """500 in OpenAI's envelope."""
    return ApiError(500, message, type="server_error", kind="server")
