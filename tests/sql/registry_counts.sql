-- registry_counts.sql — the maintained registry counts (migration 0009)
-- under the writes the program makes, in SQL that runs as it is on both
-- engines. scripts/pg-schema-check.sh runs it on a fresh SQLite database
-- (sqlite3 -bail, foreign keys on) and on a fresh PostgreSQL one (psql,
-- ON_ERROR_STOP) and requires the same output from both and no drift
-- after any step: registry_count equals a recount from the rows (the
-- recount of src/registry/counts.c, SQL_RECOUNT).
--
-- Output: one line per step "step|drift rows|count rows|sum n|checksum",
-- then every registry_count row, then the ids given to rows inserted
-- without one (both engines: the highest id so far + 1).

CREATE TEMP VIEW t_recount AS
SELECT unit_id, what, SUM(n) AS n FROM (
    SELECT grid_id AS unit_id, 'households' AS what, COUNT(*) AS n FROM registry_counted_household GROUP BY grid_id
    UNION ALL SELECT building_id, 'households', COUNT(*) FROM registry_counted_household
     WHERE building_id IS NOT NULL GROUP BY building_id
    UNION ALL SELECT grid_id, what, COUNT(*) FROM registry_count_member GROUP BY grid_id, what
    UNION ALL SELECT h.building_id, m.what, COUNT(*) FROM registry_count_member m
      JOIN household h ON h.id = m.household_id WHERE h.building_id IS NOT NULL GROUP BY h.building_id, m.what) AS x
GROUP BY unit_id, what;

CREATE TEMP VIEW t_drift AS
SELECT f.unit_id, f.what, COALESCE(c.n, 0) AS stored, f.n AS actual FROM t_recount f
  LEFT JOIN registry_count c ON c.unit_id = f.unit_id AND c.what = f.what
 WHERE COALESCE(c.n, 0) <> f.n
UNION ALL
SELECT c.unit_id, c.what, c.n, 0 FROM registry_count c
 WHERE c.n <> 0 AND NOT EXISTS (SELECT 1 FROM t_recount f WHERE f.unit_id = c.unit_id AND f.what = c.what);

CREATE TEMP VIEW t_step AS
SELECT (SELECT COUNT(*) FROM t_drift) AS drift, COUNT(*) AS nrows, COALESCE(SUM(n), 0) AS total,
       COALESCE(SUM(n * ((unit_id * unit_id) % 101 + 7 * length(what))), 0) AS checksum
  FROM registry_count;

-- street 1001 > community 1002 > grids 1003, 1004 > buildings 1005, 1007 (grid 1003) and 1006 (grid 1004)
INSERT INTO org_unit(id, parent_id, kind, code, name, path, created_at, updated_at) VALUES
    (1001, NULL, 'street',    'T01',          '测试街道', '/1001/',                     '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (1002, 1001, 'community', 'T01001',       '测试社区', '/1001/1002/',                '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (1003, 1002, 'grid',      'T01001-01',    '一网格',   '/1001/1002/1003/',           '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (1004, 1002, 'grid',      'T01001-02',    '二网格',   '/1001/1002/1004/',           '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (1005, 1003, 'building',  'T01001-01-01', '1号楼',    '/1001/1002/1003/1005/',      '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (1006, 1004, 'building',  'T01001-02-01', '2号楼',    '/1001/1002/1004/1006/',      '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (1007, 1003, 'building',  'T01001-01-02', '3号楼',    '/1001/1002/1003/1007/',      '2026-01-01 00:00:00', '2026-01-01 00:00:00');

-- households: 2001 in building 1005, 2002 in grid 1003 without a building, 2003 in building 1006
INSERT INTO household(id, code, grid_id, building_id, address, status, created_at, updated_at) VALUES
    (2001, 'H2001', 1003, 1005, '1号楼101', 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (2002, 'H2002', 1003, NULL, '平房2号',  'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (2003, 'H2003', 1004, 1006, '2号楼201', 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
SELECT 'households', t.* FROM t_step t;

INSERT INTO resident(id, id_number_bidx, name, sex, birth_date, household_id, grid_id, status, created_at, updated_at) VALUES
    (3001, 'B3001', '甲', 'M', '1940-01-01', 2001, 1003, 'active',   '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (3002, 'B3002', '乙', 'F', '1950-01-01', 2001, 1003, 'active',   '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (3003, 'B3003', '丙', 'M', '1960-01-01', 2002, 1003, 'active',   '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (3004, 'B3004', '丁', 'F', '1970-01-01', 2003, 1004, 'active',   '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (3005, 'B3005', '戊', 'M', '1930-01-01', 2003, 1004, 'deceased', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
UPDATE household SET head_resident_id = 3001 WHERE id = 2001;
SELECT 'residents', t.* FROM t_step t;

-- tags of counted and of uncounted (deceased) residents
INSERT INTO resident_tag(resident_id, tag) VALUES (3001, 'elderly'), (3001, 'disabled'), (3002, 'dibao'),
    (3003, 'veteran'), (3004, 'elderly'), (3005, 'elderly');
DELETE FROM resident_tag WHERE resident_id = 3001 AND tag = 'disabled';
SELECT 'tags', t.* FROM t_step t;

-- a resident moves to another household in another grid (one UPDATE, as household.c does)
UPDATE resident SET household_id = 2003, grid_id = 1004, updated_at = '2026-01-02 00:00:00' WHERE id = 3002;
SELECT 'resident moved', t.* FROM t_step t;

-- a household changes building within its grid: its residents and their tags follow
UPDATE household SET building_id = 1007 WHERE id = 2001;
SELECT 'household building', t.* FROM t_step t;

-- a household moves to the other grid: the household, then all its residents (one UPDATE of several rows)
UPDATE household SET grid_id = 1004, building_id = 1006 WHERE id = 2001;
UPDATE resident SET grid_id = 1004 WHERE household_id = 2001;
SELECT 'household moved', t.* FROM t_step t;

-- a household without a building gets one, and loses it again
UPDATE household SET building_id = 1005 WHERE id = 2002;
UPDATE household SET building_id = NULL WHERE id = 2002;
SELECT 'building set and cleared', t.* FROM t_step t;

-- status changes: a death, a move out and back, a household closed and reopened
UPDATE resident SET status = 'deceased', status_date = '2026-02-01' WHERE id = 3004;
UPDATE resident SET status = 'moved_out' WHERE id = 3003;
UPDATE resident SET status = 'active' WHERE id = 3003;
UPDATE household SET status = 'closed' WHERE id = 2002;
UPDATE household SET status = 'active' WHERE id = 2002;
UPDATE household SET status = 'closed' WHERE id = 2002;
-- an UPDATE naming the watched columns without changing them changes nothing
UPDATE resident SET status = status, grid_id = grid_id WHERE id = 3001;
SELECT 'statuses', t.* FROM t_step t;

-- an import batch: its rows do not count while it runs ...
INSERT INTO import_batch(id, username, mode, state, pid, heartbeat, started_at)
    VALUES (4001, 'admin', 'all', 'running', 1, 0, '2026-01-03 00:00:00');
INSERT INTO household(id, code, grid_id, building_id, address, status, created_at, updated_at, import_batch_id) VALUES
    (2004, 'H2004', 1003, 1005, '1号楼102', 'active', '2026-01-03 00:00:00', '2026-01-03 00:00:00', 4001),
    (2005, 'H2005', 1004, NULL, '平房5号',  'active', '2026-01-03 00:00:00', '2026-01-03 00:00:00', 4001);
INSERT INTO resident(id, id_number_bidx, name, sex, birth_date, household_id, grid_id, status, created_at, updated_at,
                     import_batch_id) VALUES
    (3006, 'B3006', '己', 'F', '1945-01-01', 2004, 1003, 'active',   '2026-01-03 00:00:00', '2026-01-03 00:00:00', 4001),
    (3007, 'B3007', '庚', 'M', '1980-01-01', 2004, 1003, 'active',   '2026-01-03 00:00:00', '2026-01-03 00:00:00', 4001),
    (3008, 'B3008', '辛', 'F', '1990-01-01', 2005, 1004, 'active',   '2026-01-03 00:00:00', '2026-01-03 00:00:00', 4001),
    (3009, 'B3009', '壬', 'M', '1920-01-01', 2005, 1004, 'deceased', '2026-01-03 00:00:00', '2026-01-03 00:00:00', 4001);
INSERT INTO resident_tag(resident_id, tag) VALUES (3006, 'elderly'), (3006, 'living_alone'), (3008, 'dibao'),
    (3009, 'elderly');
SELECT 'batch running', t.* FROM t_step t;

-- ... count from the UPDATE that commits it ...
UPDATE import_batch SET state = 'committed', committed_at = '2026-01-03 00:01:00' WHERE id = 4001;
SELECT 'batch committed', t.* FROM t_step t;

-- ... are written to like any other rows ...
INSERT INTO resident_tag(resident_id, tag) VALUES (3007, 'veteran');
UPDATE resident SET household_id = 2001, grid_id = 1004 WHERE id = 3008;
UPDATE household SET building_id = 1007 WHERE id = 2004;
SELECT 'batch rows written', t.* FROM t_step t;

-- ... and stop counting when the batch is undone, before its rows go
UPDATE import_batch SET state = 'undoing' WHERE id = 4001;
SELECT 'batch undoing', t.* FROM t_step t;
DELETE FROM resident_tag WHERE resident_id IN (SELECT id FROM resident WHERE import_batch_id = 4001);
DELETE FROM resident WHERE import_batch_id = 4001;
DELETE FROM household WHERE import_batch_id = 4001;
UPDATE import_batch SET state = 'undone', finished_at = '2026-01-03 00:02:00' WHERE id = 4001;
SELECT 'batch undone', t.* FROM t_step t;

-- a batch that fails never counts
INSERT INTO import_batch(id, username, mode, state, pid, heartbeat, started_at)
    VALUES (4002, 'admin', 'valid', 'running', 1, 0, '2026-01-04 00:00:00');
INSERT INTO household(id, code, grid_id, building_id, address, status, created_at, updated_at, import_batch_id) VALUES
    (2006, 'H2006', 1003, 1005, '1号楼103', 'active', '2026-01-04 00:00:00', '2026-01-04 00:00:00', 4002);
INSERT INTO resident(id, id_number_bidx, name, sex, birth_date, household_id, grid_id, status, created_at, updated_at,
                     import_batch_id) VALUES
    (3010, 'B3010', '癸', 'M', '1950-01-01', 2006, 1003, 'active', '2026-01-04 00:00:00', '2026-01-04 00:00:00', 4002);
INSERT INTO resident_tag(resident_id, tag) VALUES (3010, 'tekun');
UPDATE import_batch SET state = 'undoing' WHERE id = 4002;
DELETE FROM resident_tag WHERE resident_id = 3010;
DELETE FROM resident WHERE import_batch_id = 4002;
DELETE FROM household WHERE import_batch_id = 4002;
UPDATE import_batch SET state = 'failed' WHERE id = 4002;
SELECT 'batch failed', t.* FROM t_step t;

-- a counted resident and its tags deleted (the triggers allow it)
DELETE FROM resident_tag WHERE resident_id = 3003;
DELETE FROM resident WHERE id = 3003;
SELECT 'resident deleted', t.* FROM t_step t;

SELECT 'count', unit_id, what, n FROM registry_count ORDER BY unit_id, what;
SELECT 'drift', unit_id, what, stored, actual FROM t_drift ORDER BY unit_id, what;

-- rows inserted without an id after rows with chosen ids: after the
-- highest id so far (SQLite reuses the id of a deleted last row of a
-- table without AUTOINCREMENT, PostgreSQL's sequence does not, so the
-- household's id is only checked to be above every live one)
INSERT INTO org_unit(parent_id, kind, code, name, path, created_at, updated_at)
    VALUES (1003, 'building', 'T01001-01-03', '4号楼', '/1001/1002/1003/x/', '2026-01-05 00:00:00', '2026-01-05 00:00:00');
INSERT INTO household(code, grid_id, address, created_at, updated_at)
    VALUES ('H-next', 1003, '平房9号', '2026-01-05 00:00:00', '2026-01-05 00:00:00');
SELECT 'next ids', (SELECT id FROM org_unit WHERE code = 'T01001-01-03'),
       CASE WHEN (SELECT id FROM household WHERE code = 'H-next') > 2003 THEN 'above' ELSE 'reused' END;
