// openai-node (the official TypeScript/JavaScript client) in every scenario it has a call for.
import { createReadStream } from "node:fs";
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import * as x from "./expect.mjs";

export const client = "openai";

function api(ctx) {
  return new OpenAI({ baseURL: ctx.baseURL, apiKey: ctx.apiKey, maxRetries: 0, timeout: ctx.timeoutMs });
}

const chat = (ctx, extra = {}) => ({
  model: ctx.model,
  messages: [{ role: "user", content: x.PROMPT }],
  temperature: 0,
  max_tokens: x.MAX_TOKENS,
  ...extra,
});

const tools = (ctx) => chat(ctx, {
  messages: [{ role: "user", content: x.TOOL_PROMPT }],
  max_tokens: x.TOOL_MAX_TOKENS,
  tools: [x.TOOL],
  tool_choice: x.TOOL_CHOICE,
});

function firstCall(message) {
  const call = message?.tool_calls?.[0];
  if (!call) throw new x.Wrong(`no tool call in the message: ${JSON.stringify(message).slice(0, 300)}`, message ?? null);
  return x.toolCall(call.function?.name, call.function?.arguments);
}

// The bundled speech file uploaded as applications do: a read stream, the client builds the form.
async function transcribe(ctx, responseFormat) {
  const result = await api(ctx).audio.transcriptions.create({
    model: ctx.transcriptionModel, file: createReadStream(ctx.audioFile), response_format: responseFormat,
  });
  // json gives {text}, text the body as a string: each as the client hands it over.
  return x.transcript(typeof result === "string" ? result : result?.text, ctx.spoken, responseFormat);
}

export const scenarios = {
  "chat.create": async (ctx) => {
    const completion = await api(ctx).chat.completions.create(chat(ctx));
    return x.text(completion.choices[0].message.content);
  },
  "chat.stream": async (ctx) => {
    const stream = await api(ctx).chat.completions.create(chat(ctx, { stream: true }));
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    return x.text(text);
  },
  // The helper accumulates the chunks into a completion and throws on deltas it cannot place.
  "chat.stream-helper": async (ctx) => {
    const stream = api(ctx).chat.completions.stream(chat(ctx));
    const completion = await stream.finalChatCompletion();
    return x.text(completion.choices[0].message.content);
  },
  // The same request up to N2_SAMPLES times: the order the two choices start in varies between answers.
  "chat.stream-n2": async (ctx) => {
    let value = null;
    for (let i = 0; i < x.N2_SAMPLES; i += 1) {
      const completion = await api(ctx).chat.completions.stream(chat(ctx, { n: 2, temperature: x.N2_TEMPERATURE }))
        .finalChatCompletion();
      value = x.twoChoices(completion.choices);
    }
    return value;
  },
  "chat.structured": async (ctx) => {
    const format = zodResponseFormat(z.object({ answer: z.enum(["yes", "no"]) }), "answer");
    const completion = await api(ctx).chat.completions.parse(chat(ctx, {
      messages: [{ role: "user", content: x.STRUCTURED_PROMPT }],
      max_tokens: x.STRUCTURED_MAX_TOKENS,
      response_format: format,
    }));
    return x.answer(completion.choices[0].message.parsed);
  },
  "chat.tools": async (ctx) => {
    const completion = await api(ctx).chat.completions.create(tools(ctx));
    return firstCall(completion.choices[0].message);
  },
  "chat.tools-stream": async (ctx) => {
    const stream = api(ctx).chat.completions.stream(tools(ctx));
    const completion = await stream.finalChatCompletion();
    return firstCall(completion.choices[0].message);
  },
  "completions.create": async (ctx) => {
    const completion = await api(ctx).completions.create({
      model: ctx.model, prompt: x.COMPLETION_PROMPT, temperature: 0, max_tokens: x.MAX_TOKENS,
    });
    return x.text(completion.choices[0].text);
  },
  "completions.stream": async (ctx) => {
    const stream = await api(ctx).completions.create({
      model: ctx.model, prompt: x.COMPLETION_PROMPT, temperature: 0, max_tokens: x.MAX_TOKENS, stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    return x.text(text);
  },
  "responses.create": async (ctx) => {
    const response = await api(ctx).responses.create({
      model: ctx.model, input: x.PROMPT, temperature: 0, max_output_tokens: x.RESPONSE_MAX_TOKENS,
    });
    return x.text(response.output_text);
  },
  // The helper accumulates the events into the final response and throws on events it cannot place.
  "responses.stream": async (ctx) => {
    const stream = api(ctx).responses.stream({
      model: ctx.model, input: x.PROMPT, temperature: 0, max_output_tokens: x.RESPONSE_MAX_TOKENS,
    });
    return x.text((await stream.finalResponse()).output_text);
  },
  // The client's default format (mp3 unless asked), as applications call it.
  "speech.create": async (ctx) => {
    const response = await api(ctx).audio.speech.create({ model: ctx.speechModel, voice: "alloy", input: x.SPEECH_INPUT });
    return x.audio(new Uint8Array(await response.arrayBuffer()));
  },
  "transcription.json": (ctx) => transcribe(ctx, "json"),
  "transcription.text": (ctx) => transcribe(ctx, "text"),
  // One b64_json image, decoded as an application does, and read from its header.
  "images.generate": async (ctx) => {
    const response = await api(ctx).images.generate({
      model: ctx.imageModel, prompt: x.IMAGE_PROMPT, n: 1, size: x.IMAGE_SIZE, response_format: "b64_json",
    });
    const b64 = response.data?.[0]?.b64_json;
    if (!b64) throw new x.Wrong(`no b64_json image in the response: ${JSON.stringify(response).slice(0, 300)}`, null);
    return x.image(new Uint8Array(Buffer.from(b64, "base64")));
  },
  // The client's own default encoding (base64, decoded by the client), as applications call it.
  "embeddings.create": async (ctx) => {
    const response = await api(ctx).embeddings.create({ model: ctx.embeddingModel, input: x.EMBED_INPUT });
    return x.vectors(response.data.map((d) => d.embedding));
  },
};
