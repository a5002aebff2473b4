#!/usr/bin/env bash
# LiteLLM proxy as a second implementation of the media routes: /v1/audio/speech forwarded to local-tts
# (8092) and /v1/audio/transcriptions to faster-whisper (8093), each an `openai/` model with its
# model_info.mode. Its own instance (port 8094); it shares the venv of targets/litellm.sh.
#   targets/litellm-media.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8094), TTS_URL (http://127.0.0.1:8092/v1), STT_URL (http://127.0.0.1:8093/v1),
#      IMAGES_URL (http://127.0.0.1:8095/v1, sd-server; used once the image entry below is filled in),
#      LITELLM_MASTER_KEY (default sk-oai-conformance; clients send `Authorization: Bearer <key>`),
#      READY_TIMEOUT (120 s).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init litellm-media 8094
VENV="$OAI_TARGETS_HOME/litellm/venv"   # the litellm.sh install, shared
LITELLM_MASTER_KEY="${LITELLM_MASTER_KEY:-sk-oai-conformance}"
API_KEY="$LITELLM_MASTER_KEY"   # wait_ready/status send it
TTS_URL="${TTS_URL:-http://127.0.0.1:8092/v1}"
STT_URL="${STT_URL:-http://127.0.0.1:8093/v1}"
IMAGES_URL="${IMAGES_URL:-http://127.0.0.1:8095/v1}"
CONFIG="$SERVER_HOME/config-$PORT.yaml"

do_install() { "$TARGETS_DIR/litellm.sh" install; }

do_start() {
  [[ -x "$VENV/bin/litellm" ]] || do_install
  local u
  for u in "$TTS_URL" "$STT_URL"; do
    [[ "$(http_status "${u%/v1}/health")" == 200 || "$(http_status "$u/models")" == 200 ]] \
      || log "warning: backend $u does not answer yet (LiteLLM starts anyway)"
  done
  cat > "$CONFIG" <<YAML
model_list:
  - model_name: tts-1
    litellm_params:
      model: openai/tts-1
      api_base: $TTS_URL
      api_key: "sk-no-key-needed"
    model_info:
      mode: audio_speech
  - model_name: whisper-1
    litellm_params:
      model: openai/whisper-1
      api_base: $STT_URL
      api_key: "sk-no-key-needed"
    model_info:
      mode: audio_transcription
  # Images (sd-server on 8095, targets/sd-server.sh): an entry of the same shape goes here, e.g.
  #   - model_name: sd-random
  #     litellm_params: {model: openai/sd-random, api_base: $IMAGES_URL, api_key: "sk-no-key-needed"}
  #     model_info: {mode: image_generation}
litellm_settings:
  drop_params: false
  telemetry: false
YAML
  launch env LITELLM_MASTER_KEY="$LITELLM_MASTER_KEY" LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_TELEMETRY=False \
    "$VENV/bin/litellm" --config "$CONFIG" --host "$HOST" --port "$PORT"
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
