"""openai-python (the official Python client) in every scenario it has a call for; run as a module by the matrix."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Literal

from conformance.clients import expect as x
from conformance.clients.lines import Context, Wrong, main

PACKAGE = "openai"


def _api(ctx: Context) -> Any:
    """A client of its own for each scenario, as built by default, but with the TLS settings loaded once."""
    import openai

    return openai.OpenAI(base_url=ctx.base_url, api_key=ctx.api_key, max_retries=0, timeout=ctx.timeout_s,
                         http_client=openai.DefaultHttpxClient(verify=_tls()))


@lru_cache(maxsize=1)
def _tls() -> Any:
    """The client's default TLS context, built once per process.

    Each client builds it anew by default, reading the system's CA certificates: 30 ms a scenario, most of
    what the client cost per recording. The matrix talks plain HTTP to 127.0.0.1, so it is never used
    on the wire; what the client sends is unchanged.
    """
    try:
        import httpx2  # what openai 3.x is built on
    except ImportError:
        import httpx
        return httpx.create_ssl_context()
    return httpx2.create_ssl_context()


def _chat(ctx: Context, **extra: Any) -> dict[str, Any]:
    return {"model": ctx.model, "messages": [{"role": "user", "content": x.PROMPT}], "temperature": 0,
            "max_tokens": x.MAX_TOKENS, **extra}


def _tools(ctx: Context) -> dict[str, Any]:
    return _chat(ctx, messages=[{"role": "user", "content": x.TOOL_PROMPT}], max_tokens=x.TOOL_MAX_TOKENS,
                 tools=[x.TOOL], tool_choice=x.TOOL_CHOICE)


def _first_call(message: Any) -> dict[str, Any]:
    calls = message.tool_calls or []
    if not calls:
        raise Wrong(f"no tool call in the message: {json.dumps(message.model_dump(exclude_none=True))[:300]}",
                    message.model_dump(exclude_none=True))
    return x.tool_call(calls[0].function.name, calls[0].function.arguments)


def chat_create(ctx: Context) -> Any:
    return x.text(_api(ctx).chat.completions.create(**_chat(ctx)).choices[0].message.content)


def chat_stream(ctx: Context) -> Any:
    text = ""
    for chunk in _api(ctx).chat.completions.create(**_chat(ctx, stream=True)):
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
    return x.text(text)


def _final(body: dict[str, Any], ctx: Context) -> Any:
    """The stream helper's accumulated completion; it raises on deltas it cannot place.

    A completion cut by max_tokens is refused as final by design (LengthFinishReasonError): its snapshot is
    what the helper accumulated, so the cut the small token limit asks for is no failure of the server.
    """
    from openai import LengthFinishReasonError

    with _api(ctx).chat.completions.stream(**body) as stream:
        try:
            return stream.get_final_completion()
        except LengthFinishReasonError:
            return stream.current_completion_snapshot


def chat_stream_helper(ctx: Context) -> Any:
    return x.text(_final(_chat(ctx), ctx).choices[0].message.content)


def chat_stream_n2(ctx: Context) -> Any:
    """The same request up to N2_SAMPLES times: the order the two choices start in varies between answers."""
    value = None
    for _ in range(x.N2_SAMPLES):
        value = x.two_choices(_final(_chat(ctx, n=2, temperature=x.N2_TEMPERATURE), ctx).choices)
    return value


def chat_structured(ctx: Context) -> Any:
    from pydantic import BaseModel

    class Answer(BaseModel):
        answer: Literal["yes", "no"]

    completion = _api(ctx).chat.completions.parse(**_chat(
        ctx, messages=[{"role": "user", "content": x.STRUCTURED_PROMPT}], max_tokens=x.STRUCTURED_MAX_TOKENS,
        response_format=Answer))
    return x.answer(completion.choices[0].message.parsed)


def chat_tools(ctx: Context) -> Any:
    return _first_call(_api(ctx).chat.completions.create(**_tools(ctx)).choices[0].message)


def chat_tools_stream(ctx: Context) -> Any:
    return _first_call(_final(_tools(ctx), ctx).choices[0].message)


def _completion(ctx: Context, **extra: Any) -> dict[str, Any]:
    return {"model": ctx.model, "prompt": x.COMPLETION_PROMPT, "temperature": 0, "max_tokens": x.MAX_TOKENS, **extra}


def completions_create(ctx: Context) -> Any:
    return x.text(_api(ctx).completions.create(**_completion(ctx)).choices[0].text)


def completions_stream(ctx: Context) -> Any:
    text = ""
    for chunk in _api(ctx).completions.create(**_completion(ctx, stream=True)):
        if chunk.choices:
            text += chunk.choices[0].text or ""
    return x.text(text)


def embeddings_create(ctx: Context) -> Any:
    """The client's own default encoding (it asks for base64 and decodes), as applications call it."""
    response = _api(ctx).embeddings.create(model=ctx.embedding_model, input=x.EMBED_INPUT)
    return x.vectors([list(d.embedding) for d in response.data])


def _response(ctx: Context) -> dict[str, Any]:
    return {"model": ctx.model, "input": x.PROMPT, "temperature": 0, "max_output_tokens": x.RESPONSE_MAX_TOKENS}


def responses_create(ctx: Context) -> Any:
    return x.text(_api(ctx).responses.create(**_response(ctx)).output_text)


def responses_stream(ctx: Context) -> Any:
    """The stream helper accumulates the events into the final response and raises on events it cannot place."""
    with _api(ctx).responses.stream(**_response(ctx)) as stream:
        for _ in stream:
            pass
        return x.text(stream.get_final_response().output_text)


def speech_create(ctx: Context) -> Any:
    """The client's default format (mp3 unless asked), as applications call it."""
    return x.audio(_api(ctx).audio.speech.create(model=ctx.speech_model, voice="alloy", input=x.SPEECH_INPUT).content)


def _transcribe(ctx: Context, response_format: str) -> Any:
    """The bundled speech file uploaded as applications do: an open file, the client builds the form."""
    with open(str(ctx.audio_file), "rb") as audio:
        result = _api(ctx).audio.transcriptions.create(model=ctx.transcription_model, file=audio,
                                                       response_format=response_format)  # type: ignore[call-overload]
    # json gives a Transcription object, text the body as a string: each as the client hands it over.
    return x.transcript(result if isinstance(result, str) else result.text, str(ctx.spoken), response_format)


def transcription_json(ctx: Context) -> Any:
    return _transcribe(ctx, "json")


def transcription_text(ctx: Context) -> Any:
    return _transcribe(ctx, "text")


def images_generate(ctx: Context) -> Any:
    """One b64_json image, decoded as an application does, and read from its header."""
    import base64

    response = _api(ctx).images.generate(model=ctx.image_model, prompt=x.IMAGE_PROMPT, n=1, size=x.IMAGE_SIZE,
                                         response_format="b64_json")  # type: ignore[arg-type]
    data = response.data or []
    if not data or not data[0].b64_json:
        raise Wrong(f"no b64_json image in the response: {json.dumps(response.model_dump(exclude_none=True))[:300]}",
                    None)
    return x.image(base64.b64decode(data[0].b64_json))


SCENARIOS = {
    "chat.create": chat_create,
    "chat.stream": chat_stream,
    "chat.stream-helper": chat_stream_helper,
    "chat.stream-n2": chat_stream_n2,
    "chat.structured": chat_structured,
    "chat.tools": chat_tools,
    "chat.tools-stream": chat_tools_stream,
    "completions.create": completions_create,
    "completions.stream": completions_stream,
    "embeddings.create": embeddings_create,
    "responses.create": responses_create,
    "responses.stream": responses_stream,
    "speech.create": speech_create,
    "transcription.json": transcription_json,
    "transcription.text": transcription_text,
    "images.generate": images_generate,
}

if __name__ == "__main__":
    main("openai-python", PACKAGE, SCENARIOS, {})
