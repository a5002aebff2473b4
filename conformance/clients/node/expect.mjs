// What every scenario expects of a client's result: the same bar in every language (see conformance/clients/expect.py).
export class Wrong extends Error {
  constructor(message, value) {
    super(message);
    this.name = "Wrong";
    this.value = value;
  }
}

// The fixed requests: temperature 0, small token limits, forced tool calls.
export const PROMPT = "Say hello in one short sentence.";
export const COMPLETION_PROMPT = "The capital of France is";
export const MAX_TOKENS = 16;
export const STRUCTURED_PROMPT = 'Is Paris in France? Answer with JSON {"answer": "yes"} or {"answer": "no"}.';
export const STRUCTURED_MAX_TOKENS = 64;
export const ANSWER_SCHEMA = {
  type: "object",
  properties: { answer: { type: "string", enum: ["yes", "no"] } },
  required: ["answer"],
  additionalProperties: false,
};
export const TOOL_PROMPT = "What is the weather in Paris?";
export const TOOL_MAX_TOKENS = 64;
export const TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    },
  },
};
export const TOOL_CHOICE = { type: "function", function: { name: "get_weather" } };
export const EMBED_INPUT = "The quick brown fox";

export function text(value) {
  if (typeof value !== "string" || value.length === 0) {
    throw new Wrong(`expected non-empty text, got ${JSON.stringify(value)}`, value ?? null);
  }
  return value;
}

export function answer(value) {
  const ok = value && typeof value === "object" && ["yes", "no"].includes(value.answer);
  if (!ok) throw new Wrong(`expected an object {answer: "yes"|"no"}, got ${JSON.stringify(value)}`, value ?? null);
  return value;
}

// name and arguments (a JSON string or an already-parsed object) of one forced get_weather call.
export function toolCall(name, args) {
  let parsed = args;
  if (typeof args === "string") {
    try {
      parsed = JSON.parse(args);
    } catch {
      throw new Wrong(`tool call arguments are not JSON: ${JSON.stringify(args)}`, { name, arguments: args });
    }
  }
  const value = { name, arguments: parsed };
  if (name !== "get_weather") throw new Wrong(`expected a call of get_weather, got ${JSON.stringify(name)}`, value);
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed) || typeof parsed.city !== "string") {
    throw new Wrong(`expected arguments {city: string}, got ${JSON.stringify(parsed)}`, value);
  }
  return value;
}

export function vectors(list) {
  const ok = Array.isArray(list) && list.length > 0 &&
    list.every((v) => (Array.isArray(v) || ArrayBuffer.isView(v)) && v.length > 0 && Array.from(v).every(Number.isFinite));
  const value = Array.isArray(list)
    ? { count: list.length, dimensions: list[0]?.length ?? null, head: list[0] ? Array.from(list[0]).slice(0, 3) : null }
    : list ?? null;
  if (!ok) throw new Wrong(`expected non-empty vectors of finite numbers, got ${JSON.stringify(value).slice(0, 300)}`, value);
  return value;
}

// Two choices, indexes 0 and 1, each with text.
export function twoChoices(choices) {
  const value = (choices ?? []).map((c) => ({ index: c.index, content: c.message?.content ?? null }));
  if (value.length !== 2 || value.some((c, i) => c.index !== i || typeof c.content !== "string" || !c.content)) {
    throw new Wrong(`expected 2 choices with text (n=2), got ${JSON.stringify(value)}`, value);
  }
  return value;
}

export const SPEECH_INPUT = "Hello.";
export const RESPONSE_MAX_TOKENS = 16; // the least max_output_tokens OpenAI takes
const MAGIC = [["RIFF", "wav"], ["ID3", "mp3"], ["\xff\xfb", "mp3"], ["\xff\xf3", "mp3"], ["\xff\xf2", "mp3"],
  ["fLaC", "flac"], ["OggS", "opus"], ["\xff\xf1", "aac"], ["\xff\xf9", "aac"]];
// The media type each format is labelled with (what a client that labels audio should say).
const MEDIA = { wav: ["audio/wav", "audio/x-wav", "audio/wave"], mp3: ["audio/mpeg", "audio/mp3"], flac: ["audio/flac"],
  opus: ["audio/opus", "audio/ogg"], aac: ["audio/aac"] };

export function audioFormat(bytes) {
  const head = Array.from(bytes.slice(0, 4), (b) => String.fromCharCode(b)).join("");
  return MAGIC.find(([magic]) => head.startsWith(magic))?.[1] ?? "unknown";
}

// Non-empty audio bytes; when the client labels them (contentType), the label must match what they are.
export function audio(bytes, contentType = null) {
  if (!bytes || bytes.length === 0) throw new Wrong(`expected audio bytes, got ${bytes?.length ?? 0} bytes`, null);
  const value = { bytes: bytes.length, format: audioFormat(bytes), ...(contentType ? { contentType } : {}) };
  const known = MEDIA[value.format];
  if (contentType && known && !known.includes(contentType.split(";")[0].trim())) {
    throw new Wrong(`the client labels the audio ${contentType}, but the bytes are ${value.format}`, value);
  }
  return value;
}
