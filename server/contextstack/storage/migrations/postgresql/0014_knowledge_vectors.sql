-- PostgreSQL twin of ../0014_knowledge_vectors.sql: the vector is BYTEA, the staleness trigger PL/pgSQL (fired,
-- as SQLite's `AFTER UPDATE OF`, by an UPDATE that sets the title, body or tags, changed or not).
--
-- Embeddings of knowledge entries, for search by meaning (memory/vectors.py): one per entry, with the model that
-- made it and its dimension, so that a change of model is seen and re-embedded. The vector is float32,
-- little-endian, `dimension` of them. Written by the embedding worker, never in a user's transaction.
CREATE TABLE knowledge_vectors (
    seq        BIGINT  PRIMARY KEY REFERENCES knowledge(seq) ON DELETE CASCADE,
    model      TEXT    COLLATE "C" NOT NULL,        -- `provider/model`, as `[memory] embedding_model` names it
    dimension  BIGINT  NOT NULL CHECK (dimension > 0),
    vector     BYTEA   NOT NULL CHECK (length(vector) = 4 * dimension)
);

-- A changed text makes its vector stale: it goes, and the worker embeds the entry again.
CREATE FUNCTION knowledge_vectors_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM knowledge_vectors WHERE seq = NEW.seq;
    RETURN NULL;
END;
$$;

CREATE TRIGGER knowledge_vectors_stale AFTER UPDATE OF title, body, tags ON knowledge
    FOR EACH ROW EXECUTE FUNCTION knowledge_vectors_stale();
