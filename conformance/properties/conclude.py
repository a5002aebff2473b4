"""Turn a property's run into a verdict: a failure carries its shrunk request as a curl command."""

from __future__ import annotations

from collections import Counter
from typing import Any

from conformance.context import CheckContext, error_message
from conformance.properties import engine, trace
from conformance.properties.engine import Finding, Session
from conformance.model import public_url
from conformance.properties.reproducer import curl
from conformance.properties.spec import EndpointSpec, budget
from conformance.verdict import Fail, HarnessError, Skip, Unsupported

MAX_LISTED = 20


def _session(ctx: CheckContext, spec: EndpointSpec, expect_valid: bool) -> Session:
    settings = ctx.run.properties
    b = budget(settings, engine.explore_seed() if settings.explore else None)
    judge = spec.judge_valid if expect_valid else spec.judge_invalid
    return Session(ctx, spec.path, spec.request_schema, expect_valid, judge, b)


def _reproducer(ctx: CheckContext, spec: EndpointSpec, finding: Finding) -> dict[str, Any]:
    ex, example = finding.exchange, finding.example
    response = ex.response_body if ex.response_body is not None else (ex.raw_body or "")[:2000]
    return {"request": example.body, "what": example.label, "problem": finding.judgement.failure,
            "curl": curl(ctx.target, spec.path, example.body, stream=example.stream),
            "status": ex.status, "response": response}


def _details(ctx: CheckContext, spec: EndpointSpec, session: Session, finding: Finding | None) -> dict[str, Any]:
    out: dict[str, Any] = {"property": session.summary()}
    if finding is not None:
        out["reproducer"] = _reproducer(ctx, spec, finding)
        others = [f for k, f in session.found.items() if k != finding.judgement.key]
        if others:
            out["also_failing"] = [{"what": f.example.label, "problem": f.judgement.failure,
                                    "curl": curl(ctx.target, spec.path, f.example.body, stream=f.example.stream)}
                                   for f in others[:MAX_LISTED]]
    if session.observations:
        out["observations"] = session.observations[:MAX_LISTED]
    if session.harness:
        out["harness"] = session.harness
    if session.unanswered is not None:
        u = session.unanswered
        out["unanswered"] = {"what": u.label, "curl": curl(ctx.target, spec.path, u.body, stream=u.stream)}
    return out


def _run(ctx: CheckContext, spec: EndpointSpec, check_id: str, expect_valid: bool) -> tuple[Session, dict[str, Any]]:
    model = spec.model(ctx.target)
    if model is None:
        raise Skip(spec.no_model)
    session = _session(ctx, spec, expect_valid)
    replayer = ctx.run.replayer
    if replayer is not None:
        # A replay evaluates the recorded examples: no strategy is built (nor Hypothesis imported).
        finding = engine.replay(session, replayer.metadata(check_id).get(trace.KEY), check_id)
    else:
        strategy = (spec.valid if expect_valid else spec.invalid)(model, session.budget)
        finding = engine.run(session, strategy, check_id, spec.seeds(model) if expect_valid else None)
    details = _details(ctx, spec, session, finding)
    if finding is not None and (unserved := _not_served(ctx, session, spec)) is not None:
        raise Unsupported(unserved, **details)
    if finding is not None:
        rep = details["reproducer"]
        spent = f"{session.requests} sent, {session.shrink_requests} of them shrinking"
        shrunk = (f"Smallest failing request before {session.stopped} ({spent})" if session.stopped
                  else f"Minimal request ({spent})")
        raise Fail(f"{finding.judgement.failure}. {shrunk}: {rep['curl']}", finding.judgement.severity, **details)
    if session.harness:
        raise HarnessError(session.harness, **details)
    if session.requests == 0:
        raise Skip(f"no request sent: {session.stopped or 'empty budget'}", **details)
    ctx.note(**details)
    return session, details


def _not_served(ctx: CheckContext, session: Session, spec: EndpointSpec) -> str | None:
    """Why nothing was judged when every answer was a 404: the endpoint is not there, as every other check says."""
    # A 404 for one defect among other answers is a wrong status; a 404 for everything is a missing route, and
    # the endpoint's own checks read it as unsupported, not as a request the server got wrong.
    statuses = {ex.status for _, ex in session.judged()}
    if statuses != {404}:
        return None
    first = next(ex for _, ex in session.judged())
    url = public_url(ctx.target.base_url.rstrip("/") + spec.path)
    return (f"POST {url} is not served: all {session.requests} generated request(s) got 404 "
            f"({error_message(first.response_body)}), so its {'answers' if session.expect_valid else 'validation'} "
            "cannot be judged")


def _tail(session: Session) -> str:
    return f"; {session.stopped}" if session.stopped else ""


def valid_requests(ctx: CheckContext, spec: EndpointSpec, check_id: str) -> str:
    """Generated valid requests get a 2xx holding every invariant (a clear 4xx is noted, not failed)."""
    session, _ = _run(ctx, spec, check_id, expect_valid=True)
    rejected = [o for o in session.observations if o["observed"].startswith("rejected")]
    noted = Counter(part.split(":")[0] for o in session.observations if not o["observed"].startswith("rejected")
                    for part in o["observed"].split("; "))
    answered = session.requests - len(rejected)
    reason = f"{answered} of {session.requests} generated valid requests answered 2xx holding every invariant"
    if rejected:
        reason += f"; {len(rejected)} rejected with a clear 4xx (unsupported combinations, listed in the details)"
    if noted:
        reason += "; noted: " + ", ".join(f"{k} ({n}x)" for k, n in noted.items())
    return reason + _tail(session)


def invalid_requests(ctx: CheckContext, spec: EndpointSpec, check_id: str) -> str:
    """Generated requests with one defect each get a 4xx with the OpenAI error envelope."""
    session, _ = _run(ctx, spec, check_id, expect_valid=False)
    return (f"{session.requests} generated requests with one defect each were rejected with a 4xx and the error "
            f"envelope" + _tail(session))
