-- PostgreSQL only (../0017_search_totals.sql is empty): what FTS5 keeps of its indexes on SQLite, kept here for
-- conversation search to score by FTS5's bm25() (conversations/fulltext.py): how many words each title and
-- message holds (`search_words`, written by the store beside `search_vector`), and, by table, how many rows and
-- how many words in all (`search_totals`, kept by triggers in the same transaction as every change).
ALTER TABLE conversations ADD COLUMN search_words BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN search_words BIGINT NOT NULL DEFAULT 0;

-- Rows written before: their words as their tsvector counts them.
UPDATE conversations SET search_words = (SELECT coalesce(sum(cardinality(w.positions)), 0) FROM unnest(search_vector) AS w);
UPDATE messages SET search_words = (SELECT coalesce(sum(cardinality(w.positions)), 0) FROM unnest(search_vector) AS w);

CREATE TABLE search_totals (
    name   TEXT    COLLATE "C" PRIMARY KEY,   -- the table searched: conversations (titles) or messages (text)
    rows   BIGINT  NOT NULL,
    words  BIGINT  NOT NULL
);
INSERT INTO search_totals (name, rows, words) SELECT 'conversations', count(*), coalesce(sum(search_words), 0) FROM conversations;
INSERT INTO search_totals (name, rows, words) SELECT 'messages', count(*), coalesce(sum(search_words), 0) FROM messages;

-- Rows added or removed, per statement (a conversation's messages deleted with it are one statement).
CREATE FUNCTION search_totals_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_totals SET rows = rows + t.n, words = words + t.w
    FROM (SELECT count(*) AS n, coalesce(sum(search_words), 0) AS w FROM added) AS t
    WHERE name = TG_TABLE_NAME AND t.n > 0;
    RETURN NULL;
END;
$$;
CREATE FUNCTION search_totals_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_totals SET rows = rows - t.n, words = words - t.w
    FROM (SELECT count(*) AS n, coalesce(sum(search_words), 0) AS w FROM removed) AS t
    WHERE name = TG_TABLE_NAME AND t.n > 0;
    RETURN NULL;
END;
$$;
-- A title or a text written again: the difference, for the rows whose words changed.
CREATE FUNCTION search_totals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_totals SET words = words + NEW.search_words - OLD.search_words WHERE name = TG_TABLE_NAME;
    RETURN NULL;
END;
$$;

CREATE TRIGGER conversations_search_added AFTER INSERT ON conversations
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION search_totals_added();
CREATE TRIGGER conversations_search_removed AFTER DELETE ON conversations
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION search_totals_removed();
CREATE TRIGGER conversations_search_changed AFTER UPDATE OF search_words ON conversations
    FOR EACH ROW WHEN (OLD.search_words <> NEW.search_words) EXECUTE FUNCTION search_totals_changed();
CREATE TRIGGER messages_search_added AFTER INSERT ON messages
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION search_totals_added();
CREATE TRIGGER messages_search_removed AFTER DELETE ON messages
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION search_totals_removed();
CREATE TRIGGER messages_search_changed AFTER UPDATE OF search_words ON messages
    FOR EACH ROW WHEN (OLD.search_words <> NEW.search_words) EXECUTE FUNCTION search_totals_changed();
