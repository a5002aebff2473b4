"""One probe per /v1/completions deviation: an observation that differs between the conformant and the deviant fake."""

from __future__ import annotations

from typing import Any

from tests.fake.probes import MODEL, Api, Probe, parse_frames

PROMPT = "Once upon a time"
TWO = [PROMPT, "The capital of France is"]


def _post(api: Api, **fields: Any) -> Any:
    body = {"model": MODEL, "prompt": PROMPT, "temperature": 0, "max_tokens": 8, **fields}
    return api.post("completions", body)


def _body(**fields: Any) -> Probe:
    def probe(api: Api) -> Any:
        resp = _post(api, **fields)
        return resp.json() if resp.status_code == 200 else resp.status_code
    return probe


def _status(**fields: Any) -> Probe:
    return lambda api: _post(api, **fields).status_code


def _shape(**fields: Any) -> Probe:
    """Object, choice indexes, texts, finish reasons, logprobs keys and usage: everything but ids and times."""
    def probe(api: Api) -> Any:
        body = _body(**fields)(api)
        if not isinstance(body, dict):
            return body
        return (body["object"], [(c["index"], c["text"], c["finish_reason"], sorted(c["logprobs"] or {}))
                                 for c in body["choices"]], body["usage"])
    return probe


def _frames(**fields: Any) -> Probe:
    def probe(api: Api) -> Any:
        frames = parse_frames(_post(api, stream=True, **fields).text)
        return [f if not isinstance(f, dict) else (f["object"], f["choices"], f.get("usage")) for f in frames]
    return probe


def _missing_prompt(api: Api) -> int:
    return api.post("completions", {"model": MODEL, "max_tokens": 1}).status_code


def _sampled(**fields: Any) -> Probe:
    """Whether two identical requests give the same text."""
    return lambda api: _shape(**fields)(api) == _shape(**fields)(api)


def _stopped_text(api: Api) -> Any:
    """The text stopped on the third word of the unstopped text."""
    word = _post(api).json()["choices"][0]["text"].split()[2]
    return _post(api, stop=[word]).json()["choices"][0]["text"]


PROBES: dict[str, tuple[dict[str, Any], Probe]] = {
    "completions.object_wrong": ({}, _shape()),
    "completions.index_from_one": ({}, _shape()),
    "completions.usage_sum_wrong": ({}, _shape()),
    "completions.usage_one_choice": ({}, _shape(n=2, max_tokens=4)),
    "completions.logprobs_chat_shape": ({}, _shape(logprobs=2)),
    "completions.logprobs_ignored": ({}, _shape(logprobs=2)),
    "completions.max_tokens_ignored": ({}, _shape(max_tokens=2)),
    "completions.stop_ignored": ({}, _shape(stop=["story"])),
    "completions.echo_ignored": ({}, _shape(echo=True)),
    "completions.suffix_ignored": ({}, _shape(suffix=" the end")),
    "completions.suffix_appended": ({}, _shape(suffix=" the end")),
    "completions.stop_included": ({}, _stopped_text),
    "completions.seed_ignored": ({}, _sampled(temperature=1.0, seed=7)),
    "completions.n_ignored": ({}, _shape(n=2)),
    "completions.temperature_ignored": ({}, _sampled(temperature=1.5)),
    "completions.greedy_random": ({}, _sampled()),
    "completions.batch_first_only": ({}, _shape(prompt=TWO)),
    "completions.batch_order_reversed": ({}, _shape(prompt=TWO)),
    "completions.token_ids_as_prompts": ({}, _shape(prompt=[464, 3290, 373, 257])),
    "completions.token_prompts_rejected": ({}, _status(prompt=[464, 3290, 373, 257])),
    "completions.missing_prompt_500": ({}, _missing_prompt),
    "completions.unknown_model_200": ({}, _status(model="no-such-model")),
    "completions.best_of_unchecked": ({}, _status(best_of=1, n=2)),
    "completions.validation_off": ({}, _status(temperature=3)),
    "completions.stream_object_chat": ({}, _frames()),
    "completions.stream_no_done": ({}, _frames()),
    "completions.stream_text_differs": ({}, _frames()),
    "completions.stream_usage_on_content": ({}, _frames(stream_options={"include_usage": True})),
    "completions.stream_usage_unasked": ({}, _frames()),
    "completions.stream_null_chunk": ({}, _frames(prompt=TWO)),
}
