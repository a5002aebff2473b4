"""pytest-html hooks for a conformance run: title, feature matrix, outcome names, short logs, colours, incomplete runs.

Registered by the plugin only when a run has a target, so other pytest-html reports stay as they are.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pytest

from conformance.render import matrix
from conformance.render.html import Raw
from conformance.session_state import STATE

# pytest-html's own stylesheet greys some text (#999 on white, 2.8:1); darker greys keep 4.5:1 or more,
# and the page may not grow wider than the window (long ids and reasons wrap).
STYLE = Raw(
    "<style>body{max-width:100%;overflow-x:hidden}"
    # !important: pytest-html's greys sit on class selectors that outrank any plain override.
    "body *{color:#1a1a1a!important}"
    "#results-table{table-layout:fixed;width:100%}#results-table td,#results-table th{overflow-wrap:anywhere}"
    "#results-table .col-result{width:7em}#results-table .col-outcome{width:8em}"
    "#results-table .col-duration{width:6em}#results-table .col-links{width:4em}"
    "span.passed,.passed .col-result{color:#006400!important}span.skipped,span.xfailed,span.rerun,"
    ".skipped .col-result,.xfailed .col-result,.rerun .col-result{color:#8a4b00!important}span.failed,"
    "span.error,span.xpassed,.failed .col-result,.error .col-result,.xpassed .col-result{color:#b00020!important}"
    "div.log,.logwrapper .log,pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4}"
    ".oai-incomplete{background:#b00020;color:#fff!important;padding:6px 10px;font-weight:bold}</style>"
)


def _props(report: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in getattr(report, "user_properties", [])}


_interrupted = [False]  # one run per process (the command runs pytest once per target)


def pytest_keyboard_interrupt(excinfo: Any) -> None:
    """Remember an interruption, so the report says the run is incomplete."""
    _interrupted[0] = True


def interrupted() -> bool:
    """Whether this process's run was interrupted (Ctrl-C)."""
    return _interrupted[0]


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    """A column with the suite's outcome (pass, fail, unsupported, ignored, ...), beside pytest's result."""
    cells.insert(1, '<th class="sortable" data-column-type="outcome">Outcome</th>')


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: Any, cells: list[str]) -> None:
    """Fill the outcome column; rows that are not checks get an empty cell."""
    cells.insert(1, f'<td class="col-outcome">{escape(_props(report).get("outcome", ""))}</td>')


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_html(report: Any, data: list[str]) -> None:
    """The check's outcome and reason instead of pytest's skip tuple (an absolute path and a line number)."""
    props = _props(report)
    if "outcome" not in props:
        return
    reason = ""
    longrepr = getattr(report, "longrepr", None)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2]).removeprefix("Skipped: ")
    elif report.longreprtext:
        reason = report.longreprtext.strip().splitlines()[-1] if report.longreprtext.strip() else ""
    data[:] = [escape(f"{props['check_id']}: {props['outcome']}" + (f": {reason}" if reason else ""))]


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    """Title the HTML report after the target (only in a conformance run: other reports keep their title)."""
    config = getattr(report, "_config", None)  # pytest-html's ReportData keeps the session's config privately
    if config is not None and STATE in config.stash:
        report.title = f"oai-conformance: {config.stash[STATE].run.target.name}"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix: list[str], summary: list[str], postfix: list[str],
                                session: pytest.Session) -> None:
    """Put the feature matrix at the top of the HTML report."""
    state = session.config.stash.get(STATE, None)
    if state is not None:
        prefix.append(STYLE)
        prefix.append(matrix.render_fragment(state.document(
            complete=not (state.interrupted or interrupted()))))
