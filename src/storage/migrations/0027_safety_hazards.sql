-- 0027_safety_hazards.sql — safety production (安全生产, issue 12):
-- enterprises and places with their inspection plans, inspections, and
-- the hazard ledger (隐患台账) whose rows are cases of the workflow engine.
--
-- Who owns which SQL (all of it in src/safety/):
--   enterprise.c  safety_enterprise, safety_inspection
--   hazard.c      safety_hazard, safety_recheck
-- The hazard's states and transitions are in hazard_flow.c (wf_type
-- "hazard": 登记 → 整改中 → 待复查 → 已销号); wf_case holds the state and
-- the org path (the grid of the enterprise or place). Dates a person
-- writes (inspected on, deadline, re-checked on) are China local dates
-- "YYYY-MM-DD"; timestamps are UTC text as elsewhere.

-- An enterprise or place under inspection, in one grid.
--   kind          工业企业 / 商铺 / 餐饮 / 出租屋 / 三小场所 / 建筑工地 /
--                 加油站 / 人员密集场所 / 其他 (enterprise.c's list)
--   phone_enc     the contact's phone, encrypted (core/fieldcrypt.h, column
--                 "safety_enterprise.phone"); shown masked in lists
--   frequency     the inspection plan: monthly | quarterly | half_yearly
--   plan_from     the day the plan counts from until a first inspection
--   last_inspected_on  the latest inspection's date (NULL: none yet)
--   next_due_on   (last inspection, else plan_from) + the plan's period:
--                 past it and active = the inspection is overdue
CREATE TABLE safety_enterprise (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL,
    address            TEXT NOT NULL,
    grid_id            INTEGER NOT NULL REFERENCES org_unit(id),
    org_path           TEXT NOT NULL,
    community_id       INTEGER NOT NULL REFERENCES org_unit(id),
    contact_name       TEXT NOT NULL DEFAULT '',
    phone_enc          TEXT,
    frequency          TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'half_yearly')),
    plan_from          TEXT NOT NULL,
    last_inspected_on  TEXT,
    next_due_on        TEXT NOT NULL,
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version            INTEGER NOT NULL DEFAULT 1,
    created_by         INTEGER REFERENCES app_user(id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX safety_enterprise_path ON safety_enterprise(org_path, kind);
CREATE INDEX safety_enterprise_due ON safety_enterprise(active, next_due_on);

-- One inspection of an enterprise (检查记录).
--   inspectors    names joined with "、" (at least one)
--   result        合格 | 发现隐患 | 责令停业整顿
CREATE TABLE safety_inspection (
    id             INTEGER PRIMARY KEY,
    enterprise_id  INTEGER NOT NULL REFERENCES safety_enterprise(id),
    org_path       TEXT NOT NULL,
    inspected_on   TEXT NOT NULL,
    inspectors     TEXT NOT NULL,
    findings       TEXT NOT NULL DEFAULT '',
    result         TEXT NOT NULL,
    created_by     INTEGER REFERENCES app_user(id),
    created_at     TEXT NOT NULL
);
CREATE INDEX safety_inspection_enterprise ON safety_inspection(enterprise_id, inspected_on);
CREATE INDEX safety_inspection_path ON safety_inspection(org_path, inspected_on);

-- A hazard of the ledger (隐患台账). The id is the wf_case id.
--   enterprise_id  the enterprise or place (NULL: a hazard reported at a
--                  place that is not registered; place names it)
--   inspection_id  the inspection that found it (NULL: reported directly)
--   level          一般 | 较大 | 重大
--   deadline       the rectification deadline (整改期限): past it and not
--                  销号 = overdue
CREATE TABLE safety_hazard (
    id              INTEGER PRIMARY KEY REFERENCES wf_case(id),
    enterprise_id   INTEGER REFERENCES safety_enterprise(id),
    inspection_id   INTEGER REFERENCES safety_inspection(id),
    grid_id         INTEGER NOT NULL REFERENCES org_unit(id),
    community_id    INTEGER NOT NULL REFERENCES org_unit(id),
    place           TEXT NOT NULL DEFAULT '',
    level           TEXT NOT NULL CHECK (level IN ('一般', '较大', '重大')),
    description     TEXT NOT NULL,
    measure         TEXT NOT NULL DEFAULT '',
    responsible     TEXT NOT NULL DEFAULT '',
    found_on        TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX safety_hazard_enterprise ON safety_hazard(enterprise_id);
CREATE INDEX safety_hazard_deadline ON safety_hazard(deadline);

-- Every re-check (复查) of a hazard: who, when, the result. 销号 is taken
-- only together with a passing one; a failing one sends the hazard back
-- to 整改中.
CREATE TABLE safety_recheck (
    id          INTEGER PRIMARY KEY,
    hazard_id   INTEGER NOT NULL REFERENCES safety_hazard(id),
    checked_on  TEXT NOT NULL,
    checkers    TEXT NOT NULL,
    passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
    note        TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES app_user(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX safety_recheck_hazard ON safety_recheck(hazard_id);
