-- Sessions that ended (logout, a login replacing them), so that a Redis restored from an older
-- snapshot cannot revive them: a session read under a new Redis run id is checked here first.
-- Rows may go once the session would have expired anyway.

CREATE TABLE ih_revoked_session (
    session_hash BINARY(32) NOT NULL COMMENT 'SHA-256 of the session id, never the id itself',
    expires_at   DATETIME   NOT NULL COMMENT 'UTC; after this the session is dead anyway',
    PRIMARY KEY (session_hash),
    KEY idx_revoked_session_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
