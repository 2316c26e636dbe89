-- 0025_demands.sql — citizen demands (诉求工单, issue 12, first part): the
-- category tree with its time limits, the street's departments and the
-- accounts that act for them, work orders as cases of the workflow
-- engine, urgings (催办) and duplicate decisions.
--
-- Who owns the SQL (all of it in src/demands/):
--   category.c  demand_category
--   dept.c      demand_department, demand_department_member
--   order.c     demand_order, demand_urge, demand_duplicate
-- The states and transitions are in order_flow.c (wf_type "workorder");
-- wf_case holds the state, the org path (the grid where the problem
-- is) and the due time of the current state. Timestamps are UTC text
-- as elsewhere; limits are working days on the calendar of 0002.

-- The 12345 category tree: top-level categories and their
-- sub-categories (two levels). handle_days: working days from 交办 to
-- 办结; sign_days: working days from 交办 to 签收. A sub-category
-- carries its own limits (seeded as its parent's unless the hotline's
-- practice is shorter). Inactive categories stay for old orders and are
-- not offered at intake.
CREATE TABLE demand_category (
    id           INTEGER PRIMARY KEY,
    parent_id    INTEGER REFERENCES demand_category(id),
    name         TEXT NOT NULL,
    handle_days  INTEGER NOT NULL CHECK (handle_days >= 1 AND handle_days <= 60),
    sign_days    INTEGER NOT NULL CHECK (sign_days >= 1 AND sign_days <= 10),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active = 0 OR active = 1),
    sort         INTEGER NOT NULL DEFAULT 0,
    CHECK (sign_days <= handle_days)
);
CREATE UNIQUE INDEX demand_category_top_name ON demand_category(name) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX demand_category_sub_name ON demand_category(parent_id, name) WHERE parent_id IS NOT NULL;

INSERT INTO demand_category(id, parent_id, name, handle_days, sign_days, sort) VALUES
    (1, NULL, '环境卫生', 5, 1, 1),
    (2, NULL, '市政设施', 10, 1, 2),
    (3, NULL, '物业管理', 10, 1, 3),
    (4, NULL, '邻里纠纷', 10, 1, 4),
    (5, NULL, '社会保障', 15, 1, 5),
    (6, NULL, '治安', 3, 1, 6),
    (7, NULL, '噪音', 3, 1, 7),
    (8, NULL, '违建', 15, 1, 8),
    (9, NULL, '交通出行', 10, 1, 9),
    (10, NULL, '市场监管', 10, 1, 10),
    (11, NULL, '其他', 10, 1, 99),
    (101, 1, '垃圾清运', 3, 1, 1),
    (102, 1, '道路保洁', 3, 1, 2),
    (103, 1, '公厕', 5, 1, 3),
    (104, 1, '占道经营', 5, 1, 4),
    (201, 2, '路灯', 5, 1, 1),
    (202, 2, '道路破损', 10, 1, 2),
    (203, 2, '井盖缺失', 1, 1, 3),
    (204, 2, '供排水', 5, 1, 4),
    (205, 2, '供暖', 3, 1, 5),
    (301, 3, '物业服务', 10, 1, 1),
    (302, 3, '电梯', 5, 1, 2),
    (303, 3, '停车', 10, 1, 3),
    (304, 3, '维修资金', 15, 1, 4),
    (401, 4, '漏水', 10, 1, 1),
    (402, 4, '宠物扰民', 10, 1, 2),
    (403, 4, '楼道堆物', 5, 1, 3),
    (501, 5, '低保救助', 15, 1, 1),
    (502, 5, '养老服务', 15, 1, 2),
    (503, 5, '医保社保', 15, 1, 3),
    (504, 5, '残疾人服务', 15, 1, 4),
    (601, 6, '治安隐患', 3, 1, 1),
    (602, 6, '消防隐患', 1, 1, 2),
    (701, 7, '施工噪音', 3, 1, 1),
    (702, 7, '生活噪音', 3, 1, 2),
    (703, 7, '商业噪音', 3, 1, 3),
    (801, 8, '私搭乱建', 15, 1, 1),
    (802, 8, '破坏承重结构', 5, 1, 2);

-- The departments (部门) a street assigns orders to (城管, 市场监管, 住建 …):
-- the street's own list. An account acts for at most one department;
-- such an account (role viewer or street) sees and acts on the orders
-- assigned to its department only.
CREATE TABLE demand_department (
    id         INTEGER PRIMARY KEY,
    street_id  INTEGER NOT NULL REFERENCES org_unit(id),
    name       TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active = 0 OR active = 1),
    created_at TEXT NOT NULL,
    UNIQUE (street_id, name)
);
CREATE TABLE demand_department_member (
    user_id        INTEGER PRIMARY KEY REFERENCES app_user(id),
    department_id  INTEGER NOT NULL REFERENCES demand_department(id)
);
CREATE INDEX demand_department_member_dept ON demand_department_member(department_id);

-- One work order; the id is the wf_case id.
--   source         hotline (12345, with the hotline's own order number
--                  hotline_no) | petition (信访) | walkin | patrol (网格巡查)
--                  | online
--   urgency        normal | urgent | critical (一般 / 紧急 / 特急)
--   grid_id        where the problem is (wf_case.org_path is its path)
--   lng_e6, lat_e6 the optional point, in millionths of a degree (WGS-84)
--   resident_id    the reporter when a registered resident, else NULL;
--   reporter_name, phone_enc/phone_bidx  the reporter as given; the phone
--                  encrypted (associated data "demand_order.phone" + id)
--                  with a blind index for the duplicate check
--   assignee_unit_id | assignee_dept_id  the unit (the order's community
--                  or grid) or the department it is assigned to, NULL
--                  before 交办 and after 退单
--   sign_due_at, handle_due_at  fixed at 交办 (and 重办) from the category's
--                  limits in working days
--   solved         at 办结: 1 solved, 0 answered only (已解释答复)
--   satisfaction   at 回访: satisfied | basic | dissatisfied
--   redo_count     dissatisfied callbacks sent back (at most 1)
CREATE TABLE demand_order (
    id                INTEGER PRIMARY KEY REFERENCES wf_case(id),
    source            TEXT NOT NULL CHECK (source = 'hotline' OR source = 'petition' OR source = 'walkin'
                                           OR source = 'patrol' OR source = 'online'),
    hotline_no        TEXT,
    category_id       INTEGER NOT NULL REFERENCES demand_category(id),
    urgency           TEXT NOT NULL DEFAULT 'normal' CHECK (urgency = 'normal' OR urgency = 'urgent'
                                                            OR urgency = 'critical'),
    grid_id           INTEGER NOT NULL REFERENCES org_unit(id),
    address           TEXT NOT NULL,
    lng_e6            INTEGER,
    lat_e6            INTEGER,
    resident_id       INTEGER REFERENCES resident(id),
    reporter_name     TEXT NOT NULL,
    phone_enc         TEXT,
    phone_bidx        TEXT,
    content           TEXT NOT NULL,
    attachments       TEXT NOT NULL DEFAULT '[]',
    assignee_unit_id  INTEGER REFERENCES org_unit(id),
    assignee_dept_id  INTEGER REFERENCES demand_department(id),
    assigned_at       TEXT,
    sign_due_at       TEXT,
    handle_due_at     TEXT,
    signed_at         TEXT,
    finished_at       TEXT,
    result            TEXT,
    solved            INTEGER CHECK (solved IS NULL OR solved = 0 OR solved = 1),
    satisfaction      TEXT CHECK (satisfaction IS NULL OR satisfaction = 'satisfied' OR satisfaction = 'basic'
                                  OR satisfaction = 'dissatisfied'),
    callback_at       TEXT,
    redo_count        INTEGER NOT NULL DEFAULT 0,
    return_count      INTEGER NOT NULL DEFAULT 0,
    merged_into       INTEGER REFERENCES demand_order(id),
    CHECK (assignee_unit_id IS NULL OR assignee_dept_id IS NULL)
);
CREATE UNIQUE INDEX demand_order_hotline_no ON demand_order(hotline_no) WHERE hotline_no IS NOT NULL;
CREATE INDEX demand_order_phone ON demand_order(phone_bidx) WHERE phone_bidx IS NOT NULL;
CREATE INDEX demand_order_place ON demand_order(category_id, address);
CREATE INDEX demand_order_unit ON demand_order(assignee_unit_id) WHERE assignee_unit_id IS NOT NULL;
CREATE INDEX demand_order_dept ON demand_order(assignee_dept_id) WHERE assignee_dept_id IS NOT NULL;

-- 催办: who urged which order, when, with what note. No state change.
CREATE TABLE demand_urge (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES demand_order(id),
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES app_user(id),
    actor_name  TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX demand_urge_order ON demand_urge(order_id, id);

-- A decision on a pair of orders flagged as possible duplicates
-- (low_id < high_id): merged (one went into the other) or distinct (not
-- a duplicate: never flagged again for that pair).
CREATE TABLE demand_duplicate (
    low_id      INTEGER NOT NULL REFERENCES demand_order(id),
    high_id     INTEGER NOT NULL REFERENCES demand_order(id),
    decision    TEXT NOT NULL CHECK (decision = 'merged' OR decision = 'distinct'),
    decided_by  INTEGER REFERENCES app_user(id),
    decided_at  TEXT NOT NULL,
    PRIMARY KEY (low_id, high_id),
    CHECK (low_id < high_id)
);
