// ModelFusion's openaicompatible provider: ChatTextGenerator, CompletionTextGenerator and TextEmbedder, as its
// documentation shows for an OpenAI-compatible server.
import {
  BaseUrlApiConfiguration, embed, generateText, generateToolCall, openaicompatible, retryNever, streamText, zodSchema,
} from "modelfusion";
import { z } from "zod";
import * as x from "./expect.mjs";

export const client = "modelfusion";

function api(ctx) {
  return new BaseUrlApiConfiguration({
    baseUrl: ctx.baseURL, headers: { Authorization: `Bearer ${ctx.apiKey}` }, retry: retryNever(),
  });
}

const chatModel = (ctx, extra = {}) => openaicompatible.ChatTextGenerator({
  api: api(ctx), provider: "openaicompatible", model: ctx.model, temperature: 0, maxGenerationTokens: x.MAX_TOKENS,
  ...extra,
});

const completionModel = (ctx) => openaicompatible.CompletionTextGenerator({
  api: api(ctx), provider: "openaicompatible", model: ctx.model, temperature: 0, maxGenerationTokens: x.MAX_TOKENS,
});

async function collect(stream) {
  let text = "";
  for await (const piece of stream) text += piece;
  return text;
}

export const notOffered = {
  "chat.stream-helper": "ModelFusion has no stream helper: its streamText is chat.stream",
  "chat.stream-n2": "streamText streams one choice (numberOfGenerations is for generateText)",
  "chat.structured": "openaicompatible has no json_schema response format (generateObject prompts for JSON instead)",
  "chat.tools-stream": "ModelFusion generates tool calls without streaming",
  "responses.create": "ModelFusion predates /v1/responses",
  "responses.stream": "ModelFusion predates /v1/responses",
  "speech.create": "openaicompatible has no speech model (ModelFusion's speech models are OpenAI's, ElevenLabs' and LMNT's)",
  // openai.Transcriber and openai.ImageGenerator take a base URL, but they are OpenAI's own models, not the
  // openaicompatible provider ModelFusion documents for other servers: the transcriber asks verbose_json only and
  // validates whisper-1's segment fields, and the image generator sends no model at all.
  "transcription.json": "openaicompatible has no transcription model (ModelFusion's transcribers are OpenAI's whisper-1 and whisper.cpp's own API)",
  "transcription.text": "openaicompatible has no transcription model (ModelFusion's transcribers are OpenAI's whisper-1 and whisper.cpp's own API)",
  "images.generate": "openaicompatible has no image model (ModelFusion's openai.ImageGenerator sends no model: it is for OpenAI's DALL-E)",
};

export const scenarios = {
  "chat.create": async (ctx) => x.text(await generateText({ model: chatModel(ctx).withTextPrompt(), prompt: x.PROMPT })),
  "chat.stream": async (ctx) => x.text(await collect(await streamText({ model: chatModel(ctx).withTextPrompt(), prompt: x.PROMPT }))),
  // ModelFusion sends tool_choice naming the tool: a forced call, like the other clients' scenario.
  "chat.tools": async (ctx) => {
    const tool = {
      name: x.TOOL.function.name, description: x.TOOL.function.description,
      parameters: zodSchema(z.object({ city: z.string() })),
    };
    const call = await generateToolCall({
      model: chatModel(ctx, { maxGenerationTokens: x.TOOL_MAX_TOKENS }).withTextPrompt(), tool, prompt: x.TOOL_PROMPT,
    });
    return x.toolCall(call.name, call.args);
  },
  "completions.create": async (ctx) => x.text(await generateText({ model: completionModel(ctx), prompt: x.COMPLETION_PROMPT })),
  "completions.stream": async (ctx) => x.text(await collect(await streamText({ model: completionModel(ctx), prompt: x.COMPLETION_PROMPT }))),
  "embeddings.create": async (ctx) => {
    const model = openaicompatible.TextEmbedder({ api: api(ctx), provider: "openaicompatible", model: ctx.embeddingModel });
    return x.vectors([await embed({ model, value: x.EMBED_INPUT })]);
  },
};
