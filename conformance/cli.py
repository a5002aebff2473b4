"""The oai-conformance command: parses arguments and dispatches; the work lives elsewhere."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path

from conformance import (
    __version__, baseline, bundled, console, exitcodes, guard, limits_report, options, outputs, recording, require,
)
from conformance.config import ConfigError, Settings, build_target
from conformance.judge import openai_sdk
from conformance.sink import Sink

Recheck = Callable[[list[str]], list[dict | None]]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="oai-conformance", description="Conformance checks for OpenAI-compatible APIs.")
    p.add_argument("--version", action="version", version=f"oai-conformance {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the checks against one target")
    options.add_to_command(run)
    run.add_argument("--output", help=f"report folder (default {outputs.DEFAULT_ROOT}/<name>/; with no target, "
                     f"the folder of every recording's reports and the comparison, default {outputs.DEFAULT_ROOT}/)")
    run.add_argument("--baseline", help="an earlier results.json: fail only on checks that got worse")
    run.add_argument("--recheck", type=_count, default=0, metavar="N",
                     help="with --baseline on a live target: run each check that got worse N more times on its own; "
                          "one that every recheck gives the baseline's verdict (or better) is reported unstable and "
                          "does not fail the run (default 0: every check that got worse fails it)")
    run.add_argument("-v", "--verbose", action="store_true", help="pytest's own output too, one line per check")
    run.add_argument("--require", action="append", default=[], metavar="NAME[,NAME...]",
                     help="features or request fields that must be supported (exit 1 otherwise), e.g. "
                          "'Streaming,logprobs'; adds to the target file's require = [...]")
    run.add_argument("--pytest-output", action="store_true",
                     help="pytest's own output on the terminal (otherwise in pytest.log of the report folder)")
    cmp = sub.add_parser("compare", help="one matrix of features x targets from several runs")
    cmp.add_argument("results", nargs="+", help="results.json files or report folders")
    cmp.add_argument("--output", help=f"folder for comparison.md/.html/.json (default {outputs.DEFAULT_ROOT}/)")
    return p


def _plugin_name() -> str:
    """The plugin by its entry-point name when installed (pytest loads it once), else by module in a bare checkout."""
    from importlib.metadata import entry_points

    return "oai_conformance" if entry_points(group="pytest11", name="oai_conformance") else "conformance.plugin"


def _pytest_args(args: argparse.Namespace, out: Path) -> list[str]:
    pkg = Path(__file__).resolve().parent
    argv = [
        "-p", _plugin_name(), "-p", "no:cacheprovider",
        # Its full collection at the end of every run cost 0.12 s of a 2.4 s replay, for warnings about
        # exceptions in finalizers that only pytest.log would show and no verdict depends on.
        "-p", "no:unraisableexception",
        # Per-item hooks no verdict or report reads (0.6 s of 20 s replaying every recording): the checks run in
        # the scheduler's threads, not inside the items, and report.html shows each check's reason where
        # pytest-html would show captured logs; log records and warnings reach pytest.log as captured stderr.
        # (anyio's and hypothesis's plugins stay: report.html lists the installed plugins in its environment.)
        "-p", "no:logging", "-p", "no:warnings",
        # Our own empty config, so a project's pytest settings or conftest never leak into a run.
        "-c", os.devnull, "--rootdir", str(pkg.parent), "--confcutdir", str(pkg),
        "--pyargs", "conformance.suite",
        "--junitxml", str(out / "junit.xml"),
        "--html", str(out / "report.html"), "--self-contained-html",
        "--oai-output", str(out),
        # Checks raise verdicts, never assert: rewriting every plugin's asserts only costs start-up time.
        "--assert=plain", "-rfE", "-v" if args.verbose else "-q",
    ]
    return argv + options.to_pytest(args)


def replay_bundled(args: argparse.Namespace) -> int:
    """No target given: replay every bundled recording of a real server and compare them."""
    out = outputs.root_folder(args.output)
    folders = bundled.recordings()
    if not folders:
        print("oai-conformance: no target given and no bundled recordings found; "
              "give --base-url URL --model MODEL", file=sys.stderr)
        return exitcodes.USAGE
    try:
        outputs.ensure_writable(out)
    except outputs.OutputError as exc:
        print(f"oai-conformance: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    print(f"oai-conformance: no target given: replaying {len(folders)} bundled recordings of real servers")
    try:
        with guard.terminate_as_interrupt() as terminated:
            docs, problems = bundled.replay_all(out, ["--only", args.only] if args.only else None)
    except KeyboardInterrupt:
        print("oai-conformance: interrupted; the replays written so far are marked incomplete", file=sys.stderr)
        return exitcodes.TERMINATED if terminated() else exitcodes.INTERRUPTED
    for p in problems:
        print(f"oai-conformance: {p}", file=sys.stderr)
    if docs:
        for path in bundled.write_comparison(docs, out):
            print(f"  {path}")
    print(f"oai-conformance: outputs in {outputs.shown(out)}")
    return exitcodes.NOT_JUDGED if problems else exitcodes.OK


def compare_cmd(args: argparse.Namespace) -> int:
    """Write the comparison matrix of several runs."""
    from conformance import results

    docs = []
    for p in args.results:
        try:
            docs.append(results.load_run(Path(p)))
        except (OSError, ValueError) as exc:
            print(f"oai-conformance: cannot read results {p}: {exc}", file=sys.stderr)
            return exitcodes.USAGE
    try:
        out = outputs.ensure_writable(outputs.root_folder(args.output))
    except outputs.OutputError as exc:
        print(f"oai-conformance: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    for path in bundled.write_comparison(docs, out):
        print(path)
    return exitcodes.OK


def run(args: argparse.Namespace) -> int:
    """Run the suite against one target and write its reports."""
    if args.only and not _selected(args.only):
        # Before any request and any file: a typo in --only must not cost a run, nor overwrite a report.
        print(f"oai-conformance: --only {args.only!r} matches no check id, feature name or client cell "
              "(patterns are globs, e.g. 'stream.*' or Logprobs)", file=sys.stderr)
        return exitcodes.USAGE
    if not (args.base_url or args.target_file or args.replay):
        if (args.model or args.embedding_model or args.speech_model or args.transcription_model or args.image_model
                or args.api_key_env or args.record is not None):
            # Half a target is a mistake, not a request to replay the bundled recordings.
            print("oai-conformance: no target: give --base-url (e.g. http://127.0.0.1:8080/v1) with --model",
                  file=sys.stderr)
            return exitcodes.USAGE
        return replay_bundled(args)

    settings = Settings(args.base_url, args.model, args.embedding_model, args.api_key_env, args.name,
                        args.timeout, args.target_file, args.max_body, args.speech_model,
                        args.transcription_model, args.image_model)
    try:
        name = _target_name(args, settings)
        base_doc = _load_baseline(args.baseline)
        required = _required(args)
    except (ConfigError, require.RequireError) as exc:
        print(f"oai-conformance: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    out = outputs.report_folder(args.output, name)
    try:
        outputs.ensure_writable(out)
        if args.record is not None:
            args.record = str(outputs.ensure_writable(outputs.cassette_folder(args.record, out)))
    except outputs.OutputError as exc:
        print(f"oai-conformance: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    args.name = name
    sink = Sink()
    # The official client judges every run's answers (judge/): loaded now with the collector paused, its import
    # no longer makes full collections of a growing heap, and the freeze below covers it.
    gc.disable()
    try:
        openai_sdk.installed()
    finally:
        gc.enable()
    # What is alive now (the imports, and in the bundled replay the warm state of earlier recordings) lives
    # until the process ends: the collector's full passes, pytest's own at the end of a run included, need not
    # walk it again (a third of a warm replay's time went to them).
    gc.freeze()
    try:
        with guard.folder_lock(out), guard.terminate_as_interrupt() as terminated:
            ran = console.run_pytest(_pytest_args(args, out), out, passthrough=args.verbose or args.pytest_output,
                                     plugins=[sink])
    except guard.Busy as exc:
        print(f"oai-conformance: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    recheck = None
    if base_doc is not None and args.recheck and not args.replay:
        recheck = lambda ids: _recheck(args, out, ids)  # noqa: E731
    code = _exit_code(ran, sink, base_doc, terminated(), required, recheck)
    if sink.doc is not None:
        print(f"oai-conformance: outputs in {outputs.shown(out)} (results.json, checklist.md, report.html, "
              f"junit.xml{', pytest.log' if ran.log else ''}{', cassettes/' if (out / 'cassettes').is_dir() else ''}); "
              f"exit {code}")
    return code


def _exit_code(ran: console.Ran, sink: Sink, base_doc: dict | None, terminated: bool,
               required: tuple[tuple[str, str], ...] = (), recheck: Recheck | None = None) -> int:
    """The exit code, from this run's own results in memory (never from files another run may have written)."""
    import pytest

    code = ran.code
    for warning in sink.warnings:
        print(f"oai-conformance: {warning}", file=sys.stderr)
    if code == pytest.ExitCode.USAGE_ERROR:
        if ran.console.wrong_target:
            print(f"oai-conformance: {ran.console.wrong_target} (--force runs anyway)", file=sys.stderr)
        else:
            print(console.pytest_problem(ran) or "oai-conformance: pytest refused the arguments", file=sys.stderr)
        return exitcodes.USAGE
    if sink.unreachable is not None:
        print(f"oai-conformance: {ran.console.unreachable or sink.unreachable}", file=sys.stderr)
        return exitcodes.UNREACHABLE
    stopped = exitcodes.TERMINATED if terminated else exitcodes.INTERRUPTED
    if sink.doc is None:
        if code == pytest.ExitCode.INTERRUPTED:
            print("oai-conformance: interrupted before any check ran; nothing was written", file=sys.stderr)
            return stopped
        print(f"oai-conformance: internal error (pytest exit {int(code)}): a bug in oai-conformance, not in the "
              "target; please report it with this:", file=sys.stderr)
        print(console.pytest_problem(ran), file=sys.stderr)
        return exitcodes.INTERNAL
    doc = sink.doc
    reqs = require.evaluate(doc, required)
    print("\n".join(console.summary_lines(doc, limits_report.lines(doc) + require.lines(reqs))))
    if code == pytest.ExitCode.INTERRUPTED:
        return stopped
    if code == pytest.ExitCode.INTERNAL_ERROR:
        print("oai-conformance: internal error after the checks ran: a bug in oai-conformance; please report it "
              "with this:", file=sys.stderr)
        print(console.pytest_problem(ran), file=sys.stderr)
        return exitcodes.INTERNAL
    ended = limits_report.exit_code(doc)
    code = ended if ended is not None else _verdict(doc, base_doc, recheck)
    if code in (exitcodes.OK, exitcodes.NOT_JUDGED) and not all(r.met for r in reqs):
        code = exitcodes.FAILED  # a gate on what must work, whatever else passed
    return code


def _verdict(doc: dict, base_doc: dict | None, recheck: Recheck | None = None) -> int:
    """The exit code a finished run earns."""
    if base_doc is not None:
        cmp = baseline.compare(base_doc, doc)
        print(baseline.describe(cmp))
        if cmp.worse and recheck is not None:
            cmp = baseline.confirm(cmp, base_doc, recheck([c.id for c in cmp.worse]))
            print(baseline.describe_recheck(cmp))
        return exitcodes.FAILED if cmp.worse else exitcodes.OK
    if doc["gate"]:
        return exitcodes.FAILED
    return exitcodes.NOT_JUDGED if doc["summary"]["error"] else exitcodes.OK


def _count(text: str) -> int:
    """A whole number of zero or more."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text}: give 0 or more")
    return value


def _recheck(args: argparse.Namespace, out: Path, ids: list[str]) -> list[dict | None]:
    """Each recheck's results (None where it could not finish): the given checks alone, fresh requests."""
    docs: list[dict | None] = []
    for k in range(1, args.recheck + 1):
        folder = out / f"recheck-{k}"
        print(f"oai-conformance: recheck {k} of {args.recheck}: {len(ids)} check(s) that got worse, on their own "
              f"(outputs in {outputs.shown(folder)})")
        # One at a time and without the client matrix: the question is only whether each verdict comes back.
        again = argparse.Namespace(**{**vars(args), "only": ",".join(ids), "record": None, "concurrency": 1,
                                      "no_clients": True})
        sink = Sink()
        try:
            outputs.ensure_writable(folder)
            console.run_pytest(_pytest_args(again, folder), folder, passthrough=False, plugins=[sink])
        except outputs.OutputError as exc:
            print(f"oai-conformance: {exc}", file=sys.stderr)
        docs.append(sink.doc)
    return docs


def _required(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    """--require values and the target file's require list, as catalogued names."""
    from conformance.config import read_target_file

    listed = list(args.require)
    if args.target_file:
        listed += [str(v) for v in read_target_file(args.target_file).get("require", [])]
    return require.parse(listed)


def _selected(patterns: str) -> bool:
    """Whether --only selects at least one check or client cell."""
    from conformance.clients.runner import selected
    from conformance.registry import all_checks, select

    return bool(select(all_checks(), patterns)) or bool(selected(patterns))


def _target_name(args: argparse.Namespace, settings: Settings) -> str:
    """The target's name: from the recording when replaying, else from the settings."""
    if args.replay:
        if args.record is not None or args.base_url:
            raise ConfigError("--replay answers from a recording: it takes neither --record nor --base-url")
        try:
            return args.name or recording.read_target(Path(args.replay))["target"]["name"]
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"cannot replay {args.replay}: {exc}") from None
    return build_target(settings).name


def _load_baseline(path: str | None) -> dict | None:
    from conformance import results

    if path is None:
        return None
    try:
        doc = results.load(Path(path))
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc}") from None
    # Checked before the first request: "{}" or another document would read as "nothing got worse".
    problem = results.invalid(doc)
    if problem:
        raise ConfigError(f"baseline {path} is not a results file of oai-conformance: {problem}")
    return doc


def main(argv: list[str] | None = None) -> int:
    """Entry point of the oai-conformance command."""
    args = _parser().parse_args(argv)
    if args.command == "run":
        return run(args)
    if args.command == "compare":
        return compare_cmd(args)
    return exitcodes.USAGE


if __name__ == "__main__":
    sys.exit(main())
