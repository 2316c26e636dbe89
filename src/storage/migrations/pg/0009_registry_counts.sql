-- pg/0009_registry_counts.sql — PostgreSQL version of ../0009_registry_counts.sql:
-- registry_count, kept by triggers in the transaction of every write of
-- household, resident, resident_tag and import_batch.state. Read the
-- SQLite file for what is counted and why; this one keeps exactly the
-- same counts (scripts/pg-schema-check.sh runs tests/sql/registry_counts.sql
-- on both engines and compares).
--
-- What differs on PostgreSQL:
--   * The trigger bodies are PL/pgSQL functions. A trigger's WHEN cannot
--     hold a subquery here, so whether a row counts (active, and in no
--     batch or a committed one) is decided in the body, by
--     registry_counted(); the WHEN keeps the column comparisons (IS
--     DISTINCT FROM for SQLite's IS NOT).
--   * Row triggers run at the end of their statement, not after each
--     row. Each reads only other tables than the one its statement
--     writes (a resident's building from household, tags from
--     resident_tag …), so a statement changing several rows ends with the
--     same counts as on SQLite.
--   * ON CONFLICT … DO UPDATE cannot touch one row twice in one INSERT:
--     every INSERT below produces each (unit_id, what) at most once (a
--     grid and a building are different units; tags of a resident are
--     distinct; the batch sums are grouped).
CREATE TABLE registry_count (
    unit_id  BIGINT NOT NULL,
    what     TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (unit_id, what)
);

CREATE INDEX org_unit_kind_path ON org_unit(kind, path);

CREATE VIEW registry_counted_resident AS
    SELECT r.id AS resident_id, r.household_id, r.grid_id FROM resident r
     WHERE r.status = 'active' AND (r.import_batch_id IS NULL OR
           EXISTS (SELECT 1 FROM import_batch b WHERE b.id = r.import_batch_id AND b.state = 'committed'));
CREATE VIEW registry_count_member AS
    SELECT resident_id, household_id, grid_id, 'residents'::text AS what FROM registry_counted_resident
    UNION ALL
    SELECT c.resident_id, c.household_id, c.grid_id, t.tag FROM registry_counted_resident c
      JOIN resident_tag t ON t.resident_id = c.resident_id;
CREATE VIEW registry_counted_household AS
    SELECT h.id AS household_id, h.grid_id, h.building_id FROM household h
     WHERE h.status = 'active' AND (h.import_batch_id IS NULL OR
           EXISTS (SELECT 1 FROM import_batch b WHERE b.id = h.import_batch_id AND b.state = 'committed'));

-- Whether a household or resident with this status and batch counts now.
CREATE FUNCTION registry_counted(st text, batch bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT st = 'active' AND (batch IS NULL OR
           EXISTS (SELECT 1 FROM import_batch b WHERE b.id = batch AND b.state = 'committed'))
$$;

-- Adds d to (unit, what); nothing when unit is NULL (no building).
CREATE FUNCTION registry_count_add(unit bigint, w text, d bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO registry_count(unit_id, what, n) SELECT unit, w, d WHERE unit IS NOT NULL
    ON CONFLICT (unit_id, what) DO UPDATE SET n = registry_count.n + excluded.n
$$;

-- Adds d to 'residents' and to each tag the resident has now, in its
-- grid and in its household's building.
CREATE FUNCTION registry_count_resident(rid bigint, grid bigint, hid bigint, d bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u.u, w.w, d FROM
        (SELECT grid AS u UNION ALL SELECT building_id FROM household WHERE id = hid) u,
        (SELECT 'residents'::text AS w UNION ALL SELECT tag FROM resident_tag WHERE resident_id = rid) w
    WHERE u.u IS NOT NULL
    ON CONFLICT (unit_id, what) DO UPDATE SET n = registry_count.n + excluded.n
$$;

-- Adds d to the tag in the grid and building of the resident, when the
-- resident counts.
CREATE FUNCTION registry_count_tag(rid bigint, w text, d bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO registry_count(unit_id, what, n)
    SELECT u.u, w, d FROM
        (SELECT c.grid_id AS u FROM registry_counted_resident c WHERE c.resident_id = rid
         UNION ALL
         SELECT h.building_id FROM registry_counted_resident c JOIN household h ON h.id = c.household_id
          WHERE c.resident_id = rid) u
    WHERE u.u IS NOT NULL
    ON CONFLICT (unit_id, what) DO UPDATE SET n = registry_count.n + excluded.n
$$;

-- ---- households -----------------------------------------------------------
CREATE FUNCTION registry_count_household_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND registry_counted(OLD.status, OLD.import_batch_id) THEN
        PERFORM registry_count_add(OLD.grid_id, 'households', -1);
        PERFORM registry_count_add(OLD.building_id, 'households', -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND registry_counted(NEW.status, NEW.import_batch_id) THEN
        PERFORM registry_count_add(NEW.grid_id, 'households', 1);
        PERFORM registry_count_add(NEW.building_id, 'households', 1);
    END IF;
    -- Building changed: the counted residents (and their tags) move from
    -- the old building to the new one.
    IF TG_OP = 'UPDATE' AND OLD.building_id IS DISTINCT FROM NEW.building_id THEN
        INSERT INTO registry_count(unit_id, what, n)
        SELECT x.u, x.what, SUM(x.d) FROM (
            SELECT OLD.building_id AS u, m.what, -1 AS d FROM registry_count_member m WHERE m.household_id = NEW.id
            UNION ALL
            SELECT NEW.building_id, m.what, 1 FROM registry_count_member m WHERE m.household_id = NEW.id) x
        WHERE x.u IS NOT NULL
        GROUP BY x.u, x.what
        ON CONFLICT (unit_id, what) DO UPDATE SET n = registry_count.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_count_household_insert AFTER INSERT ON household
    FOR EACH ROW EXECUTE FUNCTION registry_count_household_trg();
CREATE TRIGGER registry_count_household_delete AFTER DELETE ON household
    FOR EACH ROW EXECUTE FUNCTION registry_count_household_trg();
CREATE TRIGGER registry_count_household_update AFTER UPDATE OF status, grid_id, building_id, import_batch_id ON household
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.grid_id IS DISTINCT FROM NEW.grid_id
          OR OLD.building_id IS DISTINCT FROM NEW.building_id OR OLD.import_batch_id IS DISTINCT FROM NEW.import_batch_id)
    EXECUTE FUNCTION registry_count_household_trg();

-- ---- residents and their tags ----------------------------------------------
CREATE FUNCTION registry_count_resident_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND registry_counted(OLD.status, OLD.import_batch_id) THEN
        PERFORM registry_count_resident(OLD.id, OLD.grid_id, OLD.household_id, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND registry_counted(NEW.status, NEW.import_batch_id) THEN
        PERFORM registry_count_resident(NEW.id, NEW.grid_id, NEW.household_id, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_count_resident_insert AFTER INSERT ON resident
    FOR EACH ROW EXECUTE FUNCTION registry_count_resident_trg();
CREATE TRIGGER registry_count_resident_delete AFTER DELETE ON resident
    FOR EACH ROW EXECUTE FUNCTION registry_count_resident_trg();
CREATE TRIGGER registry_count_resident_update AFTER UPDATE OF status, grid_id, household_id, import_batch_id ON resident
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.grid_id IS DISTINCT FROM NEW.grid_id
          OR OLD.household_id IS DISTINCT FROM NEW.household_id OR OLD.import_batch_id IS DISTINCT FROM NEW.import_batch_id)
    EXECUTE FUNCTION registry_count_resident_trg();

CREATE FUNCTION registry_count_tag_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registry_count_tag(NEW.resident_id, NEW.tag, 1);
    ELSE
        PERFORM registry_count_tag(OLD.resident_id, OLD.tag, -1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_count_tag_insert AFTER INSERT ON resident_tag
    FOR EACH ROW EXECUTE FUNCTION registry_count_tag_trg();
CREATE TRIGGER registry_count_tag_delete AFTER DELETE ON resident_tag
    FOR EACH ROW EXECUTE FUNCTION registry_count_tag_trg();

-- ---- import batches ----------------------------------------------------------
-- A batch's rows count from the UPDATE that commits it until the one that
-- starts undoing it: add (or take away) all of them at once, to the grid
-- (k = 0) and to the building (k = 1).
CREATE FUNCTION registry_count_batch_trg() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dir bigint := CASE NEW.state WHEN 'committed' THEN 1 ELSE -1 END;
BEGIN
    INSERT INTO registry_count(unit_id, what, n)
    SELECT x.u, 'households', SUM(x.c) * dir FROM (
        SELECT CASE k.k WHEN 0 THEN hb.g ELSE hb.b END AS u, hb.c
          FROM (SELECT h.grid_id AS g, h.building_id AS b, COUNT(*) AS c FROM household h
                 WHERE h.import_batch_id = NEW.id AND h.status = 'active' GROUP BY h.grid_id, h.building_id) hb
         CROSS JOIN (VALUES (0), (1)) AS k(k)) x
     WHERE x.u IS NOT NULL GROUP BY x.u
    ON CONFLICT (unit_id, what) DO UPDATE SET n = registry_count.n + excluded.n;
    INSERT INTO registry_count(unit_id, what, n)
    SELECT x.u, x.w, SUM(x.c) * dir FROM (
        SELECT CASE k.k WHEN 0 THEN rb.g ELSE rb.b END AS u, rb.w, rb.c
          FROM (SELECT r.grid_id AS g, h.building_id AS b, 'residents'::text AS w, COUNT(*) AS c
                  FROM resident r JOIN household h ON h.id = r.household_id
                 WHERE r.import_batch_id = NEW.id AND r.status = 'active' GROUP BY r.grid_id, h.building_id
                UNION ALL
                SELECT r.grid_id, h.building_id, t.tag, COUNT(*)
                  FROM resident r JOIN household h ON h.id = r.household_id JOIN resident_tag t ON t.resident_id = r.id
                 WHERE r.import_batch_id = NEW.id AND r.status = 'active' GROUP BY r.grid_id, h.building_id, t.tag) rb
         CROSS JOIN (VALUES (0), (1)) AS k(k)) x
     WHERE x.u IS NOT NULL GROUP BY x.u, x.w
    ON CONFLICT (unit_id, what) DO UPDATE SET n = registry_count.n + excluded.n;
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_count_batch_state AFTER UPDATE OF state ON import_batch
    FOR EACH ROW
    WHEN ((OLD.state = 'committed') <> (NEW.state = 'committed'))
    EXECUTE FUNCTION registry_count_batch_trg();

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
