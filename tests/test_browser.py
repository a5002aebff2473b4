"""report.html and comparison.html in a real browser (headless Chromium): screenshots and the rendered DOM.

Skipped, with the reason, where no Chromium is installed (`.ci/run` installs Debian's `chromium`).
Set OAI_SCREENSHOTS=DIR to keep the screenshots for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance import bundled, results
from tests.browser import Chromium, find_chromium
from tests.fake import FakeServer

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (apt-get install chromium)")
WIDTH = 1280

# Text whose colour on its effective background is under WCAG's 4.5:1 (elements with their own text).
CONTRAST_JS = """(() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
                     if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c; } return [255, 255, 255]; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad.slice(0, 20);
})()"""

NO_HSCROLL_JS = "[document.documentElement.scrollWidth, window.innerWidth]"


def _keep(shot: Path) -> Path:
    """Copy a screenshot to OAI_SCREENSHOTS when set."""
    keep = os.environ.get("OAI_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    return shot


def _png(path: Path) -> tuple[int, int]:
    """Width and height of a PNG (its IHDR), to prove the screenshot is a real image of the viewport."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture(scope="module")
def browser() -> Any:
    """One headless Chromium for the module, 1280 px wide."""
    assert CHROMIUM is not None
    with Chromium(CHROMIUM, width=WIDTH, height=900) as b:
        yield b


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of a run against a fake with a few deviations (fail, unsupported, ignored rows)."""
    cwd = tmp_path_factory.mktemp("report")
    with FakeServer(deviations={"logprobs.rejected", "fields.seed_ignored", "stream.no_done"}) as srv:
        r = subprocess.run([sys.executable, "-m", "conformance", "run", "--base-url", srv.base_url, "--model",
                            "fake-model", "--name", "fake", "--output", "out", "--only",
                            "chat.*,stream.*,logprobs.*,fields.seed.*,models.*"],
                           cwd=cwd, capture_output=True, text=True, timeout=300)
    assert (cwd / "out" / "report.html").is_file(), r.stdout + r.stderr
    return cwd / "out" / "report.html"


@pytest.fixture(scope="module")
def comparison_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """comparison.html of every bundled report, rendered from their results.json."""
    out = tmp_path_factory.mktemp("cmp")
    docs = [results.load(p) for p in sorted((ROOT / "reports").glob("*/results.json"))]
    bundled.write_comparison(docs, out)
    return out / "comparison.html"


def test_report_html_matrix_first_readable_and_fits(browser: Chromium, report_html: Path, tmp_path: Path) -> None:
    browser.open(report_html)
    # pytest-html builds its results table with script: wait until the rows are there.
    for _ in range(50):
        if browser.evaluate("document.querySelectorAll('#results-table tbody tr').length") > 0:
            break
        browser.evaluate("new Promise(r => setTimeout(r, 100))")
    shot = _keep(browser.screenshot(tmp_path / "report-top.png"))
    assert _png(shot) == (WIDTH, 900)
    order = browser.evaluate("""(() => { const m = document.querySelector('.oai-matrix'),
        t = document.querySelector('#results-table');
        return [!!m, !!t, !!(m && t && (m.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING))]; })()""")
    assert order == [True, True, True], "the feature matrix must come before the per-check details"
    scroll, inner = browser.evaluate(NO_HSCROLL_JS)
    assert scroll <= inner, f"horizontal scroll at {WIDTH} px: page is {scroll} px wide"
    outcomes = browser.evaluate("[...document.querySelectorAll('#results-table td.col-outcome')]"
                                ".map(td => td.textContent)")
    assert {"pass", "fail", "unsupported", "ignored"} <= set(outcomes), outcomes
    text = report_html.read_text()
    assert "Skipped: " not in text and "suite.py&#x27;, " not in text and "suite.py', " not in text
    low = browser.evaluate(CONTRAST_JS)
    assert not low, f"text under 4.5:1 contrast: {low}"
    browser.screenshot(tmp_path / "report-full.png", full_page=True)
    _keep(tmp_path / "report-full.png")


def test_comparison_html_legend_matrix_evidence(browser: Chromium, comparison_html: Path, tmp_path: Path) -> None:
    # Page weight per bundled target: every target adds a column and its evidence (9 targets weighed 1.35 MB,
    # 1.53 MB with the /v1/responses rows; an images-only target adds about 50 KB).
    targets = len(list((ROOT / "reports").glob("*/results.json")))
    assert comparison_html.stat().st_size < 150_000 * targets, f"{comparison_html.stat().st_size} bytes, {targets} targets"
    browser.open(comparison_html)
    shot = _keep(browser.screenshot(tmp_path / "comparison-top.png"))
    assert _png(shot) == (WIDTH, 900)
    layout = browser.evaluate("""(() => { const ids = ['legend', 'matrix', 'evidence'].map(i => document.getElementById(i));
        return [ids.every(Boolean), ids[0].compareDocumentPosition(ids[1]) & 4, ids[1].compareDocumentPosition(ids[2]) & 4,
                document.querySelectorAll('#legend li').length]; })()""")
    assert layout[0] and layout[1] and layout[2], "legend, then matrix, then evidence"
    assert layout[3] >= 9, "every verdict is in the legend"
    scroll, inner = browser.evaluate(NO_HSCROLL_JS)
    assert scroll <= inner, f"horizontal scroll at {WIDTH} px: page is {scroll} px wide"
    dangling = browser.evaluate("[...document.querySelectorAll('a[href^=\"#ev-\"]')]"
                                ".filter(a => !document.getElementById(a.hash.slice(1))).length")
    assert dangling == 0
    # Open the cell with the longest reason: the table must stay inside the viewport.
    right = browser.evaluate("""(() => { const cells = [...document.querySelectorAll('#matrix td details')];
        const d = cells.sort((a, b) => b.textContent.length - a.textContent.length)[0];
        d.open = true; d.scrollIntoView({block: 'center'});
        return [document.getElementById('matrix').getBoundingClientRect().right, window.innerWidth,
                document.documentElement.scrollWidth]; })()""")
    assert right[0] <= right[1] and right[2] <= right[1], f"an opened cell pushes the table off screen: {right}"
    _keep(browser.screenshot(tmp_path / "comparison-cell-open.png"))
    low = browser.evaluate(CONTRAST_JS)
    assert not low, f"text under 4.5:1 contrast: {low}"
    # A check's link opens its evidence (the inline script), stored once per target.
    opened = browser.evaluate("""(() => { const a = document.querySelector('#matrix a[href^="#ev-"]');
        location.hash = a.hash; return new Promise(r => setTimeout(() => r(
          [document.getElementById(a.hash.slice(1)).open,
           document.querySelectorAll(`[id="${a.hash.slice(1)}"]`).length]), 300)); })()""")
    assert opened == [True, 1]
    _keep(browser.screenshot(tmp_path / "comparison-evidence.png"))
