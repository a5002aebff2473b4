"""The pytest plugin: options, one item per check, evidence in the reports, results.json at the end."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from conformance import guard, html_report, options, session_setup
from conformance import sink as sinks
from conformance.context import Run
from conformance.entries import Entries
from conformance.model import CheckResult, Outcome, Severity
from conformance.registry import Check, all_checks, select
from conformance.clients.alongside import after
from conformance.render import matrix
from conformance.scheduler import Scheduler
from conformance.session_state import STATE, SessionState

# pytest_keyboard_interrupt gets no config: the state of the session running in this process.
_live_states: list[SessionState] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    """Target options, prefixed so they cannot clash with other plugins (pytest-base-url has --base-url)."""
    g = parser.getgroup("oai-conformance", "OpenAI-compatibility conformance checks")
    options.add_to_pytest(g)
    g.addoption("--oai-output", help="folder for results.json and checklist.md")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Build the target and check it answers, before collecting anything."""
    if not session_setup.wanted(config) or hasattr(config, "workerinput"):
        return
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        # No paths given: the user asked for the checks, not for the tests of the folder they stand in.
        config.args = [str(Path(__file__).with_name("suite.py"))]
    state = session_setup.build(config)
    # Only now: a pytest-html report of a session without a target keeps its own columns and logs.
    config.pluginmanager.register(html_report, "oai_conformance_html")
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
