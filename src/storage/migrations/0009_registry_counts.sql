-- 0009_registry_counts.sql — counts that are maintained, not recounted
-- (src/registry/counts.c reads, checks and repairs them).
--
-- registry_count holds, for every grid and every building (unit_id is
-- the org unit's id), how many ACTIVE and visible households, residents
-- and residents per tag it has: what = 'households', 'residents' or a
-- tag code. A row is counted when it belongs to no import batch or to a
-- committed one (the rows REGISTRY_VISIBLE in src/registry/registry.h
-- shows): a running batch is counted by the one UPDATE that commits it,
-- and uncounted when a committed batch is undone (its state leaves
-- 'committed' before its rows are deleted). A failed batch never counts.
--
-- The triggers keep the counts in the transaction of every write of
-- household, resident, resident_tag and import_batch.state, whatever
-- module writes them (API, import, demo), so that no write path can
-- forget them. Each trigger applies the change of its own row, reading
-- the other tables as they are at that moment: a resident's building is
-- its household's building, so a household moved before or after its
-- residents nets out the same. `minsheng check counts` recounts
-- everything from scratch and compares (--fix repairs).
CREATE TABLE registry_count (
    unit_id  INTEGER NOT NULL,      -- org_unit.id of a grid or a building
    what     TEXT NOT NULL,         -- 'households', 'residents' or a tag_def.code
    n        INTEGER NOT NULL,
    PRIMARY KEY (unit_id, what)
) WITHOUT ROWID;

-- A unit's counts are the sum of its grids' rows: the grids of a subtree
-- are a range of this index (src/registry/counts.c).
CREATE INDEX org_unit_kind_path ON org_unit(kind, path);

-- What each counted resident adds to its units: one 'residents' row and
-- one row per tag. Views are the shared definition of "counted" for the
-- triggers and the recount.
CREATE VIEW registry_counted_resident AS
    SELECT r.id AS resident_id, r.household_id, r.grid_id FROM resident r
     WHERE r.status = 'active' AND (r.import_batch_id IS NULL OR
           EXISTS (SELECT 1 FROM import_batch b WHERE b.id = r.import_batch_id AND b.state = 'committed'));
CREATE VIEW registry_count_member AS
    SELECT resident_id, household_id, grid_id, 'residents' AS what FROM registry_counted_resident
    UNION ALL
    SELECT c.resident_id, c.household_id, c.grid_id, t.tag FROM registry_counted_resident c
      JOIN resident_tag t ON t.resident_id = c.resident_id;
CREATE VIEW registry_counted_household AS
    SELECT h.id AS household_id, h.grid_id, h.building_id FROM household h
     WHERE h.status = 'active' AND (h.import_batch_id IS NULL OR
           EXISTS (SELECT 1 FROM import_batch b WHERE b.id = h.import_batch_id AND b.state = 'committed'));

-- ---- households -----------------------------------------------------------
CREATE TRIGGER registry_count_household_insert AFTER INSERT ON household
WHEN NEW.status = 'active' AND (NEW.import_batch_id IS NULL OR
     EXISTS (SELECT 1 FROM import_batch b WHERE b.id = NEW.import_batch_id AND b.state = 'committed'))
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, 'households', 1 FROM (SELECT NEW.grid_id AS u UNION ALL SELECT NEW.building_id) WHERE u IS NOT NULL
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER registry_count_household_delete AFTER DELETE ON household
WHEN OLD.status = 'active' AND (OLD.import_batch_id IS NULL OR
     EXISTS (SELECT 1 FROM import_batch b WHERE b.id = OLD.import_batch_id AND b.state = 'committed'))
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, 'households', -1 FROM (SELECT OLD.grid_id AS u UNION ALL SELECT OLD.building_id) WHERE u IS NOT NULL
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

-- Status, grid or building changed: the household leaves its old units
-- and joins the new ones; when the building changed, its counted
-- residents (and their tags) move from the old building to the new one
-- (their grid is the resident's own column, changed by its own UPDATE).
CREATE TRIGGER registry_count_household_update AFTER UPDATE OF status, grid_id, building_id, import_batch_id ON household
WHEN OLD.status IS NOT NEW.status OR OLD.grid_id IS NOT NEW.grid_id OR OLD.building_id IS NOT NEW.building_id
     OR OLD.import_batch_id IS NOT NEW.import_batch_id
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, 'households', -1 FROM (SELECT OLD.grid_id AS u UNION ALL SELECT OLD.building_id)
    WHERE u IS NOT NULL AND OLD.status = 'active' AND (OLD.import_batch_id IS NULL OR
          EXISTS (SELECT 1 FROM import_batch b WHERE b.id = OLD.import_batch_id AND b.state = 'committed'))
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, 'households', 1 FROM (SELECT NEW.grid_id AS u UNION ALL SELECT NEW.building_id)
    WHERE u IS NOT NULL AND NEW.status = 'active' AND (NEW.import_batch_id IS NULL OR
          EXISTS (SELECT 1 FROM import_batch b WHERE b.id = NEW.import_batch_id AND b.state = 'committed'))
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, what, SUM(d) FROM (
        SELECT OLD.building_id AS u, m.what AS what, -1 AS d FROM registry_count_member m WHERE m.household_id = NEW.id
        UNION ALL
        SELECT NEW.building_id, m.what, 1 FROM registry_count_member m WHERE m.household_id = NEW.id)
    WHERE u IS NOT NULL AND OLD.building_id IS NOT NEW.building_id
    GROUP BY u, what
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

-- ---- residents and their tags ----------------------------------------------
-- A counted resident adds to its grid and to its household's building.
CREATE TRIGGER registry_count_resident_insert AFTER INSERT ON resident
WHEN NEW.status = 'active' AND (NEW.import_batch_id IS NULL OR
     EXISTS (SELECT 1 FROM import_batch b WHERE b.id = NEW.import_batch_id AND b.state = 'committed'))
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, w, 1 FROM
        (SELECT NEW.grid_id AS u UNION ALL SELECT building_id FROM household WHERE id = NEW.household_id),
        (SELECT 'residents' AS w UNION ALL SELECT tag FROM resident_tag WHERE resident_id = NEW.id)
    WHERE u IS NOT NULL
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER registry_count_resident_delete AFTER DELETE ON resident
WHEN OLD.status = 'active' AND (OLD.import_batch_id IS NULL OR
     EXISTS (SELECT 1 FROM import_batch b WHERE b.id = OLD.import_batch_id AND b.state = 'committed'))
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, w, -1 FROM
        (SELECT OLD.grid_id AS u UNION ALL SELECT building_id FROM household WHERE id = OLD.household_id),
        (SELECT 'residents' AS w UNION ALL SELECT tag FROM resident_tag WHERE resident_id = OLD.id)
    WHERE u IS NOT NULL
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER registry_count_resident_update AFTER UPDATE OF status, grid_id, household_id, import_batch_id ON resident
WHEN OLD.status IS NOT NEW.status OR OLD.grid_id IS NOT NEW.grid_id OR OLD.household_id IS NOT NEW.household_id
     OR OLD.import_batch_id IS NOT NEW.import_batch_id
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, w, -1 FROM
        (SELECT OLD.grid_id AS u UNION ALL SELECT building_id FROM household WHERE id = OLD.household_id),
        (SELECT 'residents' AS w UNION ALL SELECT tag FROM resident_tag WHERE resident_id = OLD.id)
    WHERE u IS NOT NULL AND OLD.status = 'active' AND (OLD.import_batch_id IS NULL OR
          EXISTS (SELECT 1 FROM import_batch b WHERE b.id = OLD.import_batch_id AND b.state = 'committed'))
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, w, 1 FROM
        (SELECT NEW.grid_id AS u UNION ALL SELECT building_id FROM household WHERE id = NEW.household_id),
        (SELECT 'residents' AS w UNION ALL SELECT tag FROM resident_tag WHERE resident_id = NEW.id)
    WHERE u IS NOT NULL AND NEW.status = 'active' AND (NEW.import_batch_id IS NULL OR
          EXISTS (SELECT 1 FROM import_batch b WHERE b.id = NEW.import_batch_id AND b.state = 'committed'))
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

-- A tag of a counted resident adds to (or leaves) its grid and building.
CREATE TRIGGER registry_count_tag_insert AFTER INSERT ON resident_tag
WHEN EXISTS (SELECT 1 FROM registry_counted_resident c WHERE c.resident_id = NEW.resident_id)
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, NEW.tag, 1 FROM
        (SELECT c.grid_id AS u FROM registry_counted_resident c WHERE c.resident_id = NEW.resident_id
         UNION ALL
         SELECT h.building_id FROM registry_counted_resident c JOIN household h ON h.id = c.household_id
          WHERE c.resident_id = NEW.resident_id)
    WHERE u IS NOT NULL
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER registry_count_tag_delete AFTER DELETE ON resident_tag
WHEN EXISTS (SELECT 1 FROM registry_counted_resident c WHERE c.resident_id = OLD.resident_id)
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u, OLD.tag, -1 FROM
        (SELECT c.grid_id AS u FROM registry_counted_resident c WHERE c.resident_id = OLD.resident_id
         UNION ALL
         SELECT h.building_id FROM registry_counted_resident c JOIN household h ON h.id = c.household_id
          WHERE c.resident_id = OLD.resident_id)
    WHERE u IS NOT NULL
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

-- ---- import batches ----------------------------------------------------------
-- A batch's rows count from the UPDATE that commits it until the one that
-- starts undoing it: add (or take away) all of them at once.
CREATE TRIGGER registry_count_batch_state AFTER UPDATE OF state ON import_batch
WHEN (OLD.state = 'committed') <> (NEW.state = 'committed')
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT CASE k WHEN 0 THEN g ELSE b END AS u, 'households',
           SUM(c) * CASE NEW.state WHEN 'committed' THEN 1 ELSE -1 END
      FROM (SELECT h.grid_id AS g, h.building_id AS b, COUNT(*) AS c FROM household h
             WHERE h.import_batch_id = NEW.id AND h.status = 'active' GROUP BY h.grid_id, h.building_id),
           (SELECT 0 AS k UNION ALL SELECT 1)
     WHERE u IS NOT NULL GROUP BY u
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
    -- Residents and their tags, grouped by (grid, building, what) in two
    -- passes over the batch, then added to the grid and to the building.
    INSERT INTO registry_count(unit_id, what, n)
    SELECT CASE k WHEN 0 THEN g ELSE b END AS u, w, SUM(c) * CASE NEW.state WHEN 'committed' THEN 1 ELSE -1 END
      FROM (SELECT r.grid_id AS g, h.building_id AS b, 'residents' AS w, COUNT(*) AS c
              FROM resident r JOIN household h ON h.id = r.household_id
             WHERE r.import_batch_id = NEW.id AND r.status = 'active' GROUP BY r.grid_id, h.building_id
            UNION ALL
            SELECT r.grid_id, h.building_id, t.tag, COUNT(*)
              FROM resident r JOIN household h ON h.id = r.household_id JOIN resident_tag t ON t.resident_id = r.id
             WHERE r.import_batch_id = NEW.id AND r.status = 'active' GROUP BY r.grid_id, h.building_id, t.tag),
           (SELECT 0 AS k UNION ALL SELECT 1)
     WHERE u IS NOT NULL GROUP BY u, w
    ON CONFLICT(unit_id, what) DO UPDATE SET n = n + excluded.n;
END;

-- ---- fill from the data as it is ----------------------------------------------
INSERT INTO registry_count(unit_id, what, n)
SELECT grid_id, 'households', COUNT(*) FROM registry_counted_household GROUP BY grid_id;
INSERT INTO registry_count(unit_id, what, n)
SELECT building_id, 'households', COUNT(*) FROM registry_counted_household WHERE building_id IS NOT NULL GROUP BY building_id;
INSERT INTO registry_count(unit_id, what, n)
SELECT grid_id, what, COUNT(*) FROM registry_count_member GROUP BY grid_id, what;
INSERT INTO registry_count(unit_id, what, n)
SELECT h.building_id, m.what, COUNT(*) FROM registry_count_member m JOIN household h ON h.id = m.household_id
 WHERE h.building_id IS NOT NULL GROUP BY h.building_id, m.what;
