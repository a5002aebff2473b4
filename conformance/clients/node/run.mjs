// Runs one client's scenarios and prints one JSON line per scenario (the protocol of conformance/clients/runner.py).
//
//   node run.mjs SCENARIO_FILE < configs (one JSON config a line)
//
// config: {client, model, embedding_model, speech_model, transcription_model, image_model, audio_file, spoken, api_key,
//          scenarios: [{id, base_url, skip?}], timeout_s}
// A scenario file exports `client` (the npm package whose version is reported), `scenarios` (id -> async
// function(ctx) returning the value it got, throwing what the client threw or a Wrong for a wrong value) and
// optionally `notOffered` (id -> why the client has no such call).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import path from "node:path";

const require = createRequire(import.meta.url);
const MAX_TEXT = 2000;

function version(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    // Packages whose exports hide package.json: read it from node_modules directly.
    const file = path.join(path.dirname(new URL(import.meta.url).pathname), "node_modules", pkg, "package.json");
    return JSON.parse(readFileSync(file, "utf8")).version;
  }
}

// "TypeError: Cannot read properties of undefined (reading 'index')", with causes a client wraps.
function describe(err) {
  if (!(err instanceof Error)) return String(err).slice(0, MAX_TEXT);
  let text = `${err.constructor?.name || err.name || "Error"}: ${err.message}`;
  let cause = err.cause;
  for (let depth = 0; cause && depth < 3; depth++) {
    text += ` (caused by ${cause.constructor?.name || "Error"}: ${cause.message ?? String(cause)})`;
    cause = cause.cause;
  }
  return text.slice(0, MAX_TEXT);
}

// Where in the client the exception was thrown: the first stack frame inside node_modules.
function where(err) {
  const stack = err instanceof Error && typeof err.stack === "string" ? err.stack.split("\n").slice(1) : [];
  const frame = stack.find((l) => l.includes("node_modules"));
  return frame ? frame.trim().replace(/^at /, "").replace(/(^|\()[^()]*node_modules\//, "$1").slice(0, 300) : null;
}

function line(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

async function main() {
  const file = path.resolve(process.argv[2]);
  // The client first, the config after: a process started ahead of the matrix loads its client while the checks run.
  const mod = await import(pathToFileURL(file).href);
  const ver = version(mod.client);
  // One config a line, until stdin ends: a process kept warm serves the next run's config too.
  for await (const raw of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (!raw.trim()) continue;
    // While a config runs, stdin alone does not keep the process alive: a client that leaves a promise unsettled
    // with nothing left to wait for ends the process (exit 0), as it does with no more input to read.
    process.stdin.unref?.();
    await run(mod, ver, JSON.parse(raw));
    process.stdin.ref?.();
  }
}

async function run(mod, ver, config) {
  const pkg = mod.client;
  for (const { id, base_url, skip } of config.scenarios) {
    const base = { client: config.client, version: ver, scenario: id };
    const fn = mod.scenarios[id];
    if (!fn) {
      line({ ...base, outcome: "not-offered", value: null, exception: null,
             reason: mod.notOffered?.[id] ?? `${pkg} has no call for this scenario` });
      continue;
    }
    if (skip) {
      line({ ...base, outcome: "untested", value: null, exception: null, reason: skip });
      continue;
    }
    const ctx = { baseURL: base_url, apiKey: config.api_key, model: config.model,
                  embeddingModel: config.embedding_model, speechModel: config.speech_model,
                  transcriptionModel: config.transcription_model, imageModel: config.image_model,
                  audioFile: config.audio_file, spoken: config.spoken, timeoutMs: config.timeout_s * 1000 };
    try {
      const value = await fn(ctx);
      line({ ...base, outcome: "works", value: value ?? null, exception: null, reason: null });
    } catch (err) {
      const wrong = err?.name === "Wrong";
      line({ ...base, outcome: "breaks", value: wrong ? err.value ?? null : null,
             exception: wrong ? null : describe(err), where: wrong ? null : where(err),
             reason: wrong ? err.message : null });
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`run.mjs: ${err?.stack || err}\n`);
    process.exit(70);
  },
);
