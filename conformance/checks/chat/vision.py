"""Vision: image_url content parts with a base64 data URL, the detail option by its effect, and a corrupt image."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any, NoReturn

from conformance.checks._shared import shape as _shape
from conformance.context import CheckContext, error_message, has_envelope
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Accepted, Fail, HarnessError, Ignored, LaxValidation, Skip, SpecViolation, Unsupported

FEATURE = "Vision"
FIELD = "messages.content.image_url"
QUESTION = "What color is this image? Answer with one word."


def png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (255, 0, 0), comment: str = "") -> bytes:
    """A valid, uncompressed-colour PNG of one solid colour, built without an imaging library.

    A comment goes into a tEXt chunk: decoders skip it, so the pixels stay the same.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    row = b"\x00" + bytes(rgb) * width  # filter type 0 before every scanline
    text = chunk(b"tEXt", b"Comment\x00" + comment.encode("latin-1")) if comment else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + text + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def data_url(data: bytes, mime: str = "image/png") -> str:
    """A base64 data URL."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


VALID_URL = data_url(png())
# The same pixels with a text chunk that makes the data URL ~4x longer (varied text: base64 of it
# tokenizes at roughly one token per 1-2 characters, where a repeated letter would compress into few).
PADDED_URL = data_url(png(comment=" ".join(f"line {i}: this chunk is text that decoders never show as pixels;"
                                           for i in range(5))))
# Same pixels cost the same image tokens; a URL read as text costs about one token per one or two
# characters (SmolLM2 on llama-cpp-python: 358 tokens for 448). One per 20 sits far from both.
TEXT_TOKENS_PER_CHAR = 1 / 20
# Large enough that OpenAI bills detail "high" above "low" in every scheme it documents: GPT-4o-class
# models bill "low" a fixed 85 tokens and "high" 85 + 170 per 512px tile (this image scaled to 768x768
# is four tiles), patch-based models bill 32px patches. One solid colour deflates to a few hundred bytes.
DETAIL_SIZE = 512
DETAIL_URL = data_url(png(DETAIL_SIZE, DETAIL_SIZE))
INVALID_DETAIL = "zzz"
# Declared PNG, valid base64, but a truncated signature then junk: every decoder rejects it.
CORRUPT_URL = data_url(b"\x89PNG\r\n" + b"oai-conformance: this is not image data " * 4)


def _messages(image: dict[str, Any] | None) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": QUESTION}]
    if image is not None:
        parts.append({"type": "image_url", "image_url": image})
    return [{"role": "user", "content": parts}]


def _valid(ctx: CheckContext) -> Exchange:
    return ctx.chat(messages=_messages({"url": VALID_URL}))


def url_read_as_text(tokens: int, padded_tokens: int, extra_chars: int) -> bool:
    """True when a longer data URL of the same pixels costs prompt tokens in step with its length."""
    return padded_tokens - tokens > extra_chars * TEXT_TOKENS_PER_CHAR


def _as_text(ctx: CheckContext, with_image: int, without: int) -> str | None:
    """Why the image's tokens are those of its data URL read as text (None when they are not)."""
    # A chat template that stringifies array content tokenizes the base64 as words: tokens are
    # added although no image was decoded (llama-cpp-python's chatml-function-calling does this).
    padded = ctx.chat(messages=_messages({"url": PADDED_URL}))
    tokens = _shape.prompt_tokens(padded.response_body) if padded.status == 200 else None
    extra = len(PADDED_URL) - len(VALID_URL)
    if tokens is None or not url_read_as_text(with_image, tokens, extra):
        return None
    return (f"the data URL was read as text: the image adds {with_image - without} prompt token(s), and the "
            f"same pixels in a data URL {extra} characters longer add {tokens - with_image} more")


def _seen(ctx: CheckContext, body: dict[str, Any]) -> tuple[bool | None, str]:
    """Whether the image reached the model, judged against the same text sent alone."""
    text_only = ctx.chat(messages=_messages(None))
    if text_only.status != 200 or not isinstance(text_only.response_body, dict):
        return None, f"the text-only comparison request gave {text_only.status}"
    with_image, without = _shape.prompt_tokens(body), _shape.prompt_tokens(text_only.response_body)
    if with_image is not None and without is not None and with_image > without:
        as_text = _as_text(ctx, with_image, without)
        if as_text is not None:
            return False, as_text
        return True, f"the image adds {with_image - without} prompt token(s)"
    # At temperature 0 the same input gives the same output: a different answer proves a different input.
    answer, plain = _shape.text(body), _shape.text(text_only.response_body)
    if answer != plain:
        return True, "the answer differs from the text-only answer"
    tokens = "no usage" if with_image is None or without is None else f"prompt_tokens {with_image} with, {without} without"
    return False, f"same answer {answer[:40]!r} as without the image, {tokens}"


def _valid_answer(ctx: CheckContext) -> dict[str, Any]:
    """The answer to the valid image; dependent checks skip when images are not accepted."""
    try:
        return ctx.expect_ok(_valid(ctx), "an image_url data URL")
    except Unsupported as exc:
        raise Skip(f"images are not accepted: {exc.reason}") from exc
    except Fail as exc:
        raise Skip(f"the image request itself fails (see vision.image_url.data_url): {exc.reason}") from exc


@check("vision.image_url.data_url", feature=FEATURE, field=FIELD,
       behavior="An image_url part with a base64 PNG data URL is answered, and the image reaches the model")
def image_data_url(ctx: CheckContext) -> str:
    body = ctx.expect_ok(_valid(ctx), "an image_url data URL")
    answer = _shape.text(body)
    seen, why = _seen(ctx, body)
    if seen is False:
        raise Ignored(f"the image was accepted but did not reach the model: {why}")
    if seen is None:
        ctx.deviations.append(f"cannot tell whether the image reached the model: {why}")
    ctx.note(answer=answer, mentions_red="red" in answer.lower())
    return f"answered {answer[:60]!r}; {why}"


def _detail(ctx: CheckContext, value: str) -> Exchange:
    return ctx.chat(messages=_messages({"url": DETAIL_URL, "detail": value}))


def _tokens_pair(lo: int | None, hi: int | None) -> str:
    """How the prompt tokens of 'low' and 'high' compare, in words."""
    return "usage is missing" if lo is None or hi is None else f"both cost {lo} prompt tokens"


def _detail_unseen(ctx: CheckContext, low: dict[str, Any], high: dict[str, Any]) -> NoReturn:
    """The verdict when 'low' and 'high' cost and answer the same: is detail read at all?"""
    tokens = _tokens_pair(_shape.prompt_tokens(low), _shape.prompt_tokens(high))
    same = (f"detail 'low' and 'high' on the same {DETAIL_SIZE}x{DETAIL_SIZE} image give the same answer "
            f"{_shape.text(low)[:40]!r}, and {tokens}")
    # An invalid value tells a field that is read (validated, then without effect) from one never looked at.
    bad = _detail(ctx, INVALID_DETAIL)
    status = bad.status or 0
    if 200 <= status < 300:
        raise Ignored(f"{same}, and an invalid detail {INVALID_DETAIL!r} is accepted with {status}")
    if 400 <= status < 500 and status not in (401, 403, 408, 429):
        raise Accepted(f"{same}; detail is read (an invalid detail {INVALID_DETAIL!r} is rejected with {status}) "
                       "but has no visible effect")
    if status >= 500 and status not in (502, 503, 504):
        raise SpecViolation(f"{same}, and an invalid detail {INVALID_DETAIL!r} gave server error {status}: "
                            f"{error_message(bad.response_body)[:120]}")
    ctx.expect_ok(bad, f"image_url with detail {INVALID_DETAIL!r}")  # busy, auth or transport: not judged
    raise HarnessError(f"{same}; an invalid detail {INVALID_DETAIL!r} got status {status}")


@check("vision.image_url.detail", feature=FEATURE, field=FIELD,
       behavior="detail 'low' costs fewer prompt tokens than 'high' on the same image (or changes the answer), "
                "where images reach the model")
def image_detail(ctx: CheckContext) -> str:
    seen, why = _seen(ctx, _valid_answer(ctx))  # the requests vision.image_url.data_url sent: cached
    if not seen:
        # Skip, not ignored: detail tunes how an image is encoded, and no image is encoded here, so detail
        # cannot show an effect whatever the server does with it. That finding is vision.image_url.data_url's
        # ("ignored"); repeating it here would count one defect twice and claim a verdict on detail that no
        # request can reach.
        state = "images do not reach the model" if seen is False else "cannot tell whether images reach the model"
        raise Skip(f"{state}, so detail cannot have an effect (see vision.image_url.data_url): {why}")
    low = ctx.expect_ok(_detail(ctx, "low"), "image_url with detail 'low'")
    high = ctx.expect_ok(_detail(ctx, "high"), "image_url with detail 'high'")
    lo, hi = _shape.prompt_tokens(low), _shape.prompt_tokens(high)
    if lo is not None and hi is not None and lo != hi:
        if lo > hi:
            ctx.deviations.append(f"detail 'low' costs more prompt tokens ({lo}) than 'high' ({hi})")
        return f"detail 'low' costs {lo} prompt tokens, 'high' {hi}, on the same {DETAIL_SIZE}x{DETAIL_SIZE} image"
    # At temperature 0 the same input gives the same output: a different answer proves a different encoding.
    a_low, a_high = _shape.text(low), _shape.text(high)
    if a_low != a_high:
        return f"detail changes the answer: 'low' {a_low[:40]!r}, 'high' {a_high[:40]!r} ({_tokens_pair(lo, hi)})"
    _detail_unseen(ctx, low, high)


@check("vision.image_url.corrupt", feature=FEATURE, field=FIELD,
       behavior="A corrupt image (declared PNG, junk bytes) is rejected with a 4xx and the error envelope, not 500")
def image_corrupt(ctx: CheckContext) -> str:
    valid = _valid_answer(ctx)
    ex = ctx.chat(messages=_messages({"url": CORRUPT_URL}))
    status = ex.status or 0
    if 400 <= status < 500:
        if not has_envelope(ex.response_body):
            ctx.deviations.append(f"{status} without the OpenAI error envelope")
        return f"rejected with {status}: {error_message(ex.response_body)[:120]}"
    if status >= 500:
        raise SpecViolation(f"a corrupt image gave server error {status}: {error_message(ex.response_body)}")
    # A 200 means nobody decoded the bytes. If valid images demonstrably reach the model, the server
    # answered about an image it never had: broken. If nothing shows images are ever looked at, the
    # image input as a whole is being ignored, which is what the verdict should say.
    seen, why = _seen(ctx, valid)
    if seen:
        raise LaxValidation(f"a corrupt image was answered with {status} although valid images are decoded ({why})")
    raise Ignored(f"a corrupt image was answered with {status}: images are not looked at ({why})")
