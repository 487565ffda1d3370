-- OAuth2 logins pinned to the coordinator that issued the challenge (trino-platform's own table).
CREATE TABLE IF NOT EXISTS trino_platform_oauth2_pins (
    auth_id VARCHAR(256) PRIMARY KEY,
    backend_url VARCHAR(256) NOT NULL,
    created BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS trino_platform_oauth2_pins_created_idx ON trino_platform_oauth2_pins (created);
