#!/usr/bin/env bash
# Record one real server: install it, start it on 127.0.0.1, run the whole suite with --record into
# cassettes/NAME/, render reports/NAME/ from the cassettes (a replay, so the committed report is exactly
# what replay gives), and stop what this script started.
#
#   targets/record.sh NAME        NAME is one of the recordings listed below
#   KEEP=1 targets/record.sh NAME leave the server running afterwards
#   RECORD_ARGS="--timeout 120" targets/record.sh NAME   more suite options (e.g. on a busy machine)
#
# The API key of a server that needs one (LiteLLM) is made up here, lives in the environment only,
# and is scrubbed from the cassettes by the recorder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
name="${1:?usage: targets/record.sh NAME (llama-server, llama-server-tools, llama-server-embeddings, vllm, vllm-tools, llama-cpp-python, llama-cpp-python-tools, transformers-serve, litellm, xllamacpp, local-tts, faster-whisper, litellm-media, sd-server, litellm-images)}"

# NAME -> script, environment for it, and what the suite is told
backend=""
embed_backend=""
backends=()   # media servers a gateway forwards to: "SCRIPT PORT" each
extra=()
suite=(--model smollm2)   # the models the suite tests; a media server has no chat model
case "$name" in
  llama-server)            script=llama-server.sh;     env=(PORT=8086) ;;
  llama-server-tools)      script=llama-server.sh;     env=(PORT=8081 TOOLS=1) ;;
  # --embeddings makes its own instance (another base URL; it still chats): the whole suite, embeddings included.
  llama-server-embeddings) script=llama-server.sh;     env=(PORT=8090 EMBEDDINGS=1)
                           extra=(--embedding-model smollm2) ;;
  vllm)                    script=vllm.sh;             env=(PORT=8089) ;;
  vllm-tools)              script=vllm.sh;             env=(PORT=8082 TOOLS=1) ;;
  # One request at a time: llama-cpp-python's server (interrupt_requests=True by default) cuts a stream when
  # another request arrives, which recorded 6 stream checks as errors at the default concurrency.
  llama-cpp-python)        script=llama-cpp-python.sh; env=(PORT=8083 LOGITS_ALL=1 EMBEDDINGS=1)
                           extra=(--concurrency 1 --embedding-model smollm2) ;;
  llama-cpp-python-tools)  script=llama-cpp-python.sh; env=(PORT=8088 TOOLS=1 LOGITS_ALL=1); extra=(--concurrency 1) ;;
  transformers-serve)      script=transformers-serve.sh; env=(PORT=8084) ;;
  litellm)                 script=litellm.sh;          env=(PORT=8085 BACKEND_URL=http://127.0.0.1:8086/v1)
                           backend="llama-server" embed_backend="llama-server-embeddings"
                           LITELLM_MASTER_KEY="sk-local-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
                           export LITELLM_MASTER_KEY API_KEY="$LITELLM_MASTER_KEY"
                           # the embedding model litellm.sh serves, routed to the llama-server on 8090
                           extra=(--api-key-env LITELLM_MASTER_KEY --embedding-model "local/smollm2-embed:latest") ;;
  # One request at a time: an n=2 request waits until both of xllamacpp's slots are free, and with other
  # requests in flight prop.chat.valid_requests timed out waiting (25 s by hand).
  xllamacpp)               script=xllamacpp.sh;        env=(PORT=8087); extra=(--concurrency 1) ;;
  local-tts)               script=local-tts.sh;        env=(PORT=8092); suite=(--speech-model tts-1) ;;
  faster-whisper)          script=faster-whisper.sh;   env=(PORT=8093); suite=(--transcription-model whisper-1) ;;
  litellm-media)           script=litellm-media.sh;    env=(PORT=8094)
                           backends=("local-tts.sh 8092" "faster-whisper.sh 8093")
                           suite=(--speech-model tts-1 --transcription-model whisper-1)
                           LITELLM_MASTER_KEY="sk-local-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
                           export LITELLM_MASTER_KEY API_KEY="$LITELLM_MASTER_KEY"
                           extra=(--api-key-env LITELLM_MASTER_KEY) ;;
  # Random weights: the images are noise, judged by their headers only (protocol checks).
  sd-server)               script=sd-server.sh;        env=(PORT=8095)
                           # one image at a time (the server holds a lock while it draws; ~14 s each here)
                           suite=(--image-model sd-cpp-local --concurrency 1 --timeout 300) ;;
  litellm-images)          script=litellm-images.sh;   env=(PORT=8096)
                           backends=("sd-server.sh 8095")
                           suite=(--image-model sd-image --concurrency 1 --timeout 300)
                           LITELLM_MASTER_KEY="sk-local-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
                           export LITELLM_MASTER_KEY API_KEY="$LITELLM_MASTER_KEY"
                           extra=(--api-key-env LITELLM_MASTER_KEY) ;;
  *) echo "record.sh: unknown recording '$name'" >&2; exit 2 ;;
esac

started=()
cleanup() {
  if [[ "${KEEP:-0}" != 1 ]]; then
    for s in "${started[@]}"; do env ${s} stop || true; done
  fi
}
trap cleanup EXIT

url=""
up() {  # up SCRIPT ENV...: install and start unless already answering; sets url, remembers what it started
  local script="$1"; shift
  env "$@" "$here/$script" install >&2
  local port
  port="$(printf '%s\n' "$@" | sed -n 's/^PORT=//p')"
  # a server without /v1/models (faster-whisper-server) answers /health
  local ready="http://127.0.0.1:$port/v1/models"
  [[ "$script" == faster-whisper.sh ]] && ready="http://127.0.0.1:$port/health"
  local -a auth=()
  [[ "$script" == litellm*.sh && -n "${API_KEY:-}" ]] && auth=(-H "Authorization: Bearer $API_KEY")
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${auth[@]}" "$ready")" != 200 ]]; then
    env "$@" "$here/$script" start >&2
    started+=("$* $here/$script")
  elif ! grep -q " port=$port .* running" <<<"$(env "$@" "$here/$script" status 2>/dev/null || true)"; then
    # (status is captured first: piped into grep -q, it dies of SIGPIPE when another instance is listed
    # after this one, and pipefail turned that into "not an instance")
    # another server answers on this port: recording it under this name would be a wrong recording
    echo "record.sh: port $port answers, but not as an instance of $script; stop what runs there first" >&2
    exit 1
  fi
  url="http://127.0.0.1:$port/v1"
}

if [[ -n "$backend" ]]; then
  up llama-server.sh PORT=8086
fi
if [[ -n "$embed_backend" ]]; then
  up llama-server.sh PORT=8090 EMBEDDINGS=1
fi
for b in "${backends[@]}"; do
  up "${b% *}" "PORT=${b#* }"
done
# Not in $(...): a subshell would forget which servers it started, and cleanup would leave them running.
up "$script" "${env[@]}"
version="$(env "${env[@]}" "$here/$script" version)"
if [[ -n "$backend" ]]; then
  version="$version; backend $(PORT=8086 "$here/llama-server.sh" version)"
fi
if [[ -n "$embed_backend" ]]; then
  version="$version; embeddings backend $(PORT=8090 "$here/llama-server.sh" version) --embeddings --pooling mean"
fi
for b in "${backends[@]}"; do
  version="$version; backend $(PORT="${b#* }" "$here/${b% *}" version)"
done

cd "$repo"
# The client matrix runs in the recording: its JavaScript clients come from the lock file (npm ci, registry only).
if [[ ! -d conformance/clients/node/node_modules ]] && command -v npm >/dev/null 2>&1; then
  (cd conformance/clients/node && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
fi
read -ra more <<<"${RECORD_ARGS:-}"
extra+=("${more[@]}")
live="$(mktemp -d)"
rm -rf "cassettes/$name"
echo "record.sh: recording $name ($version) at $url" >&2
set +e
oai-conformance run --base-url "$url" "${suite[@]}" --name "$name" --record "cassettes/$name" \
  --output "$live" --server-version "$version" "${extra[@]}"
rc=$?
set -e
# 0 and 1 are verdicts about the server; anything else means the recording itself is not usable.
if [[ $rc -gt 1 ]]; then
  echo "record.sh: the recording run ended with exit $rc; nothing rendered" >&2
  exit "$rc"
fi
# Local paths in answers (vLLM's model root, tracebacks) must not reach a bundled recording.
python3 "$here/scrub_paths.py" "cassettes/$name" \
  "${OAI_TARGETS_HOME:-$HOME/.cache/oai-conformance/targets}=\$OAI_TARGETS_HOME" "$repo=." "$HOME/=~/" >&2
rm -rf "reports/$name"
oai-conformance run --replay "cassettes/$name" --output "reports/$name" >/dev/null || true
echo "record.sh: cassettes/$name and reports/$name written (live run's own report: $live)" >&2
