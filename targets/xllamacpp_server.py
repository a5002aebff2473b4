"""Run xllamacpp's embedded llama.cpp HTTP server in the foreground until SIGTERM or SIGINT.

xllamacpp (PyPI) ships no command-line entry point: `xllamacpp.Server(CommonParams)` loads the model
and starts llama.cpp's own HTTP server (the OpenAI routes under /v1) on `hostnames`:`port` in
background threads, and stops it when the object is destroyed. This wrapper gives it the command
line that targets/xllamacpp.sh needs.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

import xllamacpp


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The few llama-server options the target scripts use, spelled as llama-server spells them."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-m", "--model", required=True, help="GGUF file")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("-a", "--alias", default="smollm2", help="model name served in /v1/models")
    ap.add_argument("-c", "--ctx-size", type=int, default=4096)
    ap.add_argument("-np", "--parallel", type=int, default=2)
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("--chat-template-file", type=Path, help="Jinja chat template (e.g. with tools)")
    ap.add_argument("--embeddings", action="store_true", help="serve /v1/embeddings (mean pooling)")
    return ap.parse_args(argv)


def build_params(args: argparse.Namespace) -> xllamacpp.CommonParams:
    """CommonParams equivalent to `llama-server -m ... --host ... --port ... -a ... -c ... -np ... -t ...`."""
    p = xllamacpp.CommonParams()
    p.model.path = args.model
    p.hostnames = [args.host]
    p.port = args.port
    p.model_alias = {args.alias}
    p.n_ctx = args.ctx_size
    p.n_parallel = args.parallel
    p.cpuparams.n_threads = args.threads
    p.cpuparams_batch.n_threads = args.threads
    if args.chat_template_file is not None:
        # llama-server's --chat-template-file reads the file into this same field
        p.use_jinja = True
        p.chat_template = args.chat_template_file.read_text(encoding="utf-8")
    if args.embeddings:
        p.embedding = True
        p.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
    return p


def main(argv: list[str]) -> int:
    """Start the server, print its address, block until a signal, then let the destructor stop it."""
    args = parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server = xllamacpp.Server(build_params(args))
    print(f"xllamacpp {xllamacpp.__version__} listening on {server.listening_address}", flush=True)
    stop.wait()
    del server  # ~Server stops llama.cpp's main loop and the HTTP threads
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
