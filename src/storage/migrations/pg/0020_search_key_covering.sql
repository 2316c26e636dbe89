-- 0020_search_key_covering.sql (PostgreSQL) — see ../0020_search_key_covering.sql.
ALTER TABLE resident_search_key ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE resident_search_key ADD COLUMN name_py TEXT;
ALTER TABLE resident_search_key ADD COLUMN import_batch_id BIGINT;

UPDATE resident_search_key SET status = r.status, name_py = r.name_py, import_batch_id = r.import_batch_id
FROM resident r WHERE r.id = resident_search_key.resident_id;

CREATE OR REPLACE FUNCTION resident_search_key_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM resident_search_key WHERE resident_id = OLD.id;
    ELSE
        UPDATE resident_search_key SET grid_id = NEW.grid_id, status = NEW.status, name_py = NEW.name_py,
            import_batch_id = NEW.import_batch_id
        WHERE resident_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER resident_search_key_grid ON resident;
CREATE TRIGGER resident_search_key_grid AFTER UPDATE OF grid_id, status, name_py, import_batch_id ON resident
    FOR EACH ROW WHEN (OLD.grid_id IS DISTINCT FROM NEW.grid_id OR OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.name_py IS DISTINCT FROM NEW.name_py
                       OR OLD.import_batch_id IS DISTINCT FROM NEW.import_batch_id)
    EXECUTE FUNCTION resident_search_key_trg();
