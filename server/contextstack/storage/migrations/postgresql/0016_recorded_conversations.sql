-- PostgreSQL twin of ../0016_recorded_conversations.sql.
-- What the proxy records (issue 16). A stateless client resends its whole history every turn: each recorded
-- message keeps a hash of its content chained through its parent's (system messages count by their place, not
-- their text), so an identical prefix finds the nodes it made before and only what is new is added.
ALTER TABLE messages ADD COLUMN chain_hash TEXT COLLATE "C";   -- null: written by a turn of the API, not recorded
ALTER TABLE messages ADD COLUMN response_id TEXT COLLATE "C";  -- a recorded Responses answer's id
ALTER TABLE conversations ADD COLUMN recorded BIGINT NOT NULL DEFAULT 0;  -- 1: made by the proxy's recording

CREATE INDEX messages_by_chain ON messages (chain_hash, seq) WHERE chain_hash IS NOT NULL;
CREATE INDEX messages_by_response ON messages (response_id) WHERE response_id IS NOT NULL;
-- Retention purges the recorded conversations idle the longest.
CREATE INDEX conversations_recorded ON conversations (updated_at) WHERE recorded = 1;
