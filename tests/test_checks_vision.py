"""Vision checks: the PNG the suite builds is valid; all checks pass on the conformant fake; deviations flip them."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from conformance.checks.chat.vision import (
    CORRUPT_URL,
    DETAIL_URL,
    PADDED_URL,
    VALID_URL,
    png,
    url_read_as_text,
)
from tests.fake import FakeServer
from tests.fake.images import image_digest, image_tokens, tiles
from tests.helpers import not_passed, outcomes, run_checks

VISION = "vision.*"


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into (type, payload), verifying every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, payload = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, kind
        out.append((kind, payload))
        at += 12 + length
    return out


def test_the_png_is_a_valid_8x8_red_square() -> None:
    chunks = _chunks(png())
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height, depth, colour) == (8, 8, 8, 2)
    pixels = zlib.decompress(chunks[1][1])
    assert pixels == (b"\x00" + b"\xff\x00\x00" * 8) * 8


def test_the_padded_png_has_the_same_pixels_in_a_much_longer_url() -> None:
    """The comparison image differs from the valid one only by a tEXt chunk, which decoders skip."""
    padded = _chunks(base64.b64decode(PADDED_URL.split(",", 1)[1]))
    assert [k for k, _ in padded] == [b"IHDR", b"tEXt", b"IDAT", b"IEND"]
    plain = dict(_chunks(png()))
    assert dict(padded)[b"IHDR"] == plain[b"IHDR"]
    assert zlib.decompress(dict(padded)[b"IDAT"]) == zlib.decompress(plain[b"IDAT"])
    assert len(PADDED_URL) > 4 * len(VALID_URL)


@pytest.mark.parametrize(
    ("tokens", "padded_tokens", "as_text"),
    [
        (600, 600, False),  # a vision encoder: same pixels, same image tokens
        (600, 610, False),  # a little noise in how a server counts is not the URL's length
        (210, 568, True),  # llama-cpp-python chatml-function-calling: 448 more characters, 358 more tokens
    ],
)
def test_url_read_as_text_follows_the_url_length(tokens: int, padded_tokens: int, as_text: bool) -> None:
    assert url_read_as_text(tokens, padded_tokens, 448) is as_text


def test_the_fake_decodes_the_valid_image_and_refuses_the_corrupt_one() -> None:
    assert image_digest(VALID_URL)
    with pytest.raises(ValueError):
        image_digest(CORRUPT_URL)


def test_the_fake_bills_detail_like_openai() -> None:
    """GPT-4o-class billing: 'low' a fixed 85, 'high' 85 + 170 per 512px tile after scaling."""
    assert image_tokens(DETAIL_URL, "low") == 85
    assert image_tokens(DETAIL_URL, "high") == image_tokens(DETAIL_URL, None) == 255
    assert tiles(2048, 4096) == 6  # OpenAI's worked example: scaled to 768x1536
    assert tiles(8, 8) == 1  # small images are not scaled up


def test_conformant_fake_passes_every_vision_check() -> None:
    with FakeServer() as srv:
        results = run_checks(srv.base_url, VISION)
    assert len(results) == 3
    assert not_passed(results) == {}
    assert all(not r.deviations for r in results.values()), {k: r.deviations for k, r in results.items() if r.deviations}
    detail = results["vision.image_url.detail"].reason
    assert detail == "detail 'low' costs 94 prompt tokens, 'high' 264, on the same 512x512 image", detail


# Deviation -> the checks it turns from pass, with the outcome; every other vision check still passes.
FLIPS: dict[str, dict[str, str]] = {
    # What a text-only server (SmolLM2) should do: reject clearly; the rest cannot be judged.
    "vision.rejected": {"vision.image_url.data_url": "unsupported", "vision.image_url.detail": "skip",
                        "vision.image_url.corrupt": "skip"},
    "vision.detail_rejected": {"vision.image_url.detail": "unsupported"},
    # 'low' and 'high' cost the same: an invalid detail rejected shows the field is read (accepted),
    # one answered with 200 shows it is not (ignored). A 200 alone never passes.
    "vision.detail_no_effect": {"vision.image_url.detail": "accepted"},
    "vision.detail_ignored": {"vision.image_url.detail": "ignored"},
    "vision.corrupt_500": {"vision.image_url.corrupt": "fail"},
    # Valid images visibly reach the fake's model, so answering a corrupt one is broken, not ignored.
    "vision.corrupt_200": {"vision.image_url.corrupt": "fail"},
    # The data URL is read as text (prompt tokens grow with its length): no image is ever seen, so
    # neither answering a valid image nor a corrupt one shows anything but the input being ignored.
    # detail has nothing to act on: skipped, pointing at vision.image_url.data_url, not ticked on a 200.
    "vision.url_as_text": {"vision.image_url.data_url": "ignored", "vision.image_url.detail": "skip",
                           "vision.image_url.corrupt": "ignored"},
    # transformers serve with a text model: the image is dropped, the prompt and answer are the text's alone.
    "vision.image_dropped": {"vision.image_url.data_url": "ignored", "vision.image_url.detail": "skip",
                             "vision.image_url.corrupt": "ignored"},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_the_right_check(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}) as srv:
        got = outcomes(run_checks(srv.base_url, VISION))
    assert {k: got[k] for k in expected} == expected
    others = {k: v for k, v in got.items() if k not in expected and v != "pass"}
    assert others == {}, f"{deviation} also changed {others}"


def test_a_url_read_as_text_is_named_in_the_reason() -> None:
    """Tokens that grow with the URL are the evidence, and the reasons say so."""
    with FakeServer(deviations={"vision.url_as_text"}) as srv:
        results = run_checks(srv.base_url, VISION)
    for key in ("vision.image_url.data_url", "vision.image_url.corrupt"):
        assert "the data URL was read as text" in results[key].reason, results[key].reason


def test_detail_is_judged_only_where_images_reach_the_model() -> None:
    """Where the image is dropped, the skip says why and sends no detail request at all."""
    with FakeServer(deviations={"vision.image_dropped"}) as srv:
        results = run_checks(srv.base_url, VISION)
        bodies = [str(body) for _, _, body in srv.requests]
    reason = results["vision.image_url.detail"].reason
    assert reason.startswith("images do not reach the model, so detail cannot have an effect "
                             "(see vision.image_url.data_url)"), reason
    assert bodies and all("detail" not in b for b in bodies)


@pytest.mark.parametrize(("deviation", "words"), [
    ("vision.detail_no_effect", "an invalid detail 'zzz' is rejected with 400"),
    ("vision.detail_ignored", "an invalid detail 'zzz' is accepted with 200"),
])
def test_detail_without_effect_names_its_evidence(deviation: str, words: str) -> None:
    with FakeServer(deviations={deviation}) as srv:
        reason = run_checks(srv.base_url, VISION)["vision.image_url.detail"].reason
    assert "the same answer" in reason and "both cost 264 prompt tokens" in reason and words in reason, reason
