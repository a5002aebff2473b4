"""Optional request fields judged by their effect: a 200 alone is never 'supported'.

Each field is probed where the API makes its effect visible (a stored completion, an echoed
service_tier, prediction or reasoning token counts, audio, citations, a shorter answer). When no
effect shows, one invalid value of the field tells the rest: accepted with 200, the field is not even
read (ignored); rejected with a 4xx, the server reads it but its effect cannot be seen (accepted).
"""

from __future__ import annotations

from typing import Any, NoReturn

from conformance.checks._shared import shape as _shape
from conformance.context import CHAT, CheckContext, error_message
from conformance.registry import CheckFn, check
from conformance.verdict import Accepted, Ignored, SpecViolation

FEATURE = "Optional request fields"
CHEAP = 4
# Fields whose spec defines no effect a client can see: accepted is all there is to check.
NO_VISIBLE_EFFECT = {
    "user": "oai-conformance-user",
    "safety_identifier": "oai-conformance-safety-id",
    "prompt_cache_key": "oai-conformance-cache-key",
}
# One value per field that the spec forbids: what a server that reads the field must reject.
# Values no lax validator turns valid: pydantic, behind vLLM, llama-cpp-python and LiteLLM, reads "yes" as true
# for a boolean (vLLM audit: stream "yes" streams), which made store look unread where it is read.
INVALID: dict[str, Any] = {
    "store": "zzz",
    "metadata": {"n": 1},
    "service_tier": "zzz",
    "modalities": ["zzz"],
    "prediction": {"type": "zzz", "content": "x"},
    "reasoning_effort": "zzz",
    "verbosity": "zzz",
    "web_search_options": {"search_context_size": "zzz"},
}
METADATA = {"suite": "oai-conformance"}
PREDICTED = "The quick brown fox jumps over the lazy dog."
VERBOSE_PROMPT = [{"role": "user", "content": "Explain what a cat is."}]
VERBOSE_TOKENS = 80
NEWS_PROMPT = [{"role": "user", "content": "What happened in the news today? Cite your sources."}]


# Fields every chat model takes, whose effects show in different places (a stored completion, the
# answer's service_tier): asked for in one request, sent once for their three checks.
STORED = {"store": True, "metadata": METADATA}
TIER = {"service_tier": "auto"}

# The fields of no visible effect ride along (the run cache sends this once for six checks); a server that
# rejects it gets narrower requests (_by_design, _with), so a rejection is still pinned on the field that caused it.
ACCEPTED_TOGETHER: dict[str, Any] = {**STORED, **TIER, **NO_VISIBLE_EFFECT}


def _no_effect(ctx: CheckContext, field: str, why: str) -> NoReturn:
    """No effect seen: an invalid value decides between 'not read at all' and 'read, effect unseen'."""
    bad = INVALID[field]
    # First every field's invalid value in one request (the run cache sends it once for all these checks):
    # accepted with 200, no field of it is read. A rejection says nothing about which one was read, so
    # then this field's invalid value goes alone.
    together = ctx.chat(max_tokens=CHEAP, **INVALID)
    if 200 <= (together.status or 0) < 300:
        others = len(INVALID) - 1
        raise Ignored(f"{why}; an invalid {field}={bad!r} was accepted with {together.status}, sent with the invalid "
                      f"values of {others} other optional fields, all taken: the field is not read")
    ex = ctx.chat(max_tokens=CHEAP, **{field: bad})
    status = ex.status or 0
    if 200 <= status < 300:
        raise Ignored(f"{why}; an invalid {field}={bad!r} was accepted with {status}: the field is not read")
    if status >= 500:
        raise SpecViolation(f"{why}; an invalid {field}={bad!r} gave server error {status}: "
                            f"{error_message(ex.response_body)[:120]}")
    raise Accepted(f"{why}; an invalid {field}={bad!r} is rejected with {status}, so the field is read, "
                   "but no effect could be observed")


def _usage_details(body: dict[str, Any]) -> dict[str, Any]:
    usage = body.get("usage")
    details = usage.get("completion_tokens_details") if isinstance(usage, dict) else None
    return details if isinstance(details, dict) else {}


def _first_answered(ctx: CheckContext, what: str, *tries: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer to the first of these field sets (widest first, each sent once per run and shared) that is
    answered normally, with the set used; the last, narrowest set is judged whatever it gets, so a rejection is
    pinned on the field that caused it."""
    *wider, narrowest = tries
    for fields in wider:
        ex = ctx.chat(max_tokens=CHEAP, **fields)
        if 200 <= (ex.status or 0) < 300:
            others = ", ".join(k for k in fields if k not in narrowest)
            return ctx.expect_ok(ex, f"{what} (with {others})"), fields
    return ctx.expect_ok(ctx.chat(max_tokens=CHEAP, **narrowest), what), narrowest


def _by_design(field: str, value: str) -> CheckFn:
    def run(ctx: CheckContext) -> str:
        # First the one request of every field taken without a visible error (sent once for six checks), then
        # the three of no visible effect together (once for three), then this field alone.
        _, used = _first_answered(ctx, f"{field}={value!r}", ACCEPTED_TOGETHER, NO_VISIBLE_EFFECT, {field: value})
        # Accepted, never supported: the spec gives the field no effect a client can see, and a box is ticked
        # only on evidence of effect (a server that never reads it answers the same, as llama-cpp-python does).
        if used is ACCEPTED_TOGETHER:
            where = " (in one request with the other fields of no visible effect and store, metadata, service_tier)"
        elif used is NO_VISIBLE_EFFECT:
            where = " (in one request with the other fields of no visible effect)"
        else:
            where = ""
        raise Accepted(f"{field}={value!r} accepted with a normal answer{where}; the spec defines no effect a "
                       "client can see, so none can be observed")

    run.__doc__ = f"{field} is accepted with a normal answer (the spec defines no visible effect)."
    return run


for _field, _value in NO_VISIBLE_EFFECT.items():
    check(f"fields.{_field}.accepted", feature=FEATURE, field=_field,
          behavior=f"{_field} is accepted with 200 and a normal answer (its effect is not visible by design)")(
        _by_design(_field, _value))



def _with(ctx: CheckContext, fields: dict[str, Any], what: str) -> dict[str, Any]:
    """The answer to a request with these fields: the shared one with STORED, TIER and the fields of no visible
    effect where that is answered normally, else the one with STORED and TIER, else these fields alone."""
    return _first_answered(ctx, what, ACCEPTED_TOGETHER, {**STORED, **TIER}, fields)[0]


def _stored(ctx: CheckContext) -> tuple[dict[str, Any], Any]:
    """A completion created with store true and metadata, and the server's answer to retrieving it."""
    body = _with(ctx, STORED, "store: true with metadata")
    cid = body.get("id")
    if not isinstance(cid, str) or not cid:
        raise SpecViolation(f"the stored completion has no id to retrieve it by: {cid!r}")
    got = ctx.request("GET", f"{CHAT}/{cid}")
    return body, got


@check("fields.store.effect", feature=FEATURE, field="store",
       behavior="store: true keeps the completion: GET /chat/completions/{id} returns it")
def store_effect(ctx: CheckContext) -> str:
    body, got = _stored(ctx)
    if got.status == 200 and isinstance(got.response_body, dict) and got.response_body.get("id") == body["id"]:
        return f"stored: GET {CHAT}/{body['id']} returned it"
    _no_effect(ctx, "store", f"store: true was accepted but GET {CHAT}/{body['id']} gave {got.status}")


@check("fields.metadata.effect", feature=FEATURE, field="metadata",
       behavior="metadata is kept with a stored completion (or, where nothing is stored, validated)")
def metadata_effect(ctx: CheckContext) -> str:
    body, got = _stored(ctx)
    if got.status == 200 and isinstance(got.response_body, dict):
        if got.response_body.get("metadata") == METADATA:
            return "the stored completion carries the metadata it was created with"
        raise SpecViolation(f"the stored completion's metadata is {got.response_body.get('metadata')!r}, "
                            f"not {METADATA!r}")
    _no_effect(ctx, "metadata", f"metadata was accepted; nothing was stored to carry it (GET gave {got.status})")


@check("fields.service_tier.effect", feature=FEATURE, field="service_tier",
       behavior="service_tier 'auto' is answered with the tier that served the request (response.service_tier)")
def service_tier_effect(ctx: CheckContext) -> str:
    body = _with(ctx, TIER, "service_tier 'auto'")
    tier = body.get("service_tier")
    if isinstance(tier, str) and tier:
        return f"the response names the tier that served it: {tier!r}"
    _no_effect(ctx, "service_tier", f"service_tier 'auto' was accepted; the response's service_tier is {tier!r}")


@check("fields.prediction.effect", feature=FEATURE, field="prediction",
       behavior="prediction is reported in usage.completion_tokens_details (accepted/rejected_prediction_tokens)")
def prediction_effect(ctx: CheckContext) -> str:
    body = ctx.expect_ok(ctx.chat(
        messages=[{"role": "user", "content": f"Repeat exactly: {PREDICTED}"}], max_tokens=16,
        prediction={"type": "content", "content": PREDICTED}), "prediction")
    details = _usage_details(body)
    counts = {k: details.get(k) for k in ("accepted_prediction_tokens", "rejected_prediction_tokens")}
    if any(isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
        return f"prediction accounted: {counts}"
    _no_effect(ctx, "prediction", "prediction was accepted; usage reports no accepted or rejected prediction tokens")


@check("fields.modalities.effect", feature=FEATURE, field="modalities",
       behavior="modalities ['text', 'audio'] with audio gives message.audio (or is rejected clearly)")
def modalities_effect(ctx: CheckContext) -> str:
    ex = ctx.chat(max_tokens=CHEAP, modalities=["text", "audio"], audio={"voice": "alloy", "format": "wav"})
    body = ctx.expect_ok(ex, "modalities ['text', 'audio']")
    audio = _shape.message(body).get("audio")
    if isinstance(audio, dict) and isinstance(audio.get("data"), str) and audio["data"]:
        return f"message.audio carries {len(audio['data'])} characters of base64 audio"
    _no_effect(ctx, "modalities", f"audio output was asked for; message.audio is {str(audio)[:60]}")


@check("fields.reasoning_effort.effect", feature=FEATURE, field="reasoning_effort",
       behavior="reasoning_effort shows reasoning (completion_tokens_details.reasoning_tokens or reasoning content)")
def reasoning_effort_effect(ctx: CheckContext) -> str:
    body = ctx.expect_ok(ctx.chat(max_tokens=32, reasoning_effort="low",
                                  messages=[{"role": "user", "content": "What is 12 * 13?"}]), "reasoning_effort")
    tokens = _usage_details(body).get("reasoning_tokens")
    msg = _shape.message(body)
    content = next((msg[k] for k in ("reasoning_content", "reasoning") if isinstance(msg.get(k), str) and msg[k]), None)
    if isinstance(tokens, int) and tokens > 0:
        return f"{tokens} reasoning tokens reported"
    if content:
        return f"reasoning content returned ({len(content)} characters)"
    _no_effect(ctx, "reasoning_effort", "reasoning_effort 'low' was accepted; no reasoning tokens or content came "
               "back (a model that never reasons cannot show an effect: not judged beyond this)")


@check("fields.verbosity.effect", feature=FEATURE, field="verbosity",
       behavior="verbosity 'low' gives a shorter answer than 'high' to the same prompt")
def verbosity_effect(ctx: CheckContext) -> str:
    lengths = {}
    for level in ("low", "high"):
        body = ctx.expect_ok(ctx.chat(messages=VERBOSE_PROMPT, max_tokens=VERBOSE_TOKENS, verbosity=level),
                             f"verbosity {level!r}")
        usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
        tokens = usage.get("completion_tokens")
        lengths[level] = tokens if isinstance(tokens, int) else len(_shape.text(body).split())
        if level == "low" and isinstance(tokens, int) and tokens >= VERBOSE_TOKENS and _shape.finish_reason(body) == "length":
            # Cut at max_tokens: no answer under the same max_tokens can be longer, so 'high' cannot show
            # an effect (llama.cpp: 80 and 80 tokens); one request fewer.
            _no_effect(ctx, "verbosity", f"verbosity low gave {tokens} completion tokens, cut by max_tokens "
                       f"{VERBOSE_TOKENS}: high cannot be longer")
    if lengths["low"] < lengths["high"]:
        return f"low gave {lengths['low']}, high {lengths['high']} completion tokens"
    _no_effect(ctx, "verbosity", f"verbosity low and high gave {lengths['low']} and {lengths['high']} "
               "completion tokens")


@check("fields.web_search_options.effect", feature=FEATURE, field="web_search_options",
       behavior="web_search_options gives message.annotations with url_citation entries")
def web_search_effect(ctx: CheckContext) -> str:
    body = ctx.expect_ok(ctx.chat(messages=NEWS_PROMPT, max_tokens=16, web_search_options={}), "web_search_options")
    notes = _shape.message(body).get("annotations")
    cites = [a for a in notes or [] if isinstance(a, dict) and a.get("type") == "url_citation"]
    if cites:
        return f"{len(cites)} url_citation annotation(s)"
    _no_effect(ctx, "web_search_options", f"web search was asked for; message.annotations is {str(notes)[:60]}")

