#!/usr/bin/env bash
# LiteLLM proxy (litellm[proxy] >=1.100,<1.106) as an OpenAI-compatible gateway in front of a local llama-server.
#   targets/litellm.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8085), BACKEND_URL (default http://127.0.0.1:8086/v1, the plain llama-server instance:
#      start it first with `PORT=8086 targets/llama-server.sh start`; use 8081 for the TOOLS=1 one),
#      LITELLM_MASTER_KEY (default sk-oai-conformance; clients must send `Authorization: Bearer <key>`),
#      EMBED_BACKEND_URL (default http://127.0.0.1:8090/v1, a llama-server started with EMBEDDINGS=1 PORT=8090):
#      served as the embedding model EMBED_MODEL_NAME (default local/smollm2-embed:latest; its `/` and `:` are
#      what Ollama- and vLLM-style ids hold, so GET /v1/models/{id} is tried with an encoded id),
#      READY_TIMEOUT (120 s), EXTRA_ARGS (appended). TOOLS has no effect here: tools go to the backend as is.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init litellm 8085
PKG="litellm[proxy]>=1.100,<1.106"
LITELLM_MASTER_KEY="${LITELLM_MASTER_KEY:-sk-oai-conformance}"
API_KEY="$LITELLM_MASTER_KEY"   # wait_ready/status send it
BACKEND_URL="${BACKEND_URL:-http://127.0.0.1:8086/v1}"
EMBED_BACKEND_URL="${EMBED_BACKEND_URL:-http://127.0.0.1:8090/v1}"
EMBED_MODEL_NAME="${EMBED_MODEL_NAME:-local/smollm2-embed:latest}"
CONFIG="$SERVER_HOME/config-$PORT.yaml"

do_install() {
  if is_installed v1; then log "already installed"; return 0; fi
  ensure_venv
  pip_in_venv "$PKG"
  mark_installed v1
  log "installed: $(do_version)"
}

do_start() {
  is_installed v1 || do_install
  [[ "$(http_status "$BACKEND_URL/models")" == 200 ]] \
    || log "warning: backend $BACKEND_URL does not answer GET /models yet (LiteLLM starts anyway)"
  [[ "$(http_status "$EMBED_BACKEND_URL/models")" == 200 ]] \
    || log "warning: embeddings backend $EMBED_BACKEND_URL does not answer GET /models yet (LiteLLM starts anyway)"
  cat > "$CONFIG" <<YAML
model_list:
  - model_name: $SERVED_MODEL_NAME
    litellm_params:
      model: openai/$SERVED_MODEL_NAME
      api_base: $BACKEND_URL
      api_key: "sk-no-key-needed"
  - model_name: "$EMBED_MODEL_NAME"
    litellm_params:
      model: openai/$SERVED_MODEL_NAME
      api_base: $EMBED_BACKEND_URL
      api_key: "sk-no-key-needed"
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
  echo "litellm ${v:-?} (proxy)"
}

target_main "$@"
