-- 0001_registry.sql — org-unit tree, households, residents, tags,
-- registry history, users, sessions and the audit log.
--
-- Conventions: timestamps are UTC "YYYY-MM-DD HH:MM:SS" text; nothing
-- in the registry is ever hard-deleted (status columns keep history);
-- every org unit carries its materialised path ("/1/4/17/") so that
-- scope checks are a prefix comparison. Enumerations are checked with OR
-- chains, not IN lists: SQLite 3.40 builds a temporary index for every
-- IN-list CHECK on every insert, which halved bulk import speed.

CREATE TABLE org_unit (
    id            INTEGER PRIMARY KEY,
    parent_id     INTEGER REFERENCES org_unit(id),
    kind          TEXT NOT NULL CHECK (kind = 'street' OR kind = 'community' OR kind = 'grid' OR kind = 'building'),
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    path          TEXT NOT NULL UNIQUE,
    leader_name   TEXT,          -- grid: 网格员; building: 楼长; community/street: 负责人
    leader_phone  TEXT,
    notes         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((kind = 'street') = (parent_id IS NULL))
);
CREATE INDEX org_unit_parent ON org_unit(parent_id);

CREATE TABLE household (
    id                 INTEGER PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,           -- 户编号
    grid_id            INTEGER NOT NULL REFERENCES org_unit(id),
    building_id        INTEGER REFERENCES org_unit(id),
    address            TEXT NOT NULL,
    registered_address TEXT,                           -- 户籍地址
    actual_address     TEXT,                           -- 实际居住地址
    phone              TEXT,
    head_resident_id   INTEGER REFERENCES resident(id) DEFERRABLE INITIALLY DEFERRED,
    notes              TEXT,
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status = 'active' OR status = 'closed'),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX household_grid ON household(grid_id, status);
CREATE INDEX household_building ON household(building_id);

CREATE TABLE resident (
    id                INTEGER PRIMARY KEY,
    id_number         TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    sex               TEXT NOT NULL CHECK (sex = 'M' OR sex = 'F'),
    birth_date        TEXT NOT NULL,
    household_id      INTEGER NOT NULL REFERENCES household(id),
    grid_id           INTEGER NOT NULL REFERENCES org_unit(id),  -- copy of household.grid_id, for scoped search
    relation          TEXT NOT NULL DEFAULT '其他',               -- 与户主关系
    phone             TEXT,
    hukou_type        TEXT CHECK (hukou_type = '城镇' OR hukou_type = '农村' OR hukou_type = '其他'),
    residence_status  TEXT NOT NULL DEFAULT '户籍' CHECK (residence_status = '户籍' OR residence_status = '常住' OR residence_status = '流动'),
    employment        TEXT CHECK (employment = '在业' OR employment = '失业' OR employment = '退休' OR employment = '在校学生' OR employment = '学龄前' OR employment = '无业' OR employment = '灵活就业' OR employment = '其他'),
    disability_type   TEXT CHECK (disability_type = '视力' OR disability_type = '听力' OR disability_type = '言语' OR disability_type = '肢体' OR disability_type = '智力' OR disability_type = '精神' OR disability_type = '多重'),
    disability_grade  INTEGER CHECK (disability_grade BETWEEN 1 AND 4),
    party_member      INTEGER NOT NULL DEFAULT 0 CHECK (party_member = 0 OR party_member = 1),
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status = 'active' OR status = 'deceased' OR status = 'moved_out'),
    status_date       TEXT,
    notes             TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK ((disability_type IS NULL) = (disability_grade IS NULL))
);
CREATE INDEX resident_grid_name ON resident(grid_id, status, name);
CREATE INDEX resident_name ON resident(name, status);      -- covers name-prefix counts
CREATE INDEX resident_phone ON resident(phone);
CREATE INDEX resident_household ON resident(household_id);

CREATE TABLE tag_def (
    code   TEXT PRIMARY KEY,
    label  TEXT NOT NULL UNIQUE,
    sort   INTEGER NOT NULL
);
INSERT INTO tag_def(code, label, sort) VALUES
    ('elderly',            '高龄',     1),
    ('disabled',           '残疾',     2),
    ('dibao',              '低保',     3),
    ('tekun',              '特困',     4),
    ('left_behind_elder',  '留守老人', 5),
    ('left_behind_child',  '留守儿童', 6),
    ('released_prisoner',  '刑释解教', 7),
    ('veteran',            '退役军人', 8),
    ('living_alone',       '独居',     9),
    ('hardship_elder',     '经济困难老人', 10),
    ('hardship_child',     '困境儿童', 11);

CREATE TABLE resident_tag (
    resident_id INTEGER NOT NULL REFERENCES resident(id),
    tag         TEXT NOT NULL REFERENCES tag_def(code),
    PRIMARY KEY (resident_id, tag)
) WITHOUT ROWID;
CREATE INDEX resident_tag_by_tag ON resident_tag(tag, resident_id);

-- Moves between households/grids and status changes: the registry's own
-- history, shown to grid workers (the audit log is the security record).
CREATE TABLE registry_event (
    id            INTEGER PRIMARY KEY,
    entity        TEXT NOT NULL CHECK (entity = 'resident' OR entity = 'household'),
    entity_id     INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind = 'created' OR kind = 'updated' OR kind = 'moved' OR kind = 'deceased' OR kind = 'moved_out' OR kind = 'closed' OR kind = 'reopened'),
    from_grid_id  INTEGER REFERENCES org_unit(id),
    to_grid_id    INTEGER REFERENCES org_unit(id),
    from_household_id INTEGER REFERENCES household(id),
    to_household_id   INTEGER REFERENCES household(id),
    event_date    TEXT,
    note          TEXT,
    user_id       INTEGER REFERENCES app_user(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX registry_event_entity ON registry_event(entity, entity_id);

CREATE TABLE app_user (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role = 'admin' OR role = 'auditor' OR role = 'street' OR role = 'community' OR role = 'grid' OR role = 'viewer'),
    org_unit_id    INTEGER NOT NULL REFERENCES org_unit(id),
    password_hash  TEXT NOT NULL,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER NOT NULL DEFAULT 0,   -- unix seconds
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE session (
    token_hash   TEXT PRIMARY KEY,               -- hex BLAKE2b of the token; the token itself is never stored
    user_id      INTEGER NOT NULL REFERENCES app_user(id),
    created_at   INTEGER NOT NULL,               -- unix seconds
    last_seen    INTEGER NOT NULL,
    client_ip    TEXT
);
CREATE INDEX session_user ON session(user_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER,
    username    TEXT,
    action      TEXT NOT NULL,     -- create, update, move, status, login, login_failed, logout, view_full_id, import, export, ...
    entity      TEXT,
    entity_id   INTEGER,
    org_path    TEXT,              -- scope of the touched entity, for scoped audit queries
    before_json TEXT,
    after_json  TEXT,
    client_ip   TEXT,
    detail      TEXT
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_user ON audit_log(user_id);
