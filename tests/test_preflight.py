"""Wrong targets stop after the preflight with exit 2 and one sentence saying what to try; --force runs anyway."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conformance import exitcodes, results
from conformance.http import Client
from conformance.model import Target
from conformance.preflight import probe
from tests.fake import FakeServer
from tests.helpers import target_for
from tests.wrongtargets import static_site, without_models


def oai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def _probe(base_url: str, model: str = "fake-model") -> tuple[str | None, int]:
    """The preflight's problem sentence and how many requests it spent (all counted in the run's usage)."""
    client = Client(target_for(base_url, model=model))
    try:
        return probe(client).problem, client.usage.requests
    finally:
        client.close()


def test_a_conformant_server_costs_one_request() -> None:
    with FakeServer() as srv:
        assert _probe(srv.base_url) == (None, 1)
        assert srv.requests == [("GET", "/v1/models", None)]


def test_a_base_url_without_v1_suggests_it() -> None:
    with FakeServer() as srv:
        root = srv.base_url.removesuffix("/v1")
        problem, sent = _probe(root)
    assert problem == (f"GET {root}/models answered 404 and POST {root}/chat/completions answered 404, "
                       f"but GET {root}/v1/models answers a models list: try --base-url {root}/v1")
    assert sent == 3


def test_a_base_url_past_v1_suggests_cutting_it() -> None:
    with FakeServer() as srv:
        base = srv.base_url
        problem, _ = _probe(base + "/chat/completions")
    assert problem is not None and problem.endswith(f"the base URL goes past /v1; try --base-url {base}")


def test_a_static_file_server_is_not_an_api(tmp_path: Path) -> None:
    seen: list[str] = []
    with static_site(tmp_path, seen) as root:
        problem, sent = _probe(root + "/v1", "m")
    assert problem is not None
    assert problem.startswith(f"GET {root}/v1/models answered 404 with an HTML page and POST "
                              f"{root}/v1/chat/completions answered 501 with an HTML page: the server at {root}/v1 "
                              "(SimpleHTTP/")
    assert "does not look like an OpenAI-compatible API" in problem
    assert sent == len(seen) == 2


def test_a_catch_all_page_at_the_root_is_not_an_api(tmp_path: Path) -> None:
    with FakeServer(deviations={"routes.unknown_200"}) as srv:
        base = srv.base_url
        problem, sent = _probe(base.removesuffix("/v1"))
    assert problem is not None and "answered 200 with an HTML page" in problem
    assert problem.endswith(f"try --base-url {base}") and sent == 3


def test_no_models_list_but_a_chat_route_is_an_api() -> None:
    with FakeServer() as srv, without_models(srv.base_url.removesuffix("/v1")) as url:
        assert _probe(url) == (None, 2)
        assert srv.requests == [("POST", "/v1/chat/completions", {})]


class _SpeechOnly(BaseHTTPRequestHandler):
    """A speech server without a models list: 404 everywhere but POST /v1/audio/speech (422, FastAPI style)."""

    seen: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        pass

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(f"{self.command} {self.path}")
        status = 422 if (self.command, self.path) == ("POST", "/v1/audio/speech") else 404
        body = json.dumps({"detail": "Not Found" if status == 404 else [{"msg": "Field required"}]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


def test_a_run_without_chat_model_never_asks_the_chat_route() -> None:
    # No --model: the preflight neither looks for a chat model in the list nor probes the chat route,
    # but the route of the model it was given.
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SpeechOnly)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    client = Client(Target(base_url=url, model=None, name="tts", speech_model="tts-1", timeout_s=10.0))
    try:
        assert probe(client).problem is None
    finally:
        client.close()
        httpd.shutdown()
        httpd.server_close()
    assert _SpeechOnly.seen == ["GET /v1/models", "POST /v1/audio/speech"]
    with FakeServer() as srv:
        client = Client(Target(base_url=srv.base_url, model=None, name="tts", speech_model="unlisted", timeout_s=10.0))
        try:
            assert probe(client).problem is None and client.usage.requests == 1
        finally:
            client.close()


def test_an_unlisted_model_suggests_the_closest_listed_one() -> None:
    with FakeServer() as srv:
        base = srv.base_url
        problem, sent = _probe(base, "fake-modle")
    assert problem == (f"--model fake-modle is not among the 2 models GET {base}/models lists "
                       "(fake-model, fake-embed) and a chat request with it answered 404: "
                       "did you mean --model fake-model?")
    assert sent == 2


def test_an_unlisted_model_unlike_any_names_the_list() -> None:
    with FakeServer() as srv:
        problem, _ = _probe(srv.base_url, "gpt-4o")
    assert problem is not None and problem.endswith("(fake-model, fake-embed) and a chat request with it answered "
                                                    "404: pass one of the listed ids with --model")


def test_an_unlisted_model_the_server_answers_with_is_not_stopped() -> None:
    # A proxy serving an alias it does not list: models.list.contains_model judges it, the preflight does not.
    with FakeServer(deviations={"models.model_unlisted"}) as srv:
        assert _probe(srv.base_url) == (None, 2)


def test_the_command_stops_with_exit_2_and_the_sentence(tmp_path: Path) -> None:
    with FakeServer() as srv:
        root = srv.base_url.removesuffix("/v1")
        r = oai("run", "--base-url", root, "--model", "fake-model", "--output", "out", cwd=tmp_path)
        sent = len(srv.requests)
    assert r.returncode == exitcodes.USAGE, r.stdout[-2000:] + r.stderr[-2000:]
    assert r.stderr == (f"oai-conformance: GET {root}/models answered 404 and POST {root}/chat/completions answered "
                        f"404, but GET {root}/v1/models answers a models list: try --base-url {root}/v1 "
                        "(--force runs anyway)\n")
    assert sent == 3 and not (tmp_path / "out" / "results.json").exists()


def test_the_command_stops_a_static_file_server_in_few_lines(tmp_path: Path) -> None:
    seen: list[str] = []
    (tmp_path / "site").mkdir()
    with static_site(tmp_path / "site", seen) as root:
        r = oai("run", "--base-url", root + "/v1", "--model", "m", "--output", "out", cwd=tmp_path)
    assert r.returncode == exitcodes.USAGE, r.stdout[-2000:] + r.stderr[-2000:]
    assert "does not look like an OpenAI-compatible API" in r.stderr
    assert len(seen) == 2 and len((r.stdout + r.stderr).splitlines()) <= 3


def test_force_runs_anyway_and_counts_the_probes(tmp_path: Path) -> None:
    seen: list[str] = []
    (tmp_path / "site").mkdir()
    with static_site(tmp_path / "site", seen) as root:
        r = oai("run", "--base-url", root + "/v1", "--model", "m", "--output", "out", "--force",
                "--only", "models.list.*", cwd=tmp_path)
    assert r.returncode not in (exitcodes.USAGE, exitcodes.UNREACHABLE), r.stdout[-2000:] + r.stderr[-2000:]
    assert "oai-conformance: warning: GET " in r.stdout and "(running anyway)" in r.stdout
    doc = results.load(tmp_path / "out")
    # The probes count: GET /models (which the models checks then reuse) and the chat probe.
    assert doc["checks"] and doc["usage"]["requests"] == len(seen) == 2
    assert doc["checks"][0]["evidence"][0]["request"]["url"].endswith("/v1/models")


def test_the_models_checks_reuse_the_preflights_list(tmp_path: Path) -> None:
    """GET /models is sent once per run: the preflight's answer is the models checks' evidence."""
    with FakeServer() as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--output", "out",
                "--only", "models.list.*", cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:]
    doc = results.load(tmp_path / "out")
    assert doc["usage"]["requests"] == 1 and all(c["outcome"] == "pass" for c in doc["checks"])


def test_a_run_without_models_list_goes_on(tmp_path: Path) -> None:
    with FakeServer() as srv, without_models(srv.base_url.removesuffix("/v1")) as url:
        r = oai("run", "--base-url", url, "--model", "fake-model", "--output", "out", "--only", "chat.response.*",
                cwd=tmp_path)
        sent = len(srv.requests)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    doc = results.load(tmp_path / "out")
    # The preflight's GET /models (answered by the proxy) and its chat probe are counted with the checks'.
    assert doc["usage"]["requests"] == sent + 1


def test_an_alias_recorded_replays_and_an_older_recording_without_the_probe_too(tmp_path: Path) -> None:
    with FakeServer(deviations={"models.model_unlisted"}) as srv:
        r = oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--name", "alias", "--record", "cassettes/alias",
                "--output", "live", "--only", "models.list.*", cwd=tmp_path)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    live = results.load(tmp_path / "live")
    assert {c["id"]: c["outcome"] for c in live["checks"]}["models.list.contains_model"] == "fail"
    cassette = tmp_path / "cassettes" / "alias" / "preflight.json"
    recorded = json.loads(cassette.read_text())
    assert [i["request"]["method"] for i in recorded["interactions"]] == ["GET", "POST"]
    for variant in ("with-probe", "without-probe"):
        if variant == "without-probe":  # as recorded before the preflight probed chat
            recorded["interactions"] = recorded["interactions"][:1]
            cassette.write_text(json.dumps(recorded))
        r = oai("run", "--replay", "cassettes/alias", "--output", variant, "--only", "models.list.*", cwd=tmp_path)
        assert r.returncode == exitcodes.OK and not r.stderr, variant + r.stdout[-2000:] + r.stderr[-2000:]
        replayed = results.load(tmp_path / variant)
        assert [(c["id"], c["outcome"]) for c in replayed["checks"]] == [(c["id"], c["outcome"]) for c in
                                                                         live["checks"]]


def test_a_wrong_target_recorded_with_force_replays_with_a_warning(tmp_path: Path) -> None:
    with FakeServer() as srv:
        root = srv.base_url.removesuffix("/v1")
        r = oai("run", "--base-url", root, "--model", "fake-model", "--name", "root", "--record", "cassettes/root", "--force",
                "--output", "live", "--only", "models.list.*", cwd=tmp_path)
    assert r.returncode not in (exitcodes.USAGE, exitcodes.UNREACHABLE), r.stdout[-2000:] + r.stderr[-2000:]
    r2 = oai("run", "--replay", "cassettes/root", "--output", "replayed", "--only", "models.list.*",
             cwd=tmp_path)
    assert r2.returncode == r.returncode, r2.stdout[-2000:] + r2.stderr[-2000:]
    assert f"try --base-url {root}/v1 (running anyway)" in r2.stdout
