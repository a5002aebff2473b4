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
// As the suite's own tool checks (80): at 64 vLLM cut a forced call it completes in 36 tokens at 80 (3 of 3 by curl).
export const TOOL_MAX_TOKENS = 80;
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
  // A JSON object is what clients need to hand the arguments on. Which keys the model wrote is its own wit:
  // without strict: true OpenAI does not promise the function's schema either.
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Wrong(`tool call arguments are JSON but not an object: ${JSON.stringify(parsed)}`, value);
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
  // No text embeds to the origin: all zeros is what decoding an answer of another shape gives (openai-node reads
  // llama-cpp-python's per-token lists, asked for base64 by default, as the one vector [0]). Same bar as expect.py.
  if (list.some((v) => Array.from(v).every((x) => x === 0))) {
    throw new Wrong(`a vector of zeros only, which carries nothing: ${JSON.stringify(value).slice(0, 300)}`, value);
  }
  return value;
}

// Two choices, indexes 0 and 1, each with text.
// How often the n=2 stream scenario is sent: the order a server starts the two choices in varies from answer to
// answer (llama-server began with choice 1 in 16 of 17 tries), and a stream helper breaks on one order only.
export const N2_SAMPLES = 3;
// Its temperature: two choices at temperature 0 are the same answer twice (applications sample), and vLLM refuses
// them ("n must be 1 when using greedy sampling"), which left its cells judging that refusal, not the helper.
export const N2_TEMPERATURE = 1;

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

// What the transcription checks allow a tiny model to mishear (conformance/checks/audio/transcription.py).
export const MAX_WER = 0.5;
// The image the image checks ask for: their prompt and their cheapest size (conformance/checks/images/common.py).
export const IMAGE_PROMPT = "A red square on a white background.";
export const IMAGE_SIZE = "64x64";
const IMAGE_MEDIA = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp" };

const words = (text) => text.toLowerCase().match(/[a-z0-9']+/g) ?? [];

// (substitutions + deletions + insertions) / words expected: conformance/checks/audio/common.py's word_error_rate.
export function wordErrorRate(expected, heard) {
  const ref = words(expected);
  const hyp = words(heard);
  let row = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const next = [i];
    for (let j = 1; j <= hyp.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (ref[i - 1] !== hyp[j - 1] ? 1 : 0));
    }
    row = next;
  }
  return row[hyp.length] / Math.max(ref.length, 1);
}

// The transcript holds the spoken words; a text format handed back as the server's JSON body is wrong.
export function transcript(value, spoken, responseFormat) {
  if (typeof value !== "string" || !value.trim()) {
    throw new Wrong(`expected a non-empty transcript, got ${JSON.stringify(value ?? null)?.slice(0, 300)}`, value ?? null);
  }
  const shown = { text: value.slice(0, 300) };
  if (responseFormat === "text" && value.trimStart().startsWith("{")) {
    let body = null;
    try {
      body = JSON.parse(value);
    } catch {
      body = null;
    }
    if (body && typeof body === "object" && !Array.isArray(body) && "text" in body) {
      throw new Wrong(`response_format text, but the client hands back a JSON body as the transcript: ${value.slice(0, 200)}`, shown);
    }
  }
  const wer = wordErrorRate(spoken, value);
  shown.word_error_rate = Math.round(wer * 1000) / 1000;
  if (wer > MAX_WER) {
    throw new Wrong(`word error rate ${wer.toFixed(2)} against the uploaded sentence (heard ${JSON.stringify(value.slice(0, 120))})`, shown);
  }
  return shown;
}

const u16be = (b, at) => (b[at] << 8) | b[at + 1];
const u32be = (b, at) => ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
const u24le = (b, at) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);

// Format and size from the header (PNG, JPEG, WebP): conformance/checks/images/decode.py, without alpha.
export function imageInfo(b) {
  const head = Array.from(b.slice(0, 16), (c) => String.fromCharCode(c)).join("");
  if (head.startsWith("\x89PNG\r\n\x1a\n")) {
    if (b.length < 33 || head.slice(12, 16) !== "IHDR") throw new Error("a PNG signature without an IHDR chunk");
    return { format: "png", width: u32be(b, 16), height: u32be(b, 20) };
  }
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    let at = 2;
    while (at + 4 <= b.length) {
      if (b[at] !== 0xff) throw new Error(`a JPEG whose segment at byte ${at} does not start with a marker`);
      const marker = b[at + 1];
      if (marker === 0xff) { at += 1; continue; }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; }
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker) && at + 9 <= b.length) {
        return { format: "jpeg", width: u16be(b, at + 7), height: u16be(b, at + 5) };
      }
      if (marker === 0xda) break;
      at += 2 + u16be(b, at + 2);
    }
    throw new Error("a JPEG without a start-of-frame segment (no size)");
  }
  if (head.startsWith("RIFF") && head.slice(8, 12) === "WEBP") {
    const kind = head.slice(12, 16);
    if (kind === "VP8X" && b.length >= 30) return { format: "webp", width: 1 + u24le(b, 24), height: 1 + u24le(b, 27) };
    if (kind === "VP8L" && b.length >= 25 && b[20] === 0x2f) {
      const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
      return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (kind === "VP8 " && b.length >= 30 && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
      return { format: "webp", width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff };
    }
    throw new Error(`a WebP file whose first chunk ${JSON.stringify(kind)} gives no readable size`);
  }
  throw new Error(`${b.length} bytes that start ${JSON.stringify(head.slice(0, 12))}: not a PNG, JPEG or WebP image`);
}

// Image bytes whose header reads; when the client labels them (contentType), the label must match what they are.
export function image(bytes, contentType = null) {
  if (!bytes || bytes.length === 0) throw new Wrong(`expected image bytes, got ${bytes?.length ?? 0} bytes`, null);
  let info;
  try {
    info = imageInfo(bytes);
  } catch (err) {
    throw new Wrong(`the client's image is not one: ${err.message}`, { bytes: bytes.length });
  }
  if (!(info.width > 0 && info.height > 0)) {
    throw new Wrong(`the client's image is not one: a ${info.format.toUpperCase()} header with size ${info.width}x${info.height}`, { bytes: bytes.length });
  }
  const value = { bytes: bytes.length, format: info.format, size: `${info.width}x${info.height}`, ...(contentType ? { contentType } : {}) };
  if (contentType && contentType.split(";")[0].trim().toLowerCase() !== IMAGE_MEDIA[info.format]) {
    throw new Wrong(`the client labels the image ${contentType}, but the bytes are ${info.format}`, value);
  }
  return value;
}
