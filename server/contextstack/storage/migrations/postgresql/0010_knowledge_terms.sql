-- PostgreSQL twin of ../0010_knowledge_terms.sql. The fill from FTS5's vocabulary is a fill from the words of
-- knowledge.search_vector (empty in a new store; kept so that the migration means the same on a filled one).
--
-- Every word the knowledge index holds, each once, so that a query word can be matched by every word of the same
-- stem (memory/stemming.py): `research` finds `researching`. The store adds the words of each entry it writes.
-- COLLATE "C": the store finds a stem's words by a range of this key, which must be byte order as in SQLite.
CREATE TABLE knowledge_terms (term TEXT COLLATE "C" PRIMARY KEY);

INSERT INTO knowledge_terms (term)
SELECT DISTINCT word.lexeme FROM knowledge, unnest(knowledge.search_vector) AS word
ON CONFLICT (term) DO NOTHING;
