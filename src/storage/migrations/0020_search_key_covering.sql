-- 0020_search_key_covering.sql — a name search on a million residents
-- answered from the search terms alone (issue 9).
--
-- Each row of resident_search_key (0017) carries what a search filters
-- and sorts by: the resident's status, name_py (the pinyin sort key) and
-- import_batch_id (REGISTRY_VISIBLE). The page of 20 and the capped total
-- of a name search are then one range of the terms per grid, the
-- distinct residents sorted by (name_py, id) — no read of `resident` per
-- match (src/registry/resident_search.c, resident_search_from).
--
-- Kept current: the program writes them with the terms (registry_writer,
-- resident_keys_store reads them from the resident row); the trigger
-- below follows every change of the resident's grid, status, name_py and
-- batch (moves, deaths, moving out, renames); deletion drops the rows (0017).
ALTER TABLE resident_search_key ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE resident_search_key ADD COLUMN name_py TEXT;
ALTER TABLE resident_search_key ADD COLUMN import_batch_id INTEGER;

UPDATE resident_search_key SET status = r.status, name_py = r.name_py, import_batch_id = r.import_batch_id
FROM resident r WHERE r.id = resident_search_key.resident_id;

DROP TRIGGER resident_search_key_grid;
CREATE TRIGGER resident_search_key_grid AFTER UPDATE OF grid_id, status, name_py, import_batch_id ON resident
WHEN OLD.grid_id IS NOT NEW.grid_id OR OLD.status IS NOT NEW.status OR OLD.name_py IS NOT NEW.name_py
     OR OLD.import_batch_id IS NOT NEW.import_batch_id
BEGIN
    UPDATE resident_search_key SET grid_id = NEW.grid_id, status = NEW.status, name_py = NEW.name_py,
        import_batch_id = NEW.import_batch_id
    WHERE resident_id = NEW.id;
END;
