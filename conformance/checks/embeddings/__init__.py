"""/v1/embeddings: input forms, vectors, encodings, dimensions, validation (model from --embedding-model)."""
