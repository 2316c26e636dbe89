-- pg/0017_resident_search.sql — PostgreSQL version of
-- ../0017_resident_search.sql (read it for what the table holds and
-- why): the same tables and indexes, the triggers as PL/pgSQL.
ALTER TABLE resident ADD COLUMN name_py TEXT;

CREATE TABLE resident_search_key (
    grid_id     BIGINT NOT NULL,
    term        TEXT NOT NULL,
    resident_id BIGINT NOT NULL,
    PRIMARY KEY (grid_id, term, resident_id)
);
CREATE INDEX resident_search_key_resident ON resident_search_key(resident_id);

CREATE TABLE resident_search_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO resident_search_state(id, version) SELECT 1, 1 WHERE NOT EXISTS (SELECT 1 FROM resident);

DROP INDEX resident_grid_name;
CREATE INDEX resident_grid_name ON resident(grid_id, status, name_py, id, import_batch_id);
DROP INDEX resident_status_name;
CREATE INDEX resident_status_name ON resident(status, name_py, id, grid_id, import_batch_id);

CREATE FUNCTION resident_search_key_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM resident_search_key WHERE resident_id = OLD.id;
    ELSE
        UPDATE resident_search_key SET grid_id = NEW.grid_id WHERE resident_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER resident_search_key_grid AFTER UPDATE OF grid_id ON resident
    FOR EACH ROW WHEN (OLD.grid_id IS DISTINCT FROM NEW.grid_id) EXECUTE FUNCTION resident_search_key_trg();
CREATE TRIGGER resident_search_key_delete AFTER DELETE ON resident
    FOR EACH ROW EXECUTE FUNCTION resident_search_key_trg();
