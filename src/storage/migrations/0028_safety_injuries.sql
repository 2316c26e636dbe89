-- 0028_safety_injuries.sql — safety, injury records of the safe-community
-- programme (安全社区伤害监测, issue 12). src/safety/injury.c owns the SQL
-- and the code lists (place type, injury type, cause, severity, sex,
-- occupation, education: constants there, validated on every write and
-- served by GET /safety/injuries/codes); the analysis (counts by a
-- dimension or a cross-tab of two, year on year) is computed from these
-- rows, nothing is stored for it.
--
-- safety_injury: one injured person's record.
--   org_unit_id  the community or grid the record belongs to (scope: the
--                unit's path; the analysis' community is the unit, or
--                the grid's parent)
--   injured_on   the China local date of the injury, 'YYYY-MM-DD'
--   age          completed years at injured_on (given, or computed from
--                a birth date or the linked resident's, which is not kept)
--   sex          '男' | '女'
--   resident_id  the registry's resident when the person is one (the
--                views show the name masked, never the ID number)
--   description  what happened, free text ('' = none)
--   version      incremented by every write (If-Match)
-- A deleted record is removed; its audit row keeps the before-image.
CREATE TABLE safety_injury (
    id           INTEGER PRIMARY KEY,
    org_unit_id  INTEGER NOT NULL REFERENCES org_unit(id),
    injured_on   TEXT NOT NULL,
    place_type   TEXT NOT NULL,
    age          INTEGER NOT NULL CHECK (age BETWEEN 0 AND 120),
    sex          TEXT NOT NULL,
    occupation   TEXT NOT NULL,
    education    TEXT NOT NULL,
    injury_type  TEXT NOT NULL,
    cause        TEXT NOT NULL,
    severity     TEXT NOT NULL,
    resident_id  INTEGER REFERENCES resident(id),
    description  TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 1,
    created_by   INTEGER REFERENCES app_user(id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX safety_injury_date ON safety_injury(injured_on);
CREATE INDEX safety_injury_unit ON safety_injury(org_unit_id, injured_on);
CREATE INDEX safety_injury_resident ON safety_injury(resident_id);
