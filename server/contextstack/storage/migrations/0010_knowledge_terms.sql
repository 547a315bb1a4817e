-- Every word the knowledge index holds, each once, so that a query word can be matched by every word of the same
-- stem (memory/stemming.py): `research` finds `researching`. The store adds the words of each entry it writes;
-- this fills the table from the index as it stands, in place.
CREATE TABLE knowledge_terms (term TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;

CREATE VIRTUAL TABLE temp.knowledge_vocabulary USING fts5vocab(main, knowledge_fts, row);
INSERT INTO knowledge_terms (term) SELECT term FROM temp.knowledge_vocabulary;
DROP TABLE temp.knowledge_vocabulary;
