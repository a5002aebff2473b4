"""The image generation endpoint as the properties see it: cheap requests from CreateImageRequest, and what answers hold.

Every generated request asks for 64x64 images, one or two: a diffusion server draws them in about a second.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import validate
from conformance.checks.images.common import PATH, PROMPT, SIZE
from conformance.checks.images.decode import NotAnImage, b64_image
from conformance.context import error_message, has_envelope
from conformance.model import Exchange, Severity, Target
from conformance.properties.badvalues import Bad, out_of_range, wrong_types
from conformance.properties.chat_judge import judge_invalid
from conformance.properties.chat_requests import MISSING, Defect
from conformance.properties.fromschema import cheap, field_schema, valid
from conformance.properties.spec import Budget, EndpointSpec, Example, Judgement

REQUEST = "CreateImageRequest"
RESPONSE = "ImagesResponse"
PROMPTS = (PROMPT, "A lighthouse at dusk, oil painting.", "x")
# Optional fields drawn from the schema; size stays 64x64 and streaming is left out (partial images cost time).
OPTIONAL = ("response_format", "output_format", "quality", "style", "background", "moderation", "output_compression",
            "user")
CHEAP: dict[str, dict[str, Any]] = {"n": {"maximum": 2}, "output_compression": {"minimum": 0, "maximum": 100}}
ENUMS = ("response_format", "output_format", "quality", "style", "background", "moderation")
BUSY = (408, 429, 502, 503, 504)


def _scalar(name: str) -> Any:
    return valid(cheap(field_schema(REQUEST, name), **CHEAP.get(name, {})), nulls=False, defaults=False)


def _plain(model: str) -> dict[str, Any]:
    return {"model": model, "prompt": PROMPT, "n": 1, "size": SIZE, "response_format": "b64_json"}


@st.composite
def valid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """A schema-valid request for one or two 64x64 images with a few optional fields."""
    body = _plain(model)
    body["prompt"] = draw(st.sampled_from(PROMPTS))
    names = draw(st.lists(st.sampled_from(OPTIONAL + ("n",)), unique=True, max_size=budget.max_features))
    for name in (*OPTIONAL, "n"):  # a fixed order: the same request always has the same bytes
        if name in names:
            body[name] = draw(_scalar(name))
    return Example(body, ", ".join(n for n in (*OPTIONAL, "n") if n in names) or "plain request",
                   plain=not names and body["prompt"] == PROMPT)


def seeds(model: str) -> list[Example]:
    """The plainest request, then it with n=2: every run judges the image and the count."""
    plain = _plain(model)
    return [Example(plain, "plain request", plain=True), Example({**plain, "n": 2}, "n")]


def _top(name: str) -> Any:
    def put(body: dict[str, Any], value: Any) -> None:
        if value is MISSING:
            body.pop(name, None)
        else:
            body[name] = value
    return put


def _label(defect: Defect, bad: Bad) -> str:
    if bad.value is MISSING:
        return f"{defect.path} missing ({bad.why})"
    return f"{defect.path} {bad.value!r} ({bad.kind}: {bad.why})"[:160]


def _defects() -> list[Defect]:
    bogus = (Bad("unknown enum value", "bogus", "not one the schema lists"),)
    found = [Defect(name, "unknown enum value", bogus, _top(name)) for name in ENUMS]
    for name in ("n", "prompt", "size", "model", "user", "output_compression", *ENUMS):
        fs = field_schema(REQUEST, name)
        found += [Defect(name, kind, tuple(bads), _top(name)) for kind, bads in
                  (("out of range", out_of_range(fs)), ("wrong type", wrong_types(fs))) if bads]
    found.append(Defect("prompt", "missing required field", (Bad("missing", MISSING, "required by the schema"),),
                        _top("prompt")))
    return found


DEFECTS = _defects()


@st.composite
def invalid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """The plainest request with exactly one defect."""
    defect = draw(st.sampled_from(DEFECTS))
    bad = draw(st.sampled_from(defect.bads))
    body = _plain(model)
    defect.put(body, bad.value)
    return Example(body, _label(defect, bad), field=defect.path)


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
    valid=valid_examples,
    invalid=invalid_examples,
    seeds=seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
    model=_image_model,
    no_model="no image model given (--image-model)",
)
