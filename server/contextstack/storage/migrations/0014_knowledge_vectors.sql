-- Embeddings of knowledge entries, for search by meaning (memory/vectors.py): one per entry, with the model that
-- made it and its dimension, so that a change of model is seen and re-embedded. The vector is float32,
-- little-endian, `dimension` of them. Written by the embedding worker, never in a user's transaction.
CREATE TABLE knowledge_vectors (
    seq        INTEGER PRIMARY KEY REFERENCES knowledge(seq) ON DELETE CASCADE,
    model      TEXT    NOT NULL,                 -- `provider/model`, as `[memory] embedding_model` names it
    dimension  INTEGER NOT NULL CHECK (dimension > 0),
    vector     BLOB    NOT NULL CHECK (length(vector) = 4 * dimension)
) STRICT;

-- A changed text makes its vector stale: it goes, and the worker embeds the entry again.
CREATE TRIGGER knowledge_vectors_stale AFTER UPDATE OF title, body, tags ON knowledge BEGIN
    DELETE FROM knowledge_vectors WHERE seq = new.seq;
END;
