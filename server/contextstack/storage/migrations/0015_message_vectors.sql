-- Embeddings of conversation messages, for finding past messages by meaning (conversations/store.py's
-- MessageVectors, memory/vectors.py): one per message, as knowledge_vectors is per entry, with the model that made
-- it and its dimension. Written by the embedding worker, never in a turn's transaction.
CREATE TABLE message_vectors (
    seq        INTEGER PRIMARY KEY REFERENCES messages(seq) ON DELETE CASCADE,
    model      TEXT    NOT NULL,                 -- `provider/model`, as `[memory] embedding_model` names it
    dimension  INTEGER NOT NULL CHECK (dimension > 0),
    vector     BLOB    NOT NULL CHECK (length(vector) = 4 * dimension)
) STRICT;

-- A changed text makes its vector stale (messages are written once, but should one change, it is embedded again).
CREATE TRIGGER message_vectors_stale AFTER UPDATE OF text ON messages BEGIN
    DELETE FROM message_vectors WHERE seq = new.seq;
END;

-- Conversation search matches a title's words by their stem too: message_terms now holds every word of both
-- conversation indexes (the store adds a title's words as it writes them), filled here from the titles' index.
CREATE VIRTUAL TABLE temp.title_vocabulary USING fts5vocab(main, conversations_fts, row);
INSERT OR IGNORE INTO message_terms (term) SELECT term FROM temp.title_vocabulary;
DROP TABLE temp.title_vocabulary;

-- The messages that are embedded (the users' and the models', with text, not failures: the past messages context
-- assembly ranks), in order: the worker counts them and walks them from the newest down by this index alone.
CREATE INDEX messages_embeddable ON messages (seq)
    WHERE role IN ('user', 'assistant') AND status != 'error' AND text != '';
