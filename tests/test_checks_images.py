"""Image generation checks: the header reader, the fake's images, every check passing on the conformant fake, deviations."""

from __future__ import annotations

import base64
import json

import pytest

from conformance.checks.images.decode import NotAnImage, b64_image, image_info
from conformance.judge import openai_sdk
from tests.fake import FakeServer
from tests.fake.image_files import jpeg, png, webp
from tests.helpers import not_passed, outcomes, run_checks

IMAGES = "images.*,prop.images.*"
MODEL = "fake-image"
SKIPPED = {k: "skip" for k in (
    "images.size.honoured", "images.n.several", "images.url.fetchable", "images.output_format.jpeg",
    "images.output_format.webp", "images.background.transparent", "images.quality.effect",
    "prop.images.valid_requests", "prop.images.invalid_requests", "images.size.invalid", "images.prompt.missing",
    "images.error.shape")}


@pytest.mark.parametrize(("data", "fmt", "size", "alpha"), [
    (png(64, 32, (1, 2, 3)), "png", "64x32", False),
    (png(5, 7, (1, 2, 3), alpha=0), "png", "5x7", True),
    (jpeg(64, 48, 200), "jpeg", "64x48", False),
    (webp(33, 17, (9, 8, 7)), "webp", "33x17", False),
    (webp(16, 16, (9, 8, 7), alpha=0), "webp", "16x16", True),
])
def test_the_header_reader_reads_format_size_and_alpha(data: bytes, fmt: str, size: str, alpha: bool) -> None:
    info = image_info(data)
    assert (info.format, info.size, info.alpha) == (fmt, size, alpha)


@pytest.mark.parametrize("data", [b"", b"GIF89a....", b"\x89PNG\r\n\x1a\n\x00", b"\xff\xd8\xff\xd9",
                                  b"RIFF\x00\x00\x00\x00WEBPVP8Z"])
def test_what_is_not_a_readable_image_is_refused(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        image_info(data)


def test_b64_json_must_be_base64_of_an_image() -> None:
    assert b64_image(base64.b64encode(png(2, 2, (0, 0, 0))).decode()).size == "2x2"
    for bad in (None, "", "not base64!", base64.b64encode(b"text").decode()):
        with pytest.raises(NotAnImage):
            b64_image(bad)


def test_the_fake_images_decode_with_a_real_decoder() -> None:
    """Pillow, where installed, reads the standard-library JPEG and WebP as the header reader does."""
    image_module = pytest.importorskip("PIL.Image")
    import io

    for data, size in ((jpeg(24, 16, 200), (24, 16)), (webp(24, 16, (10, 20, 30)), (24, 16))):
        with image_module.open(io.BytesIO(data)) as img:
            img.load()
            assert img.size == size


def test_conformant_fake_passes_every_image_check() -> None:
    with FakeServer() as srv:
        results = run_checks(srv.base_url, IMAGES, image_model=MODEL)
    assert len(results) == 13
    assert not_passed(results) == {}
    assert all(not r.deviations for r in results.values()), {k: r.deviations for k, r in results.items() if r.deviations}


def test_without_an_image_model_the_endpoint_is_untested() -> None:
    with FakeServer() as srv:
        results = run_checks(srv.base_url, IMAGES)
    assert {r.reason for r in results.values()} == {"no image model given (--image-model)"}
    assert set(outcomes(results).values()) == {"skip"}


# Deviation -> the checks it turns from pass, with the outcome; every other image check still passes.
FLIPS: dict[str, dict[str, str]] = {
    "images.absent": {"images.generate.b64_json": "unsupported", **SKIPPED},
    "images.b64_not_image": {"images.generate.b64_json": "fail", **SKIPPED},
    "images.background_ignored": {"images.background.transparent": "ignored"},
    # sd-server's error shape: the envelope check and the SDK both see it.
    "images.error_string": {"images.error.shape": "fail", "prop.images.invalid_requests": "fail"},
    "images.invalid_size_accepted": {"images.size.invalid": "fail"},
    "images.n_ignored": {"images.n.several": "ignored"},
    "images.output_format_ignored": {"images.output_format.jpeg": "ignored", "images.output_format.webp": "ignored"},
    "images.prompt_optional": {"images.prompt.missing": "fail", "prop.images.invalid_requests": "fail"},
    "images.quality_ignored": {"images.quality.effect": "ignored"},
    "images.size_ignored": {"images.size.honoured": "ignored"},
    "images.size_swapped": {"images.size.honoured": "fail"},
    # sd-server's answer to a URL request: b64_json, which a client reading .url cannot use.
    "images.url_as_b64": {"images.url.fetchable": "fail", "prop.images.valid_requests": "fail"},
    "images.url_dead": {"images.url.fetchable": "fail"},
}


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_deviation_flips_the_right_check(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}) as srv:
        got = outcomes(run_checks(srv.base_url, IMAGES, image_model=MODEL))
    assert {k: got[k] for k in expected} == expected
    others = {k: v for k, v in got.items() if k not in expected and v != "pass"}
    assert others == {}, f"{deviation} also changed {others}"


def test_a_plain_string_error_is_judged_by_the_official_client() -> None:
    with FakeServer(deviations={"images.error_string"}) as srv:
        result = run_checks(srv.base_url, "images.error.shape", image_model=MODEL)["images.error.shape"]
    assert result.severity is not None and result.severity.value == "breaks-clients"
    assert "images.generate" in result.reason and "message 'Error code: 400'" in result.reason


def test_the_sdk_judge_reads_images_as_the_suite_does() -> None:
    body = {"created": 1, "data": [{"b64_json": "aGk="}, {"url": "http://x/y.png"}]}
    judged = openai_sdk.judge("POST", "http://h/v1/images/generations", {}, 200, [("content-type", "application/json")],
                              json.dumps(body).encode())
    assert judged is not None and judged.ok and judged.call == "images.generate"
    error = openai_sdk.read_error(400, [("content-type", "application/json")], b'{"error": "prompt required"}')
    assert error is not None and (error.type, error.body_is_object) == (None, False)
