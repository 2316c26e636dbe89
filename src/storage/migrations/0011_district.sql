-- 0011_district.sql — the district (区): a level above the street, so
-- that one database holds the streets of one district (issue 8).
--
-- The district is the root of the tree and its path is "/", the root
-- path itself: a street keeps its path ("/1/") whether it is the root
-- of a one-street database or a street of the district, and every path
-- stored elsewhere (audit_log.org_path, import_batch.org_path, workflow
-- cases, security alerts, the depth of a workflow level) stays true when
-- a district is added above an existing street. The price: one district
-- per database (path is UNIQUE and only the district's is "/").
--
-- An existing database is not changed by this migration: its street
-- stays the root until `minsheng org district CODE NAME` adds the
-- district above it (src/registry/org.c, org_create_district: the
-- street's parent_id is set, no path moves). A district is never below
-- anything; a street is the root (one-street database) or the child of
-- the district; every other unit has a parent.
--
-- SQLite cannot change a CHECK constraint: org_unit is rebuilt with the
-- same columns in the same order (foreign keys are off during a
-- migration and checked before it commits, so the tables that reference
-- org_unit keep pointing at the rebuilt one).
CREATE TABLE org_unit_new (
    id               INTEGER PRIMARY KEY,
    parent_id        INTEGER REFERENCES org_unit(id),
    kind             TEXT NOT NULL CHECK (kind = 'district' OR kind = 'street' OR kind = 'community' OR kind = 'grid' OR kind = 'building'),
    code             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    path             TEXT NOT NULL UNIQUE,
    leader_name      TEXT,          -- grid: 网格员; building: 楼长; community/street/district: 负责人
    leader_phone     TEXT,
    notes            TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    leader_phone_enc TEXT,
    CHECK (kind = 'street' OR (parent_id IS NULL) = (kind = 'district')),
    CHECK ((kind = 'district') = (path = '/'))
);
INSERT INTO org_unit_new(id, parent_id, kind, code, name, path, leader_name, leader_phone, notes, created_at,
                         updated_at, version, leader_phone_enc)
    SELECT id, parent_id, kind, code, name, path, leader_name, leader_phone, notes, created_at, updated_at, version,
           leader_phone_enc
    FROM org_unit;
DROP TABLE org_unit;
ALTER TABLE org_unit_new RENAME TO org_unit;
CREATE INDEX org_unit_parent ON org_unit(parent_id);
CREATE INDEX org_unit_kind_path ON org_unit(kind, path);
