-- 0017_resident_search.sql — finding people among a million: by any
-- part of the name, by pinyin and pinyin initials, by the last 4 digits
-- of a phone and the last 4–6 characters of an ID number (issue 9);
-- lists sorted by name in pinyin order.
--
-- resident.name_py: the name's pinyin (Names reading: 单 shan, 曾 zeng),
-- lowercase syllables separated by spaces ("zhang san"): the sort key of
-- sort=name. The name indexes of 0010 are rebuilt on it.
--
-- resident_search_key: the terms a resident is found by, one row each
-- (src/registry/resident_search.c; src/util/pinyin.h):
--   every suffix of the name's characters (张三丰, 三丰, 丰), so that an
--     infix search is a prefix range of this table;
--   every syllable suffix of the pinyin (zhangsanfeng, sanfeng, feng) and
--     the initials of the whole name (zsf), of the Names reading and, when it differs,
--     of the plain reading (dan for 单);
--   keyed blind indexes of the phone's last 4 digits and the ID number's
--     last 4, 5 and 6 characters, "#p", "#4", "#5", "#6" followed by 16
--     hex digits of fc_blind (core/fieldcrypt.c, domain tags 3–6): the
--     values stay encrypted in resident; see docs/design.md.
-- The primary key leads with the grid, so a search is one range per grid
-- of the caller's scope: a grid worker's search reads one grid's keys
-- only. SQL cannot transliterate nor compute a blind index: the program
-- writes the rows with the resident (registry_writer, resident_update,
-- the key-rotation pass), and fills them for residents registered before
-- this migration at its first start (resident_search_backfill, bounded
-- transactions, audited). The triggers below keep the grid current when
-- a resident moves and drop the rows with the resident.
ALTER TABLE resident ADD COLUMN name_py TEXT;

CREATE TABLE resident_search_key (
    grid_id     INTEGER NOT NULL,
    term        TEXT NOT NULL,
    resident_id INTEGER NOT NULL,
    PRIMARY KEY (grid_id, term, resident_id)
) WITHOUT ROWID;
CREATE INDEX resident_search_key_resident ON resident_search_key(resident_id);

-- The version of the key rules the rows were last made with: the
-- program refills every resident's keys when it is older than its own
-- (RESIDENT_SEARCH_VERSION). A database without residents has nothing to fill.
CREATE TABLE resident_search_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO resident_search_state(id, version) SELECT 1, 1 WHERE NOT EXISTS (SELECT 1 FROM resident);

DROP INDEX resident_grid_name;
CREATE INDEX resident_grid_name ON resident(grid_id, status, name_py, id, import_batch_id);
DROP INDEX resident_status_name;
CREATE INDEX resident_status_name ON resident(status, name_py, id, grid_id, import_batch_id);

CREATE TRIGGER resident_search_key_grid AFTER UPDATE OF grid_id ON resident
WHEN OLD.grid_id IS NOT NEW.grid_id
BEGIN
    UPDATE resident_search_key SET grid_id = NEW.grid_id WHERE resident_id = NEW.id;
END;

CREATE TRIGGER resident_search_key_delete AFTER DELETE ON resident
BEGIN
    DELETE FROM resident_search_key WHERE resident_id = OLD.id;
END;
