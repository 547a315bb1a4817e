-- PostgreSQL twin of ../0015_message_vectors.sql: BYTEA vectors, a PL/pgSQL staleness trigger, and the fill of
-- message_terms from FTS5's title vocabulary is a fill from conversations.search_vector (empty in a new store).
--
-- Embeddings of conversation messages, for finding past messages by meaning (conversations/store.py's
-- MessageVectors, memory/vectors.py): one per message, as knowledge_vectors is per entry, with the model that made
-- it and its dimension. Written by the embedding worker, never in a turn's transaction.
CREATE TABLE message_vectors (
    seq        BIGINT  PRIMARY KEY REFERENCES messages(seq) ON DELETE CASCADE,
    model      TEXT    COLLATE "C" NOT NULL,        -- `provider/model`, as `[memory] embedding_model` names it
    dimension  BIGINT  NOT NULL CHECK (dimension > 0),
    vector     BYTEA   NOT NULL CHECK (length(vector) = 4 * dimension)
);

-- A changed text makes its vector stale (messages are written once, but should one change, it is embedded again).
CREATE FUNCTION message_vectors_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM message_vectors WHERE seq = NEW.seq;
    RETURN NULL;
END;
$$;

CREATE TRIGGER message_vectors_stale AFTER UPDATE OF text ON messages
    FOR EACH ROW EXECUTE FUNCTION message_vectors_stale();

-- Conversation search matches a title's words by their stem too: message_terms holds every word of both
-- conversation indexes (the store adds a title's words as it writes them), filled here from the titles' words.
INSERT INTO message_terms (term)
SELECT DISTINCT word.lexeme FROM conversations, unnest(conversations.search_vector) AS word
ON CONFLICT (term) DO NOTHING;

-- The messages that are embedded (the users' and the models', with text, not failures: the past messages context
-- assembly ranks), in order: the worker counts them and walks them from the newest down by this index alone.
CREATE INDEX messages_embeddable ON messages (seq)
    WHERE role IN ('user', 'assistant') AND status <> 'error' AND text <> '';
