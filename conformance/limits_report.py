"""What the console says of a run's budgets, rate limits and early stop, and the exit code they imply."""

from __future__ import annotations

from typing import Any

from conformance import exitcodes

MOSTLY = 0.5  # more than this share of requests rate limited: the run judged too little to mean anything


def lines(doc: dict[str, Any]) -> list[str]:
    """Console lines: spend against each budget set, rate limits met, why the run ended early."""
    lim = doc.get("limits")
    if not lim:
        return []
    spent, out = lim["spent"], []
    budgets = [f"{spent['requests']} of {lim['max_requests']} requests" if lim["max_requests"] else "",
               f"{spent['tokens']} of {lim['max_tokens']} tokens" if lim["max_tokens"] else "",
               f"{spent['duration_s']:g} of {lim['max_duration_s']:g} s" if lim["max_duration_s"] else ""]
    if any(budgets):
        out.append("  budget: " + ", ".join(b for b in budgets if b))
    if lim["exhausted"]:
        out.append(f"  {lim['exhausted']}: the checks not started are skipped")
    if lim["rate_limited"]:
        out.append(f"  rate limited {lim['rate_limited']} times (waited {lim['retry_wait_s']:g} s in all); "
                   "never judged as the server's answer")
    if lim["stopped"]:
        out.append(f"  stopped early: {lim['stopped']}")
    return out


def exit_code(doc: dict[str, Any]) -> int | None:
    """3 when the target stopped answering, 4 when most requests were rate limited; None otherwise."""
    lim = doc.get("limits")
    if not lim:
        return None
    if lim["stopped"]:
        return exitcodes.UNREACHABLE
    if lim["rate_limited"] > MOSTLY * max(1, doc["usage"]["requests"]):
        print("oai-conformance: most requests were rate limited: the verdicts say little; "
              "run again later or with a lower --concurrency")
        return exitcodes.NOT_JUDGED
    return None
