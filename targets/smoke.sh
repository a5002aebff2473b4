#!/usr/bin/env bash
# Quick curl checks against a running target: targets/smoke.sh BASE_URL [API_KEY]
#   e.g. targets/smoke.sh http://127.0.0.1:8081/v1
# Prints one line per check (what came back, briefly); full responses go to $OUT (default a temp folder).
# Not a conformance test: it shows what a server does with each feature. SKIP_TOOLS=1 / EMBEDDINGS=1 adjust.
set -euo pipefail
BASE="${1:?usage: smoke.sh BASE_URL [API_KEY]}"
KEY="${2:-${API_KEY:-}}"
OUT="${OUT:-$(mktemp -d -t oai-smoke.XXXXXX)}"
MODEL="${MODEL:-smollm2}"
PY="${PYTHON:-python3}"
auth=(); [[ -n "$KEY" ]] && auth=(-H "Authorization: Bearer $KEY")

req() { # name path json  -> writes $OUT/name.txt, prints "HTTP code"
  local name="$1" path="$2" body="$3"
  curl -s -o "$OUT/$name.txt" -w '%{http_code}' --max-time 120 "${auth[@]}" \
    -H 'Content-Type: application/json' -d "$body" "$BASE$path" || echo 000
}
summ() { # name code python-expression-over-j (parsed JSON) or 'sse'
  "$PY" - "$OUT/$1.txt" "$1" "$2" "$3" <<'PYEOF'
import json, sys
path, name, code, expr = sys.argv[1:5]
raw = open(path, encoding="utf-8", errors="replace").read()
try:
    if expr.startswith("sse:"):
        events = [l[5:].strip() for l in raw.splitlines() if l.startswith("data:")]
        done = bool(events) and events[-1] == "[DONE]"
        chunks = [json.loads(e) for e in events if e != "[DONE]"]
        j = {"chunks": chunks, "done": done}
        res = eval(expr[4:], {"j": j, "json": json})
    else:
        j = json.loads(raw)
        res = eval(expr, {"j": j, "json": json})
except Exception as e:
    res = f"(could not read: {type(e).__name__}: {e}) body: {raw[:300]!r}"
print(f"{name:24s} HTTP {code}  {res}")
PYEOF
}
msg='"messages":[{"role":"user","content":"Name three colors."}]'
tools='"tools":[{"type":"function","function":{"name":"get_weather","description":"Get the current weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]'
wmsg='"messages":[{"role":"user","content":"What is the weather in Paris?"}]'

c=$(curl -s -o "$OUT/models.txt" -w '%{http_code}' --max-time 10 "${auth[@]}" "$BASE/models" || echo 000)
summ models "$c" '[m["id"] for m in j["data"]]'
c=$(req chat /chat/completions "{\"model\":\"$MODEL\",$msg,\"max_tokens\":24,\"temperature\":0}")
summ chat "$c" '(j["choices"][0]["finish_reason"], j["choices"][0]["message"]["content"][:60], j.get("usage"))'
c=$(req stream /chat/completions "{\"model\":\"$MODEL\",$msg,\"max_tokens\":24,\"stream\":true}")
summ stream "$c" 'sse:(len(j["chunks"]), "[DONE]" if j["done"] else "no [DONE]", "".join((ch["choices"][0]["delta"].get("content") or "") for ch in j["chunks"] if ch.get("choices"))[:50])'
c=$(req stream_usage /chat/completions "{\"model\":\"$MODEL\",$msg,\"max_tokens\":16,\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
summ stream_usage "$c" 'sse:("last chunk choices=%r usage=%r" % (j["chunks"][-1].get("choices"), j["chunks"][-1].get("usage")))'
c=$(req logprobs /chat/completions "{\"model\":\"$MODEL\",$msg,\"max_tokens\":5,\"logprobs\":true,\"top_logprobs\":2}")
summ logprobs "$c" '"content[0]=%s" % json.dumps((j["choices"][0].get("logprobs") or {}).get("content", [None])[0])[:160]'
c=$(req n2 /chat/completions "{\"model\":\"$MODEL\",$msg,\"max_tokens\":8,\"n\":2,\"temperature\":1}")
summ n2 "$c" '"choices=%d %r" % (len(j["choices"]), [c["index"] for c in j["choices"]]) if "choices" in j else j'
c=$(req json_object /chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"Give a JSON object with a key color.\"}],\"max_tokens\":40,\"response_format\":{\"type\":\"json_object\"}}")
summ json_object "$c" '(lambda s: (s[:70], "valid JSON" if (lambda: json.loads(s))() is not None else ""))(j["choices"][0]["message"]["content"]) if "choices" in j else j'
c=$(req seed /chat/completions "{\"model\":\"$MODEL\",$msg,\"max_tokens\":8,\"seed\":7,\"temperature\":1}")
summ seed "$c" 'j["choices"][0]["message"]["content"][:50] if "choices" in j else j'
c=$(req completions /completions "{\"model\":\"$MODEL\",\"prompt\":\"The capital of France is\",\"max_tokens\":8,\"temperature\":0}")
summ completions "$c" '(j["choices"][0]["text"][:50], j.get("usage")) if "choices" in j else j'
if [[ "${SKIP_TOOLS:-0}" != 1 ]]; then
  c=$(req tools_required /chat/completions "{\"model\":\"$MODEL\",$wmsg,$tools,\"tool_choice\":\"required\",\"max_tokens\":60,\"temperature\":0}")
  summ tools_required "$c" '(j["choices"][0]["finish_reason"], j["choices"][0]["message"].get("tool_calls"), j["choices"][0]["message"].get("content")) if "choices" in j else j'
  c=$(req tools_named /chat/completions "{\"model\":\"$MODEL\",$wmsg,$tools,\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},\"max_tokens\":60,\"temperature\":0}")
  summ tools_named "$c" '(j["choices"][0]["finish_reason"], j["choices"][0]["message"].get("tool_calls"), j["choices"][0]["message"].get("content")) if "choices" in j else j'
  c=$(req tools_auto /chat/completions "{\"model\":\"$MODEL\",$wmsg,$tools,\"max_tokens\":60,\"temperature\":0}")
  summ tools_auto "$c" '(j["choices"][0]["finish_reason"], j["choices"][0]["message"].get("tool_calls"), (j["choices"][0]["message"].get("content") or "")[:80]) if "choices" in j else j'
  c=$(req tools_stream /chat/completions "{\"model\":\"$MODEL\",$wmsg,$tools,\"tool_choice\":\"required\",\"max_tokens\":60,\"temperature\":0,\"stream\":true}")
  summ tools_stream "$c" 'sse:("tool_call deltas=%d finish=%r" % (sum(1 for ch in j["chunks"] for c in ch.get("choices", []) if c["delta"].get("tool_calls")), [c.get("finish_reason") for ch in j["chunks"] for c in ch.get("choices", []) if c.get("finish_reason")]))'
  c=$(req tool_result /chat/completions "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather in Paris?\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18 C, sunny\"}],$tools,\"max_tokens\":40,\"temperature\":0}")
  summ tool_result "$c" '(j["choices"][0]["finish_reason"], (j["choices"][0]["message"].get("content") or "")[:80], j["choices"][0]["message"].get("tool_calls")) if "choices" in j else j'
fi
if [[ "${EMBEDDINGS:-0}" == 1 ]]; then
  c=$(req embeddings /embeddings "{\"model\":\"$MODEL\",\"input\":[\"hello\",\"world\"]}")
  summ embeddings "$c" '"n=%d dim=%d" % (len(j["data"]), len(j["data"][0]["embedding"])) if "data" in j else j'
fi
echo "responses in $OUT"
