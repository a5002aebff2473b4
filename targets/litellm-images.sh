#!/usr/bin/env bash
# LiteLLM's proxy in front of sd-server: a second implementation of /v1/images/generations.
#   targets/litellm-images.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8096), BACKEND_URL (default http://127.0.0.1:8095/v1, sd-server: start it first with
#      targets/sd-server.sh start), LITELLM_MASTER_KEY (default sk-oai-conformance; clients send
#      `Authorization: Bearer <key>`), READY_TIMEOUT (120 s), EXTRA_ARGS (appended).
# The model `sd-image` is `openai/dall-e-2` at the backend (sd-server does not read the name), with
# model_info.mode image_generation. LiteLLM checks params by the model name: for a name it does not know
# (`openai/sd-cpp-local`) it refuses response_format with a 400 (UnsupportedParamsError, drop_params false),
# so nothing could be judged; as dall-e-2 it forwards prompt, n, size, response_format and user.
# It uses litellm.sh's virtualenv (same pinned litellm[proxy]); `install` runs litellm.sh install.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init litellm-images 8096
IMAGE_MODEL=sd-image
BACKEND_MODEL=dall-e-2
LITELLM_MASTER_KEY="${LITELLM_MASTER_KEY:-sk-oai-conformance}"
API_KEY="$LITELLM_MASTER_KEY"   # wait_ready/status send it
BACKEND_URL="${BACKEND_URL:-http://127.0.0.1:8095/v1}"
VENV="$OAI_TARGETS_HOME/litellm/venv"
CONFIG="$SERVER_HOME/config-$PORT.yaml"

do_install() {
  [[ -x "$VENV/bin/litellm" ]] || PORT=8085 "$TARGETS_DIR/litellm.sh" install
  log "installed: $(do_version)"
}

do_start() {
  [[ -x "$VENV/bin/litellm" ]] || do_install
  [[ "$(http_status "$BACKEND_URL/models")" == 200 ]] \
    || log "warning: backend $BACKEND_URL does not answer GET /models yet (LiteLLM starts anyway)"
  cat > "$CONFIG" <<YAML
model_list:
  - model_name: $IMAGE_MODEL
    litellm_params:
      model: openai/$BACKEND_MODEL
      api_base: $BACKEND_URL
      api_key: "sk-no-key-needed"
    model_info:
      mode: image_generation
litellm_settings:
  drop_params: false
  telemetry: false
YAML
  local -a cmd=(env LITELLM_MASTER_KEY="$LITELLM_MASTER_KEY" LITELLM_LOCAL_MODEL_COST_MAP=True
    LITELLM_TELEMETRY=False "$VENV/bin/litellm" --config "$CONFIG" --host "$HOST" --port "$PORT")
  # shellcheck disable=SC2206
  if [[ -n "${EXTRA_ARGS:-}" ]]; then cmd+=(${EXTRA_ARGS}); fi
  launch "${cmd[@]}"
  wait_ready "${READY_TIMEOUT:-120}"
  echo "$BASE_URL"
}

do_version() {
  [[ -x "$VENV/bin/python" ]] || { echo "litellm: not installed"; return 0; }
  local v
  v="$("$VENV/bin/python" -m pip show litellm 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  echo "litellm ${v:-?} (proxy; image_generation model $IMAGE_MODEL -> openai/$BACKEND_MODEL at sd-server, random weights: the images are noise, judged by protocol only)"
}

target_main "$@"
