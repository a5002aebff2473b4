"""The client matrix against the fake: each deviation here breaks one client and not the others, and the matrix says so."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.clients import registry, runner
from conformance.clients.cells import Cell, CellOutcome
from conformance.clients.scenarios import BY_ID
from conformance.context import Run
from conformance.http import Client
from tests.fake import FakeServer
from tests.helpers import target_for

NODE = [c for c in registry.CLIENTS if c.language == "node"]
needs_node = pytest.mark.skipif(any(c.missing() for c in NODE),
                                reason="node or the npm packages are missing (npm ci in conformance/clients/node)")


# The fake's media models: every media scenario runs unless a test leaves its model out.
MEDIA = {"transcription_model": "fake-whisper", "image_model": "fake-image"}


def matrix(deviations: tuple[str, ...], only: str, clean_posts: int = 0, **models: str) -> dict[str, Cell]:
    """Run the selected cells against a fake with these deviations (and MEDIA's models unless given); cells by id."""
    with FakeServer(deviations, clean_posts=clean_posts) as srv:
        target = target_for(srv.base_url, **{**MEDIA, **models})
        run = Run(target, Client(target))
        try:
            return {c.id: c for c in runner.run_matrix(run, only)}
        finally:
            run.close()


def test_every_client_offers_only_known_scenarios() -> None:
    from conformance.clients import openai_python

    assert set(openai_python.SCENARIOS) <= set(BY_ID)
    assert len({c.name for c in registry.CLIENTS}) == len(registry.CLIENTS)


@needs_node
def test_every_client_works_against_the_conformant_fake() -> None:
    cells = matrix((), "client.*.chat.*")
    assert len(cells) == len(registry.CLIENTS) * sum(1 for s in BY_ID if s.startswith("chat."))
    wrong = {k: f"{c.outcome.value}: {c.exception or c.reason}" for k, c in cells.items()
             if c.outcome not in (CellOutcome.WORKS, CellOutcome.NOT_OFFERED)}
    assert not wrong
    works = cells["client.openai-node.chat.stream-helper"]
    assert works.version and works.evidence and works.evidence[0].request_body["stream"] is True
    assert cells["client.genkit.chat.stream-n2"].outcome is CellOutcome.NOT_OFFERED


# deviation -> the cells it breaks (of the cells selected); every other selected cell works or is not offered.
ONE_CLIENT = {
    "tools.finish_reason_stop": ("client.*.chat.tools*", {"client.genkit.chat.tools", "client.genkit.chat.tools-stream"}),
    "stream.tool_call_id_missing": ("client.*.chat.tools-stream", {"client.genkit.chat.tools-stream"}),
    "chat.object_wrong": ("client.*.chat.create", {"client.modelfusion.chat.create"}),
    "stream.n_choice_1_first": ("client.*.chat.stream-n2", {"client.openai-python.chat.stream-n2"}),
    "stream.no_role_first": ("client.*.chat.stream-helper", {"client.openai-node.chat.stream-helper"}),
    "chat.function_call_null": ("client.*.chat.create", {"client.modelfusion.chat.create"}),
    # ModelFusion's streamText waits for [DONE] for ever (transformers serve's streams end without it).
    "stream.no_done": ("client.*.chat.stream", {"client.modelfusion.chat.stream"}),
    # openai-python hands a JSON body back as the text transcript; openai-node (and Genkit through it) parse it.
    "transcription.text_as_json": ("client.*.transcription.*", {"client.openai-python.transcription.text"}),
    # The official clients read the bytes; Genkit labels every image image/png.
    "images.jpeg_by_default": ("client.*.images.generate", {"client.genkit.images.generate"}),
}


@needs_node
@pytest.mark.parametrize("deviation", sorted(ONE_CLIENT))
def test_a_deviation_breaks_one_client_and_not_the_others(deviation: str) -> None:
    only, broken = ONE_CLIENT[deviation]
    cells = matrix((deviation,), only)
    got = {k for k, c in cells.items() if c.outcome is CellOutcome.BREAKS}
    assert got == broken, {k: c.exception or c.reason for k, c in cells.items()}
    for k in broken:
        assert cells[k].exception or cells[k].reason  # the client's own exception, or the wrong value's reason
    assert all(c.outcome in (CellOutcome.WORKS, CellOutcome.NOT_OFFERED) for k, c in cells.items() if k not in broken)


@needs_node
def test_every_client_transcribes_and_draws_against_the_conformant_fake() -> None:
    cells = matrix((), "client.*.transcription.*,client.*.images.*")
    assert len(cells) == len(registry.CLIENTS) * 3
    wrong = {k: f"{c.outcome.value}: {c.exception or c.reason}" for k, c in cells.items()
             if c.outcome is not CellOutcome.WORKS and not k.startswith("client.modelfusion.")}
    assert not wrong
    text = cells["client.openai-node.transcription.text"]
    assert text.value["word_error_rate"] == 0 and text.evidence[0].request_body["multipart/form-data"]["file"]["bytes"] > 0
    assert cells["client.genkit.images.generate"].value == {"bytes": cells["client.genkit.images.generate"].value["bytes"],
                                                            "format": "png", "size": "64x64", "contentType": "image/png"}
    # ModelFusion's openaicompatible provider has neither model: not offered, with the reason.
    assert {cells[f"client.modelfusion.{s}"].outcome for s in ("transcription.json", "transcription.text",
                                                                "images.generate")} == {CellOutcome.NOT_OFFERED}


def test_a_media_scenario_is_untested_without_its_model() -> None:
    cells = matrix((), "client.openai-python.transcription.json,client.openai-python.images.generate",
                   transcription_model="", image_model="")
    assert cells["client.openai-python.transcription.json"].reason == "no transcription model given (--transcription-model)"
    assert cells["client.openai-python.images.generate"].reason == "no image model given (--image-model)"
    assert all(c.outcome is CellOutcome.UNTESTED for c in cells.values())


def test_a_client_exception_is_its_own() -> None:
    cells = matrix(("stream.n_choice_1_first",), "client.openai-python.chat.stream-n2")
    cell = cells["client.openai-python.chat.stream-n2"]
    assert cell.outcome is CellOutcome.BREAKS
    assert cell.exception is not None and cell.exception.startswith("IndexError")
    assert cell.where is not None and "openai/" in cell.where


@pytest.mark.parametrize(("clean_posts", "outcome", "sent"),
                         [(0, CellOutcome.BREAKS, 1), (2, CellOutcome.BREAKS, 3), (3, CellOutcome.WORKS, 3)])
def test_the_n2_stream_scenario_is_sent_until_the_choice_order_breaks_the_helper(
        clean_posts: int, outcome: CellOutcome, sent: int) -> None:
    """Choice 1 first on some answers only (llama-server: most, not all) breaks the helper within 3 requests."""
    cells = matrix(("stream.n_choice_1_first",), "client.openai-python.chat.stream-n2", clean_posts=clean_posts)
    cell = cells["client.openai-python.chat.stream-n2"]
    assert cell.outcome is outcome, cell.exception or cell.reason
    assert len(cell.evidence) == sent


def test_a_refused_request_is_unsupported_not_broken() -> None:
    cells = matrix(("tools.rejected",), "client.openai-python.chat.tools")
    cell = cells["client.openai-python.chat.tools"]
    assert cell.outcome is CellOutcome.UNSUPPORTED and "400" in (cell.reason or "")


def test_without_node_the_js_clients_are_untested_and_the_run_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry.shutil, "which", lambda name: None)
    cells = matrix((), "client.*.chat.create")
    assert cells["client.openai-python.chat.create"].outcome is CellOutcome.WORKS
    for c in NODE:
        cell = cells[f"client.{c.name}.chat.create"]
        assert (cell.outcome, cell.reason) == (CellOutcome.UNTESTED, "node not found")


def test_a_scenario_that_needs_an_embedding_model_is_untested_without_one() -> None:
    cell = matrix((), "client.openai-python.embeddings.*")["client.openai-python.embeddings.create"]
    assert cell.outcome is CellOutcome.UNTESTED and "--embedding-model" in (cell.reason or "")


def test_without_a_chat_model_the_chat_scenarios_are_untested() -> None:
    with FakeServer() as srv:
        target = dataclasses.replace(target_for(srv.base_url), model=None, embedding_model="fake-embed")
        run = Run(target, Client(target))
        try:
            cell = runner.run_matrix(run, "client.openai-python.chat.create")[0]
        finally:
            run.close()
    assert cell.outcome is CellOutcome.UNTESTED and cell.reason == "no chat model given (--model)"


def test_a_hanging_client_is_killed_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    hang = registry.python("hang", "hang", "tests.client_hangs", "openai")
    monkeypatch.setattr(runner, "CLIENTS", (hang,))
    monkeypatch.setattr(runner, "STARTUP_S", 2.0)
    monkeypatch.setattr(runner, "GRACE_S", 1.0)
    monkeypatch.setattr(runner, "REQUESTS_PER_SCENARIO", 0)
    cells = matrix((), "client.hang.chat.create,client.hang.chat.stream")
    first, second = cells["client.hang.chat.create"], cells["client.hang.chat.stream"]
    assert first.outcome is CellOutcome.ERROR and "killed" in (first.reason or "")
    # The rest run in a new process: it prints forever and never finishes, and is killed at its deadline too.
    assert second.outcome is CellOutcome.ERROR and "killed" in (second.reason or "")


def test_a_client_left_waiting_after_the_whole_answer_breaks(monkeypatch: pytest.MonkeyPatch) -> None:
    waits = registry.python("waits", "waits", "tests.client_waits", "openai")
    monkeypatch.setattr(runner, "CLIENTS", (waits,))
    monkeypatch.setattr(runner, "STUCK_S", 1.0)
    cells = matrix((), "client.waits.chat.create,client.waits.chat.stream,client.waits.chat.tools")
    stuck, gone, fine = (cells[f"client.waits.chat.{s}"] for s in ("create", "stream", "tools"))
    # The answer reached it whole and it neither returned nor asked again: the server's answer left it waiting.
    assert stuck.outcome is CellOutcome.BREAKS and "neither returned nor sent another request" in (stuck.reason or "")
    assert stuck.evidence and stuck.evidence[0].status == 200
    assert gone.outcome is CellOutcome.BREAKS and "process ended (exit 0)" in (gone.reason or "")
    # The rest run in a new process and are judged as usual.
    assert fine.outcome is CellOutcome.WORKS, fine.reason


def test_a_transcript_and_an_image_are_judged_as_the_checks_judge_them() -> None:
    from conformance.clients import expect
    from conformance.clients.lines import Wrong
    from tests.fake.endpoints.audio import HEARD
    from tests.fake.image_files import jpeg

    assert expect.transcript(HEARD.lower(), HEARD, "text")["word_error_rate"] == 0.0
    with pytest.raises(Wrong, match="JSON body"):
        expect.transcript('{"text": "%s"}' % HEARD, HEARD, "text")
    with pytest.raises(Wrong, match="word error rate 1.00"):
        expect.transcript("nothing of it", HEARD, "json")
    assert expect.image(jpeg(32, 16, 128)) == {"bytes": len(jpeg(32, 16, 128)), "format": "jpeg", "size": "32x16"}
    with pytest.raises(Wrong, match="labels the image image/png, but the bytes are jpeg"):
        expect.image(jpeg(32, 16, 128), "image/png")
    with pytest.raises(Wrong, match="not one"):
        expect.image(b"generated image")


def test_audio_is_judged_by_its_bytes() -> None:
    from conformance.clients import expect
    from conformance.clients.lines import Wrong

    assert expect.audio(b"RIFF\x24\x64\x00\x00WAVEfmt ") == {"bytes": 16, "format": "wav"}
    assert expect.audio(b"ID3\x04rest")["format"] == "mp3"
    with pytest.raises(Wrong):
        expect.audio(b"")


def test_the_official_responses_stream_helpers_break_on_events_without_indexes() -> None:
    cells = matrix(("responses.stream_no_indexes",), "client.openai-python.responses.*,client.openai-node.responses.*")
    if any(c.missing() for c in NODE):
        cells = {k: c for k, c in cells.items() if "openai-node" not in k}
    broken = {k for k, c in cells.items() if c.outcome is CellOutcome.BREAKS}
    assert broken == {k for k in cells if k.endswith("responses.stream")}
    assert all(c.outcome is CellOutcome.WORKS for k, c in cells.items() if k.endswith("responses.create"))


def test_a_client_kept_warm_serves_the_next_run_with_the_same_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.clients import process

    monkeypatch.setattr(process, "_KEEP", [False])
    monkeypatch.setattr(process, "_WARM", {})
    started: list[int] = []
    real = process.start
    monkeypatch.setattr(process, "start", lambda client: started.append(1) or real(client))
    process.keep_warm()
    try:
        first = matrix((), "client.openai-python.chat.*")
        second = matrix((), "client.openai-python.chat.*")
    finally:
        process._kill_warm()
    assert len(started) == 1  # the second run's config went to the process the first run started
    assert {k: (c.outcome, c.reason) for k, c in first.items()} == {k: (c.outcome, c.reason) for k, c in second.items()}
    assert all(c.outcome is CellOutcome.WORKS for c in first.values())


@needs_node
def test_a_client_left_with_nothing_to_wait_for_ends_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    stall = registry.node("stall", "stall", str(Path(__file__).with_name("client_stalls.mjs")), "openai")
    monkeypatch.setattr(runner, "CLIENTS", (stall,))
    # A deadline of a minute, far beyond the process's own end: a cell answered by the deadline would say 'killed'.
    monkeypatch.setattr(runner, "STARTUP_S", 60.0)
    monkeypatch.setattr(runner, "REQUESTS_PER_SCENARIO", 0)
    monkeypatch.setattr(runner, "GRACE_S", 1.0)
    cells = matrix((), "client.stall.chat.create,client.stall.chat.stream")
    for cid in ("client.stall.chat.create", "client.stall.chat.stream"):
        assert cells[cid].outcome is CellOutcome.ERROR
        assert "exited with 0 before this scenario" in (cells[cid].reason or "")


def test_a_vector_of_zeros_only_breaks_in_both_languages() -> None:
    """Decoding per-token lists as base64 gives openai-node the vector [0]: that is no embedding."""
    from conformance.clients import expect
    from conformance.clients.lines import Wrong

    assert expect.vectors([[0.0, 0.5]])["dimensions"] == 2
    with pytest.raises(Wrong, match="zeros only"):
        expect.vectors([[0]])


@needs_node
def test_per_token_embeddings_break_every_client_that_reads_them() -> None:
    """llama-cpp-python's per-token vectors: openai-node once read them as [0] and was called works."""
    cells = matrix(("embeddings.per_token",), "client.*.embeddings.*", embedding_model="fake-embed")
    offered = {k: c for k, c in cells.items() if c.outcome is not CellOutcome.NOT_OFFERED}
    assert offered and all(c.outcome is CellOutcome.BREAKS for c in offered.values()), \
        {k: (c.outcome.value, c.reason or c.exception) for k, c in offered.items()}
    assert "zeros only" in (cells["client.openai-node.embeddings.create"].reason or "")
