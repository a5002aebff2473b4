"""The image generation endpoint as the properties see it: its schemas, its requests and what answers hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance import validate
from conformance.checks.images.common import PATH, SIZE
from conformance.checks.images.decode import NotAnImage, b64_image
from conformance.context import error_message, has_envelope
from conformance.model import Exchange, Severity, Target
from conformance.properties.chat_judge import judge_invalid
from conformance.properties.spec import Budget, EndpointSpec, Example, Judgement

if TYPE_CHECKING:
    from hypothesis import strategies as st

REQUEST = "CreateImageRequest"
RESPONSE = "ImagesResponse"
BUSY = (408, 429, 502, 503, 504)


# The generators import Hypothesis (about a second): only a run that draws examples needs them, not a replay.
def _valid(model: str, budget: Budget) -> st.SearchStrategy[Example]:
    from conformance.properties.images_requests import valid_examples

    return valid_examples(model, budget)


def _invalid(model: str, budget: Budget) -> st.SearchStrategy[Example]:
    from conformance.properties.images_requests import invalid_examples

    return invalid_examples(model, budget)


def _seeds(model: str) -> list[Example]:
    from conformance.properties.images_requests import seeds

    return seeds(model)


class _Broken(Exception):
    def __init__(self, key: str, reason: str, severity: Severity = Severity.BREAKS_CLIENTS) -> None:
        super().__init__(reason)
        self.key, self.reason, self.severity = key, reason, severity


def judge_valid(example: Example, ex: Exchange) -> Judgement:
    """A valid request gets images of the asked count and size; a clear 4xx is noted unless the request is the plainest."""
    status = ex.status or 0
    if status in (401, 403) or status in BUSY:
        return Judgement(harness=f"a generated image request: {status} (authentication, busy or not ready)")
    if 400 <= status < 500:
        msg = error_message(ex.response_body) + ("" if has_envelope(ex.response_body) else " (no error envelope)")
        if example.plain:
            return Judgement(f"the plainest image request was rejected with {status}: {msg}", key="plain rejected")
        return Judgement(observation=f"rejected with {status}: {msg[:200]}")
    if not 200 <= status < 300:
        return Judgement(f"a valid image request ({example.label}) got {status}: {error_message(ex.response_body)}",
                         key=f"status {status // 100}xx")
    notes: list[str] = []
    devs: list[str] = []
    try:
        _answer(example, ex.response_body, notes, devs)
    except _Broken as b:
        return Judgement(f"a valid image request ({example.label}) broke an invariant: {b.reason}", key=b.key,
                         deviations=tuple(devs), severity=b.severity)
    return Judgement(observation="; ".join(notes) or None, deviations=tuple(devs))


def _answer(example: Example, body: Any, notes: list[str], devs: list[str]) -> None:
    if not isinstance(body, dict):
        raise _Broken("not json", f"the 2xx answer is not a JSON object: {str(body)[:150]}")
    report = validate.check(RESPONSE, body)
    devs.extend(f"response: {d}" for d in report.deviations)
    if report.breaking:
        raise _Broken("schema", "the answer breaks the ImagesResponse schema: " + "; ".join(report.breaking[:2]),
                      Severity.VIOLATES_SPEC)
    data = body.get("data")
    if not isinstance(data, list) or not data or not all(isinstance(i, dict) for i in data):
        raise _Broken("data", f"data is {str(data)[:100]}, not a list of image objects")
    n = example.body.get("n") or 1
    if len(data) != n:
        if len(data) == 1:
            notes.append(f"n ignored: one image for n={n}")
        else:
            raise _Broken("count", f"n={n} gave {len(data)} images")
    wants_url = (example.body.get("response_format") or "url") == "url"  # null takes the default, url
    for pos, item in enumerate(data):
        if wants_url:
            if not isinstance(item.get("url"), str):
                raise _Broken("url", f"asked for a url, data[{pos}] has none (keys {sorted(item)})")
            continue
        try:
            info = b64_image(item.get("b64_json"))
        except NotAnImage as exc:
            raise _Broken("image", f"data[{pos}].b64_json: {exc}") from None
        if info.size != SIZE and f"size ignored: {SIZE} gave {info.size}" not in notes:
            notes.append(f"size ignored: {SIZE} gave {info.size}")  # judged by images.size.honoured
        fmt = example.body.get("output_format")
        if isinstance(fmt, str) and info.format != fmt:
            notes.append(f"output_format ignored: {fmt} gave {info.format}")


def _image_model(target: Target) -> str | None:
    return target.image_model


SPEC = EndpointSpec(
    name="images",
    path=PATH,
    request_schema=REQUEST,
    response_schema=RESPONSE,
    valid=_valid,
    invalid=_invalid,
    seeds=_seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
    model=_image_model,
    no_model="no image model given (--image-model)",
)
