"""Rules for answers no single check owns: proxy error pages, JSON under the wrong type, cut bodies."""

from __future__ import annotations

from conformance.model import Exchange
from conformance.verdict import HarnessError

# Statuses a proxy or gateway in front of the server answers with when the server is down or slow.
GATEWAY = (502, 503, 504)
# Responses larger than this are not kept in the run cache: re-sending costs less than holding them.
CACHE_MAX_BYTES = 256 * 1024


class GatewayPage(HarnessError):
    """A proxy answered for the server (a 502/503/504 page that is not JSON): nothing to judge."""


def gateway_page(ex: Exchange) -> str | None:
    """Why an answer is a proxy's error page (a 502/503/504 whose body is not JSON), else None.

    One rule for every check: such a page says the server behind it did not answer, so it judges nothing.
    """
    if ex.status not in GATEWAY or isinstance(ex.response_body, (dict, list)):
        return None
    ctype = ex.response_headers.get("content-type") or ex.response_headers.get("Content-Type") or "no content type"
    return f"{ex.status} page from a proxy or gateway ({ctype}), not an answer of the server: not judged"


def json_type_deviation(ex: Exchange) -> str | None:
    """A deviation note when a JSON body is served under a Content-Type that is not JSON."""
    if not isinstance(ex.response_body, (dict, list)):
        return None
    ctype = next((v for k, v in ex.response_headers.items() if k.lower() == "content-type"), "")
    mime = ctype.split(";")[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        return None
    return f"JSON body served as Content-Type {ctype or 'absent'!r}: clients that check the type reject it"


def cacheable(ex: Exchange) -> bool:
    """Small enough to keep for the rest of the run."""
    return ex.wire is None or len(ex.wire.response_body) <= CACHE_MAX_BYTES
