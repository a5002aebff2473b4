"""Property-based image requests: generated from CreateImageRequest, cheap (64x64, one or two images)."""

from __future__ import annotations

from conformance.checks.images import common
from conformance.checks.images.common import ENDPOINT
from conformance.context import CheckContext
from conformance.properties import conclude, images
from conformance.registry import check

VALID = "prop.images.valid_requests"
INVALID = "prop.images.invalid_requests"


@check(VALID, feature="Generated requests", endpoint=ENDPOINT, many_requests=True,
       behavior="Image requests generated from the CreateImageRequest schema (response_format, output_format, quality, "
                "style, background, moderation, output_compression, user, n) get images of the asked count and size "
                "valid against ImagesResponse, or a clear 4xx")
def valid_requests(ctx: CheckContext) -> str:
    common.base(ctx)  # without image generation at all, nothing generated can be judged
    return conclude.valid_requests(ctx, images.SPEC, VALID)


@check(INVALID, feature="Input validation", endpoint=ENDPOINT, many_requests=True,
       behavior="Image requests generated with one schema defect (n out of range, a wrong type, an unknown enum value, "
                "no prompt) are rejected with a 4xx and the error envelope, never a 2xx or a 5xx")
def invalid_requests(ctx: CheckContext) -> str:
    common.base(ctx)
    return conclude.invalid_requests(ctx, images.SPEC, INVALID)
