-- The figures BM25 is worked out from, for conversation search on PostgreSQL (postgresql/0017_search_totals.sql,
-- conversations/fulltext.py). On SQLite, FTS5 keeps them itself (how many rows each index holds, how many words in
-- all and in each row): nothing to do here. The migration exists so that both backends share one schema version.
SELECT 1;
