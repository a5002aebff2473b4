"""The pytest plugin: options, one item per check, evidence in the reports, results.json at the end."""

from __future__ import annotations

import json
import sys
import threading
from contextlib import nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__, exitcodes, guard, html_report, options, redact
from conformance import sink as sinks
from conformance import results as results_mod
from conformance.config import ConfigError, Settings, build_target, check_env_name, concurrency
from conformance.context import PropertySettings, Run, request_key
from conformance.entries import Entries
from conformance.http import Client, ReplayMiss
from conformance.limits import Budget, Limits
from conformance.model import DEFAULT_MAX_BODY, CheckResult, Outcome, Severity, Target
from conformance.preflight import Unreachable, probe
from conformance.recording import (
    PREFLIGHT, CorruptRecording, Recorder, Replayer, Secrets, read_target, write_target,
)
from conformance.registry import Check, all_checks, select
from conformance.clients.alongside import after
from conformance.clients.runner import selected
from conformance.render import matrix
from conformance.scheduler import Scheduler
from conformance.session_state import STATE, SessionState

UNREACHABLE = pytest.StashKey[str]()
WRONG_TARGET = pytest.StashKey[str]()  # the preflight's sentence: what is wrong with the target, what to try
# pytest_keyboard_interrupt gets no config: the state of the session running in this process.
_live_states: list[SessionState] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    """Target options, prefixed so they cannot clash with other plugins (pytest-base-url has --base-url)."""
    g = parser.getgroup("oai-conformance", "OpenAI-compatibility conformance checks")
    options.add_to_pytest(g)
    g.addoption("--oai-output", help="folder for results.json and checklist.md")


def _settings(config: pytest.Config) -> Settings:
    opt = config.getoption
    return Settings(
        base_url=opt("--oai-base-url"),
        model=opt("--oai-model"),
        embedding_model=opt("--oai-embedding-model"),
        api_key_env=opt("--oai-api-key-env"),
        name=opt("--oai-name"),
        timeout=opt("--oai-timeout"),
        target_file=opt("--oai-target"),
        max_body=opt("--oai-max-body"),
        speech_model=opt("--oai-speech-model"),
        transcription_model=opt("--oai-transcription-model"),
        image_model=opt("--oai-image-model"),
    )


def _wanted(config: pytest.Config) -> bool:
    return any(config.getoption(o) for o in ("--oai-base-url", "--oai-target", "--oai-replay"))


def _secrets(config: pytest.Config, recorded: dict[str, Any], redactor: redact.Redactor) -> Secrets:
    headers = {*config.getoption("--oai-secret-header"), *recorded.get("secret_headers", [])}
    fields = {*config.getoption("--oai-secret-field"), *recorded.get("secret_fields", [])}
    return Secrets(frozenset(headers), frozenset(fields), redactor)


def _replay_target(config: pytest.Config, folder: Path) -> tuple[Target, dict[str, Any]]:
    try:
        info = read_target(folder)
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"cannot replay {folder}: {exc}") from None
    t = info["target"]
    target = Target(
        base_url=t["base_url"], model=t["model"], name=config.getoption("--oai-name") or t["name"],
        embedding_model=t.get("embedding_model"),
        speech_model=t.get("speech_model"),
        transcription_model=t.get("transcription_model"),
        image_model=t.get("image_model"),
        # Checked on read: a reproducer prints it, and a recording can come from anyone.
        api_key_env=check_env_name(t.get("api_key_env", "OPENAI_API_KEY")),
        # Same code paths as the recorded run; the header is scrubbed and never matched.
        api_key="<replayed>" if t.get("authenticated") else None,
        max_body=config.getoption("--oai-max-body") or DEFAULT_MAX_BODY,
    )
    return target, info


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Build the target and check it answers, before collecting anything."""
    if not _wanted(config) or hasattr(config, "workerinput"):
        return
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        # No paths given: the user asked for the checks, not for the tests of the folder they stand in.
        config.args = [str(Path(__file__).with_name("suite.py"))]
    only = config.getoption("--oai-only")
    if only and not select(all_checks(), only) and not selected(only):
        raise pytest.UsageError(f"--oai-only {only!r} matches no check id, feature name or client cell; "
                                "nothing was sent")
    replay_dir, record_dir = config.getoption("--oai-replay"), config.getoption("--oai-record")
    tape: Recorder | Replayer | None = None
    recorded: dict[str, Any] = {}
    try:
        if replay_dir:
            target, recorded = _replay_target(config, Path(replay_dir))
        else:
            target = build_target(_settings(config))
        workers = concurrency(config.getoption("--oai-concurrency"), config.getoption("--oai-target"),
                              bool(replay_dir))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    secrets = _secrets(config, recorded, redact.for_target(target))
    # One rule for every output of this process: results, reports, cassettes, console.
    redact.install(secrets.redactor)
    if replay_dir:
        tape = Replayer(Path(replay_dir), secrets)
        client = Client(target, transport=tape.transport)
        client.miss_errors = tape.miss
    else:
        client = Client(target)
        if record_dir:
            tape = Recorder(Path(record_dir), secrets)
            client.tap = tape.add
            client.tap_failure = tape.add_failure
    props = PropertySettings(config.getoption("--oai-examples"), config.getoption("--oai-token-budget"),
                             config.getoption("--oai-explore"))
    budget = Budget(config.getoption("--oai-max-requests"), config.getoption("--oai-max-tokens"),
                    config.getoption("--oai-max-duration"))
    run = Run(target, client, recorder=tape if isinstance(tape, Recorder) else None, replay=bool(replay_dir),
              properties=props, replayer=tape if isinstance(tape, Replayer) else None, limits=Limits(budget),
              in_flight=threading.BoundedSemaphore(workers))
    sink = sinks.of(config)
    if replay_dir and recorded.get("suite_version") != __version__:
        warning = (f"warning: {replay_dir} was recorded by oai-conformance {recorded.get('suite_version', '?')}, "
                   f"this is {__version__}: checks changed since may give other verdicts or miss the recording")
        if sink is not None:
            sink.warnings.append(warning)  # the command prints it (pytest's own output may go to a log)
        else:
            print(f"oai-conformance: {warning}", file=sys.stderr)
    try:
        with tape.cassette(PREFLIGHT) if tape is not None else nullcontext():
            found = probe(client)
    except CorruptRecording as exc:
        client.close()
        raise pytest.UsageError(f"cannot replay {replay_dir}: {exc}") from None
    except (Unreachable, ReplayMiss) as exc:
        client.close()
        config.stash[UNREACHABLE] = str(exc)  # for the command's console, which prints it once
        if sink is not None:
            sink.unreachable = str(exc)
        pytest.exit(str(exc), returncode=exitcodes.UNREACHABLE)
    if found.problem is not None:
        config.stash[WRONG_TARGET] = found.problem  # for the command's console, which prints it once
        # The target answered, so it is the command line that is wrong: a usage error. A replay reproduces
        # a run that was made, so it only warns.
        if not (config.getoption("--oai-force") or replay_dir):
            client.close()
            raise pytest.UsageError(f"{found.problem} (--force runs anyway)")
        print(f"oai-conformance: warning: {found.problem} (running anyway)", file=sys.stderr)
    if found.models is not None:
        # The checks' own GET /models is this same request: sent once per run.
        run.cache.setdefault(request_key("GET", "/models"), found.models)
    server = {**found.server, **recorded.get("server", {})}
    if config.getoption("--oai-server-version"):
        server["version"] = config.getoption("--oai-server-version")
    if isinstance(tape, Recorder):
        write_target(tape.folder, {
            "target": target.public(), "server": server, "recorded_at": results_mod.now(),
            "suite_version": __version__,
            "secret_headers": sorted(secrets.headers), "secret_fields": sorted(secrets.fields),
        })
    # Only now: a pytest-html report of a session without a target keeps its own columns and logs.
    config.pluginmanager.register(html_report, "oai_conformance_html")
    out = config.getoption("--oai-output")
    state = SessionState(run, Path(out) if out else None, config.getoption("--oai-only"), server, tape, workers,
                   config.getoption("--oai-fail-on") or Severity.BREAKS_CLIENTS, recorded if replay_dir else None)
    state.clients = not config.getoption("--oai-no-clients")
    config.stash[STATE] = state
    _live_states[:] = [state]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start running the collected checks, at most --concurrency at once, ahead of pytest's reporting."""
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    params = (getattr(getattr(item, "callspec", None), "params", {}) for item in session.items)
    # isinstance: a selection that matches nothing parametrizes one empty item (pytest's NOTSET).
    checks = [c for p in params if isinstance(c := p.get("conformance_check"), Check)]
    state.scheduler = Scheduler(checks, state.perform, state.concurrency, together=state.start_clients,
                                finish=state.finish, first=state.start_client_processes)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per selected check, with the check id as the test id."""
    if "conformance_check" not in metafunc.fixturenames:
        return
    checks = select(all_checks(), metafunc.config.getoption("--oai-only"))
    metafunc.parametrize("conformance_check", checks, ids=[c.spec.id for c in checks])


# Session-scoped, from pytestconfig: a fixture that asks for `request` makes pytest build a fixture definition
# for it on every item, and these two never change within a session.
@pytest.fixture(scope="session")
def conformance_fail_on(pytestconfig: pytest.Config) -> Severity:
    """The mildest failure severity that fails the run (--oai-fail-on)."""
    state = pytestconfig.stash.get(STATE, None)
    return state.fail_on if state is not None else Severity.BREAKS_CLIENTS


@pytest.fixture(scope="session")
def conformance_run(pytestconfig: pytest.Config) -> Run:
    """The run shared by every check of this session."""
    state = pytestconfig.stash.get(STATE, None)
    if state is None:
        raise pytest.UsageError("no target: pass --oai-base-url and --oai-model (or --oai-target FILE)")
    return state.run


class HarnessProblem(Exception):
    """A check could not be judged; raised in setup so pytest reports it as an error, not a failure."""


@pytest.fixture
def conformance_result(request: pytest.FixtureRequest, conformance_check: Check, conformance_run: Run) -> CheckResult:
    """Run the check (in setup, so harness errors surface as pytest errors) and keep its result."""
    state: SessionState = request.config.stash[STATE]
    guard.raise_if_stopped()  # a stop signal that reached no wait yet: no further check is reported as done
    if state.scheduler is not None:
        result = state.scheduler.result(conformance_check.spec.id)
    else:  # an item collected some other way than the plugin's own parametrisation
        result = state.run_check(conformance_check)
    state.results.append(result)
    # So an interrupted or crashed run still leaves what it had; the final save follows at session end.
    state.save(complete=False, final=False)
    request.node.user_properties.extend(
        [("check_id", result.spec.id), ("feature", result.spec.feature), ("outcome", result.outcome.value)]
    )
    request.node.stash[_RESULT] = result
    if result.outcome is Outcome.ERROR:
        raise HarnessProblem(f"{result.spec.id}: {result.reason}")
    return result


_RESULT = pytest.StashKey[CheckResult]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Attach the check's evidence to the pytest-html row; skip locations name no folder of this machine."""
    outcome = yield
    report = outcome.get_result()
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        # pytest.skip() locates itself by absolute path (junit.xml, report.html): name it from the package up.
        where, line, message = report.longrepr
        relative = _from_package(where)
        if relative is not None:
            report.longrepr = (relative, line, message)
    result = item.stash.get(_RESULT, None)
    if result is None or report.when != ("setup" if result.outcome is Outcome.ERROR else "call"):
        return
    try:
        from pytest_html import extras
    except ImportError:
        return
    state = item.config.stash.get(STATE, None)
    entries = state.entries if state is not None else Entries()
    entry = entries.entry(result)
    try:
        body = entries.text(entry)  # made once: results.json writes the same text
    except ValueError:  # a non-finite number: results.json refuses it, the HTML row shows it as json does
        body = json.dumps(entry, indent=1, ensure_ascii=False)
    report.extras = [*getattr(report, "extras", []), extras.html(matrix.evidence_html(entry, body))]


@lru_cache(maxsize=64)
def _from_package(where: str) -> str | None:
    """An absolute path inside the project, named from the package's parent up (a skip's location); else None."""
    root = Path(__file__).resolve().parent.parent
    if Path(where).is_absolute() and Path(where).resolve().is_relative_to(root):
        return str(Path(where).resolve().relative_to(root))
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the final results (marked incomplete if the run was interrupted)."""
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    try:
        if state.interrupted or exitstatus == pytest.ExitCode.INTERRUPTED:
            if state.alongside is not None:
                state.alongside.stop()
        elif state.alongside is not None:
            state.cells = state.alongside.cells()
        elif state.clients:
            # After every check: the clients' requests never compete with a check's timing.
            state.cells = after(state.run, state.selection, state.tape, state.concurrency, state.procs)
    finally:
        state.procs.close()
    if state.scheduler is not None:
        state.scheduler.stop()
        state.run.limits.halt("the run ended before this check finished")
    state.interrupted = state.interrupted or exitstatus == pytest.ExitCode.INTERRUPTED
    doc = state.save(complete=not state.interrupted)
    sink = sinks.of(session.config)
    if sink is not None:
        sink.doc = doc
    state.run.close()


def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """Ctrl-C or SIGTERM: pytest-html renders before our final save, so mark the run incomplete now."""
    for state in _live_states:
        state.interrupted = True


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    """Title the HTML report after the target (only in a conformance run: other reports keep their title)."""
    config = getattr(report, "_config", None)  # pytest-html's ReportData keeps the session's config privately
    if config is not None and STATE in config.stash:
        report.title = f"oai-conformance: {config.stash[STATE].run.target.name}"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session) -> None:
    """Put the feature matrix at the top of the HTML report."""
    state = session.config.stash.get(STATE, None)
    if state is not None:
        prefix.append(html_report.STYLE)
        prefix.append(matrix.render_fragment(state.document(
            complete=not (state.interrupted or html_report.interrupted()))))
