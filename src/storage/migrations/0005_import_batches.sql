-- 0005_import_batches.sql — CSV imports in batches (src/registry/import_batch.c).
--
-- An import writes its rows in many short transactions, so that other
-- writers get the lock between them, and stays all-or-nothing through a
-- batch marker: every household and resident it creates carries its
-- import_batch_id, and rows of a batch that is not `committed` are
-- hidden from every list, count, detail and write (REGISTRY_VISIBLE in
-- src/registry/registry.h). The batch becomes visible in one small
-- UPDATE of its state; a failed or interrupted batch is deleted again
-- in bounded transactions (state `undoing`, then `failed`; a committed
-- batch undone on purpose ends `undone`). pid and heartbeat tell a
-- batch whose process died (kill -9, power cut) from a live one, so
-- that the next start or import undoes it.
CREATE TABLE import_batch (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: audit rows name it
    user_id      INTEGER REFERENCES app_user(id),     -- NULL = command line
    username     TEXT NOT NULL,
    file_name    TEXT,
    mode         TEXT NOT NULL CHECK (mode = 'all' OR mode = 'valid'),
    org_path     TEXT,                                -- the importer's scope (NULL = all)
    state        TEXT NOT NULL DEFAULT 'running'
                 CHECK (state = 'running' OR state = 'committed' OR state = 'undoing' OR state = 'failed' OR state = 'undone'),
    pid          INTEGER NOT NULL,                    -- process writing or undoing it
    heartbeat    INTEGER NOT NULL,                    -- unix seconds, renewed by every transaction of it
    started_at   TEXT NOT NULL,
    committed_at TEXT,
    finished_at  TEXT,
    rows_read    INTEGER NOT NULL DEFAULT 0,
    residents    INTEGER NOT NULL DEFAULT 0,
    households   INTEGER NOT NULL DEFAULT 0,
    error_rows   INTEGER NOT NULL DEFAULT 0,
    note         TEXT                                 -- why it failed or was undone
);
CREATE INDEX import_batch_state ON import_batch(state);

ALTER TABLE household ADD COLUMN import_batch_id INTEGER REFERENCES import_batch(id);
ALTER TABLE resident ADD COLUMN import_batch_id INTEGER REFERENCES import_batch(id);
CREATE INDEX household_import_batch ON household(import_batch_id, id) WHERE import_batch_id IS NOT NULL;
CREATE INDEX resident_import_batch ON resident(import_batch_id, id) WHERE import_batch_id IS NOT NULL;
-- The two indexes that counts and pages of residents walk end with the
-- batch id, so they still cover those queries with the filter on
-- (a street-wide count would otherwise read every row: 3 times slower).
-- Rebuilding them takes ~2 s per 250,000 residents, once.
DROP INDEX resident_grid_name;
CREATE INDEX resident_grid_name ON resident(grid_id, status, name, import_batch_id);
DROP INDEX resident_name;
CREATE INDEX resident_name ON resident(name, status, import_batch_id);

-- Deleting a resident or household makes SQLite look for rows that
-- still refer to it (foreign keys): without these indexes each undone
-- row scanned the whole household or registry_event table. Partial: the
-- columns are NULL in most rows.
CREATE INDEX household_head ON household(head_resident_id) WHERE head_resident_id IS NOT NULL;
CREATE INDEX registry_event_from_household ON registry_event(from_household_id) WHERE from_household_id IS NOT NULL;
CREATE INDEX registry_event_to_household ON registry_event(to_household_id) WHERE to_household_id IS NOT NULL;
