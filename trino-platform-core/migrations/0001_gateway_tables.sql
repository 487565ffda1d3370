-- trino-gateway compatible tables (its V1..V4 migrations, folded; the same SQL on SQLite and PostgreSQL).
-- IF NOT EXISTS keeps the tables trino-gateway created when both gateways share one database.
CREATE TABLE IF NOT EXISTS gateway_backend (
    name VARCHAR(256) PRIMARY KEY,
    routing_group VARCHAR(256),
    backend_url VARCHAR(256),
    external_url VARCHAR(256),
    active BOOLEAN
);

CREATE TABLE IF NOT EXISTS query_history (
    query_id VARCHAR(256) PRIMARY KEY,
    query_text TEXT,
    created BIGINT,
    backend_url VARCHAR(256),
    user_name VARCHAR(256),
    source VARCHAR(256),
    routing_group VARCHAR(255),
    external_url VARCHAR(255)
);

CREATE INDEX IF NOT EXISTS query_history_created_idx ON query_history (created);
