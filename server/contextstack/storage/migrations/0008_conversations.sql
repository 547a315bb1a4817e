-- Conversations and their messages. Messages form a tree (each has a parent): a fork shares its history instead of
-- copying it, and an edited or regenerated message is a sibling branch. Every message is owned by one conversation
-- (the one it was written in, or the heir of a deleted one whose forks still need it).
CREATE TABLE conversations (
    seq          INTEGER PRIMARY KEY,                 -- the full-text index's row key
    id           TEXT    NOT NULL UNIQUE,
    project_id   TEXT    REFERENCES projects(id) ON DELETE CASCADE,
    title        TEXT    NOT NULL,
    model        TEXT,                                -- the default model of its turns
    leaf_id      TEXT    REFERENCES messages(id) DEFERRABLE INITIALLY DEFERRED,  -- the tip of the current branch
    forked_from  TEXT    REFERENCES messages(id) DEFERRABLE INITIALLY DEFERRED,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
) STRICT;

CREATE INDEX conversations_by_project ON conversations (project_id, updated_at, id);
CREATE INDEX conversations_by_update ON conversations (updated_at, id);
CREATE INDEX conversations_by_leaf ON conversations (leaf_id);
CREATE INDEX conversations_by_fork ON conversations (forked_from);

CREATE TABLE messages (
    seq                INTEGER PRIMARY KEY,           -- the full-text index's row key
    id                 TEXT    NOT NULL UNIQUE,
    conversation_id    TEXT    NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id          TEXT    REFERENCES messages(id) DEFERRABLE INITIALLY DEFERRED,
    depth              INTEGER NOT NULL,              -- 1 for a first message, the parent's + 1 otherwise
    role               TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content            TEXT    NOT NULL,              -- JSON: a string, or a list of content parts as sent
    text               TEXT    NOT NULL,              -- the content's text, for search and export
    tool_calls         TEXT,                          -- JSON list, as the model sent them
    model              TEXT,                          -- `provider/model` that answered
    provider           TEXT,
    prompt_tokens      INTEGER,
    completion_tokens  INTEGER,
    latency_ms         INTEGER,
    finish_reason      TEXT,
    status             TEXT    NOT NULL CHECK (status IN ('complete', 'incomplete', 'error')),
    error              TEXT,                          -- JSON: the upstream's error
    context            TEXT,                          -- JSON: the context injected with it
    created_at         TEXT    NOT NULL
) STRICT;

CREATE INDEX messages_by_conversation ON messages (conversation_id, depth);
CREATE INDEX messages_by_parent ON messages (parent_id);
-- Usage totals read the answers of a period: a covering index keeps them off the wide rows.
CREATE INDEX messages_usage ON messages (created_at, role, model, conversation_id, prompt_tokens, completion_tokens, status);

-- Full-text indexes over titles and message text (external content), kept in step by triggers in the same
-- transaction; prefix='2 3' for search-as-you-type.
CREATE VIRTUAL TABLE conversations_fts USING fts5(
    title, content = 'conversations', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content = 'messages', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 8);

CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts (rowid, title) VALUES (new.seq, new.title);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.seq, old.title);
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.seq, old.title);
    INSERT INTO conversations_fts (rowid, title) VALUES (new.seq, new.title);
END;

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
END;

-- Turns sent with an Idempotency-Key: a retry within 24 h gets the first answer instead of a second turn.
CREATE TABLE idempotency_keys (
    key                   TEXT    PRIMARY KEY,
    conversation_id       TEXT    NOT NULL,
    body_hash             TEXT    NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('in_flight', 'done')),
    owner                 TEXT    NOT NULL,          -- the daemon process running it: a key left in flight by a
                                                     -- stopped daemon is not in flight any more
    user_message_id       TEXT,
    assistant_message_id  TEXT,
    created_at            TEXT    NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
