#!/usr/bin/env bash
# Hugging Face `transformers serve` (transformers[serving] 5.23.0, torch 2.13.0 CPU) serving SmolLM2-135M-Instruct
# (the safetensors folder built from the GGUF by targets/make_hf_model.py) as "smollm2".
#   targets/transformers-serve.sh install|start|stop|restart|status|version|url|log
# transformers serve addresses models through a Hugging Face cache: this script lays one out by hand
# (hub-<mode>/models--smollm2/refs/main + snapshots/local/ with symlinks to the local folder) and runs offline.
# Env: PORT (default 8084), TOOLS=1 (the snapshot's chat_template.jinja is the Hermes tools template instead of
#      SmolLM2's own), READY_TIMEOUT (180 s), EXTRA_ARGS (appended).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init transformers-serve 8084
PKGS=(torch==2.13.0 "transformers[serving]==5.23.0")
MODEL_BUILD_PKGS=("gguf>=0.10" accelerate)   # to build the HF folder from the GGUF when no other venv did
REPO_ID="$SERVED_MODEL_NAME"                  # requests say "model": "smollm2"
REV=local

do_install() {
  if is_installed v1 && [[ -f "$HF_MODEL_DIR/.complete" ]]; then log "already installed"; return 0; fi
  if ! is_installed v1; then
    ensure_venv
    pip_in_venv "${PKGS[@]}"
    mark_installed v1
  fi
  if [[ ! -f "$HF_MODEL_DIR/.complete" ]]; then
    "$VENV/bin/python" -c 'import gguf, accelerate' 2>/dev/null || pip_in_venv -q "${MODEL_BUILD_PKGS[@]}"
    ensure_hf_model "$VENV/bin/python"
  fi
  log "installed: $(do_version)"
}

# hub_cache MODE: lay out an HF cache around the local folder; MODE tools swaps in the Hermes template
hub_cache() {
  local mode="$1" hub repo snap f
  hub="$SERVER_HOME/hub-$mode"
  repo="$hub/models--${REPO_ID//\//--}"
  snap="$repo/snapshots/$REV"
  mkdir -p "$repo/refs" "$snap"
  printf '%s' "$REV" > "$repo/refs/main"
  for f in "$HF_MODEL_DIR"/*; do
    ln -sfn "$f" "$snap/$(basename "$f")"
  done
  if [[ "$mode" == tools ]]; then ln -sfn "$TOOLS_TEMPLATE" "$snap/chat_template.jinja"; fi
  echo "$hub"
}

do_start() {
  if ! is_installed v1 || [[ ! -f "$HF_MODEL_DIR/.complete" ]]; then do_install; fi
  local mode=plain hub
  [[ "${TOOLS:-0}" == 1 ]] && mode=tools
  hub="$(hub_cache "$mode")"
  local -a cmd=(env HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_CACHE="$hub" HF_HUB_DISABLE_TELEMETRY=1
    "$VENV/bin/transformers" serve "$REPO_ID" --host "$HOST" --port "$PORT" --device cpu)
  # shellcheck disable=SC2206
  if [[ -n "${EXTRA_ARGS:-}" ]]; then cmd+=(${EXTRA_ARGS}); fi
  launch "${cmd[@]}"
  wait_ready "${READY_TIMEOUT:-180}"
  echo "$BASE_URL"
}

do_version() {
  [[ -x "$VENV/bin/python" ]] || { echo "transformers-serve: not installed"; return 0; }
  local v t
  v="$("$VENV/bin/python" -m pip show transformers 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  t="$("$VENV/bin/python" -m pip show torch 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  echo "transformers serve ${v:-?} (torch ${t:-?})"
}

target_main "$@"
