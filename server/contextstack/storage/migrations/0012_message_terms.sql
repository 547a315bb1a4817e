-- Every word the message index holds, each once, so that a word of a question can be matched by every word of the
-- same stem (memory/stemming.py) when a project's past messages are ranked by the index: `couriers` finds
-- `courier`. The store adds the words of each message it writes; this fills the table from the index as it stands.
CREATE TABLE message_terms (term TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;

CREATE VIRTUAL TABLE temp.message_vocabulary USING fts5vocab(main, messages_fts, row);
INSERT INTO message_terms (term) SELECT term FROM temp.message_vocabulary;
DROP TABLE temp.message_vocabulary;
