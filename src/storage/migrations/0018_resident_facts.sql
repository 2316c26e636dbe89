-- 0018_resident_facts.sql — facts that stay true (issue 9): the kind of
-- identity document a resident is registered with, and the stop flags a
-- death or a move out leaves for the modules that pay benefits or pair
-- visitors (src/registry/resident.c writes both; docs/api.md).
--
-- id_kind: 'citizen_id' (居民身份证), 'gat_residence_permit' (港澳台居民
-- 居住证, regions 810000/820000/830000) or 'foreign_permanent_residence'
-- (2023 外国人永久居留身份证, first digit 9), from util/idcard.c. Rows
-- registered before this migration have NULL and are read as the kind
-- their (decrypted) number has: the migration cannot read the encrypted
-- numbers.
ALTER TABLE resident ADD COLUMN id_kind TEXT
    CHECK (id_kind IN ('citizen_id', 'gat_residence_permit', 'foreign_permanent_residence'));

-- One row per death or move out recorded (POST /residents/{id}/status),
-- written in the same transaction as the status and its audit row. The
-- assistance and pairing modules, when they exist, stop what the person
-- receives and set handled_at; until then the flags wait, open.
CREATE TABLE resident_event_flag (
    id           INTEGER PRIMARY KEY,
    resident_id  INTEGER NOT NULL REFERENCES resident(id),
    event        TEXT NOT NULL CHECK (event IN ('deceased', 'moved_out')),
    event_date   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   INTEGER REFERENCES app_user(id),
    handled_at   TEXT,
    handled_by   TEXT
);
CREATE INDEX resident_event_flag_resident ON resident_event_flag(resident_id, id);
CREATE INDEX resident_event_flag_open ON resident_event_flag(handled_at, id);

-- 高龄 (70+) is refreshed from the birth date every day and filtered by
-- age_min / age_max: both are ranges of birth_date among a status.
CREATE INDEX resident_status_birth ON resident(status, birth_date, id);
