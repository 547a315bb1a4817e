-- PostgreSQL twin of ../0012_message_terms.sql. The fill from FTS5's vocabulary is a fill from the words of
-- messages.search_vector (empty in a new store).
--
-- Every word the message index holds, each once, so that a word of a question can be matched by every word of the
-- same stem (memory/stemming.py) when a project's past messages are ranked by the index: `couriers` finds
-- `courier`. The store adds the words of each message it writes. COLLATE "C": ranged in byte order, as in SQLite.
CREATE TABLE message_terms (term TEXT COLLATE "C" PRIMARY KEY);

INSERT INTO message_terms (term)
SELECT DISTINCT word.lexeme FROM messages, unnest(messages.search_vector) AS word
ON CONFLICT (term) DO NOTHING;
