// Genkit with @genkit-ai/compat-oai, configured as its documentation shows for an OpenAI-compatible server.
import { readFileSync } from "node:fs";
import { genkit, z } from "genkit";
import {
  openAICompatible, defineCompatOpenAIEmbedder, defineCompatOpenAIModel, compatOaiModelRef,
  defineCompatOpenAISpeechModel, defineCompatOpenAITranscriptionModel, defineCompatOpenAIImageModel,
} from "@genkit-ai/compat-oai";
import * as x from "./expect.mjs";

export const client = "@genkit-ai/compat-oai";

const NAME = "target";
const MODEL_INFO = {
  supports: { multiturn: true, tools: true, toolChoice: true, systemRole: true, output: ["text", "json"], constrained: "all" },
};

function ai(ctx) {
  const options = { name: NAME, baseURL: ctx.baseURL, apiKey: ctx.apiKey, maxRetries: 0, timeout: ctx.timeoutMs };
  // The model and embedder are declared up front, as the plugin's documentation does for custom models: the
  // model says it takes JSON output natively, so output schemas go to the server as response_format.
  options.initializer = async (client) => [
    ...(ctx.model ? [defineCompatOpenAIModel({
      name: ctx.model, client, pluginOptions: options,
      modelRef: compatOaiModelRef({ name: ctx.model, namespace: NAME, info: MODEL_INFO }),
    })] : []),
    ...(ctx.embeddingModel ? [defineCompatOpenAIEmbedder({ name: ctx.embeddingModel, client, pluginOptions: options })] : []),
    ...(ctx.speechModel ? [defineCompatOpenAISpeechModel({ name: ctx.speechModel, client, pluginOptions: options })] : []),
    ...(ctx.transcriptionModel
      ? [defineCompatOpenAITranscriptionModel({ name: ctx.transcriptionModel, client, pluginOptions: options })] : []),
    ...(ctx.imageModel ? [defineCompatOpenAIImageModel({ name: ctx.imageModel, client, pluginOptions: options })] : []),
  ];
  return genkit({ plugins: [openAICompatible(options)] });
}

// compat-oai passes unknown config keys through to the request body: max_tokens and tool_choice go that way.
// It also deletes every falsy key from the body, so `temperature: 0` never reaches the server and the answer
// is sampled at the server's default. GREEDY is the nearest to 0 that survives: llama.cpp answers as at 0, but
// vLLM does not treat it as greedy (its answers at 1e-6 differed from those at 0, 3 of 3 by curl), so Genkit's
// cells on vLLM can still vary between runs.
const GREEDY = 1e-6;
const request = (ctx, extra = {}) => ({
  model: `${NAME}/${ctx.model}`,
  prompt: x.PROMPT,
  config: { temperature: GREEDY, max_tokens: x.MAX_TOKENS },
  ...extra,
});

function weatherTool(instance) {
  return instance.defineTool(
    { name: x.TOOL.function.name, description: x.TOOL.function.description,
      inputSchema: z.object({ city: z.string() }), outputSchema: z.string() },
    async () => "sunny",
  );
}

// Forced with "required", not by name: compat-oai reads a call's arguments only when finish_reason is
// "tool_calls", and OpenAI itself answers a named tool_choice with "stop" (so a named choice breaks Genkit on
// every server, OpenAI's included, and says nothing about the target).
const tools = (ctx, instance) => request(ctx, {
  prompt: x.TOOL_PROMPT,
  tools: [weatherTool(instance)],
  returnToolRequests: true,
  config: { temperature: GREEDY, max_tokens: x.TOOL_MAX_TOKENS, tool_choice: "required" },
});

function firstRequest(response) {
  const part = response.toolRequests?.[0];
  if (!part) throw new x.Wrong(`no tool request in the response: ${JSON.stringify(response.message?.content ?? null).slice(0, 300)}`, response.message?.content ?? null);
  return x.toolCall(part.toolRequest.name, part.toolRequest.input);
}

export const notOffered = {
  "chat.stream-helper": "Genkit's streaming is openai-node's stream helper inside compat-oai: chat.stream is that cell",
  "chat.stream-n2": "ai.generate returns one candidate: Genkit has no n",
  "completions.create": "compat-oai has no model for /v1/completions",
  "completions.stream": "compat-oai has no model for /v1/completions",
  "responses.create": "compat-oai's models speak /v1/chat/completions only",
  "responses.stream": "compat-oai's models speak /v1/chat/completions only",
};

async function transcribe(ctx, responseFormat) {
  const audio = readFileSync(ctx.audioFile).toString("base64");
  const response = await ai(ctx).generate({
    model: `${NAME}/${ctx.transcriptionModel}`,
    prompt: [{ media: { contentType: "audio/mpeg", url: `data:audio/mpeg;base64,${audio}` } }],
    ...(responseFormat === "text" ? {} : { config: { response_format: responseFormat } }),
  });
  return x.transcript(response.text, ctx.spoken, responseFormat);
}

export const scenarios = {
  "chat.create": async (ctx) => x.text((await ai(ctx).generate(request(ctx))).text),
  "chat.stream": async (ctx) => {
    const { stream, response } = ai(ctx).generateStream(request(ctx));
    let text = "";
    for await (const chunk of stream) text += chunk.text;
    const final = await response;
    if (final.text !== text) throw new x.Wrong(`streamed ${JSON.stringify(text)} but the response says ${JSON.stringify(final.text)}`, { streamed: text, response: final.text });
    return x.text(final.text);
  },
  "chat.structured": async (ctx) => {
    const response = await ai(ctx).generate(request(ctx, {
      prompt: x.STRUCTURED_PROMPT,
      output: { schema: z.object({ answer: z.enum(["yes", "no"]) }), constrained: true },
      config: { temperature: GREEDY, max_tokens: x.STRUCTURED_MAX_TOKENS },
    }));
    return x.answer(response.output);
  },
  "chat.tools": async (ctx) => {
    const instance = ai(ctx);
    return firstRequest(await instance.generate(tools(ctx, instance)));
  },
  "chat.tools-stream": async (ctx) => {
    const instance = ai(ctx);
    const { stream, response } = instance.generateStream(tools(ctx, instance));
    for await (const _ of stream);
    return firstRequest(await response);
  },
  // Genkit hands the audio back as a data URL labelled with the format it asked for (mp3 unless configured).
  "speech.create": async (ctx) => {
    const response = await ai(ctx).generate({ model: `${NAME}/${ctx.speechModel}`, prompt: x.SPEECH_INPUT, config: { voice: "alloy" } });
    const media = response.media;
    if (!media?.url?.startsWith("data:")) throw new x.Wrong(`no audio in the response: ${JSON.stringify(media ?? null)}`, media ?? null);
    const bytes = Buffer.from(media.url.slice(media.url.indexOf(",") + 1), "base64");
    return x.audio(new Uint8Array(bytes), media.contentType);
  },
  // The audio goes in as a media part (a data URL), as Genkit's OpenAI page shows for whisper-1; compat-oai asks
  // response_format "text" unless configured, and hands the transcript back as the response's text.
  "transcription.json": (ctx) => transcribe(ctx, "json"),
  "transcription.text": (ctx) => transcribe(ctx, "text"),
  // Genkit hands the image back as a data URL; compat-oai labels every image image/png whatever its bytes are.
  "images.generate": async (ctx) => {
    const response = await ai(ctx).generate({
      model: `${NAME}/${ctx.imageModel}`, prompt: x.IMAGE_PROMPT, config: { size: x.IMAGE_SIZE },
    });
    const media = response.media;
    if (!media?.url?.startsWith("data:")) throw new x.Wrong(`no image in the response: ${JSON.stringify(media ?? null).slice(0, 300)}`, media ?? null);
    const bytes = Buffer.from(media.url.slice(media.url.indexOf(",") + 1), "base64");
    return x.image(new Uint8Array(bytes), media.contentType);
  },
  "embeddings.create": async (ctx) => {
    const result = await ai(ctx).embed({ embedder: `${NAME}/${ctx.embeddingModel}`, content: x.EMBED_INPUT });
    return x.vectors(result.map((e) => e.embedding));
  },
};
