// A client whose call never settles and leaves nothing to wait for: its process ends (exit 0), as ModelFusion's
// streamText did on transformers-serve (tests/test_clients.py).
export const client = "openai";
export const scenarios = {
  "chat.create": async () => new Promise(() => {}),
};
