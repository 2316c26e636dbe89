-- 0029_open311.sql — the Open311 GeoReport v2 API over work orders
-- (issue 12): API keys and the orders filed through them.
--
-- Who owns the SQL: src/demands/open311.c.
--
-- An API key is issued by the admin for one street: the secret is shown
-- once and stored as its SHA-256 (hex) only; key_prefix (its first 8
-- characters) names it in lists. grid_id is the grid of that street
-- where the key's requests are filed (a work order needs a grid; the
-- desk re-assigns as usual). sources: the order sources the key may
-- create, comma-separated (online by default). rate_per_hour: creates
-- allowed per hour (core/ratelimit.h). A revoked key is kept.
CREATE TABLE open311_key (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    key_hash       TEXT NOT NULL UNIQUE,
    key_prefix     TEXT NOT NULL,
    street_id      INTEGER NOT NULL REFERENCES org_unit(id),
    grid_id        INTEGER NOT NULL REFERENCES org_unit(id),
    sources        TEXT NOT NULL DEFAULT 'online',
    rate_per_hour  INTEGER NOT NULL DEFAULT 60 CHECK (rate_per_hour >= 1 AND rate_per_hour <= 10000),
    created_at     TEXT NOT NULL,
    created_by     INTEGER REFERENCES app_user(id),
    revoked_at     TEXT
);

-- A work order filed through Open311, and the key that filed it: the
-- public reads show these orders only (never the hotline's or the
-- desk's), and only to a key of the same street.
CREATE TABLE open311_request (
    order_id  INTEGER PRIMARY KEY REFERENCES demand_order(id),
    key_id    INTEGER NOT NULL REFERENCES open311_key(id)
);
CREATE INDEX open311_request_key ON open311_request(key_id);
