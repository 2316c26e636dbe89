-- 0002_workflow.sql — the working-day calendar and the workflow engine's
-- cases and timelines (src/workflow/).
--
-- Conventions as in 0001: timestamps are UTC "YYYY-MM-DD HH:MM:SS" text,
-- enumerations are checked with OR chains. Calendar days, by contrast,
-- are China local dates (UTC+8): a deadline is "the end of a local day".

-- Exceptions to the weekly rhythm. A day without a row is a working day
-- Monday to Friday and a rest day on Saturday and Sunday; a row turns a
-- day into a holiday (法定节假日 and the rest days moved next to it) or
-- into a working day (调休上班 on a weekend). Maintained by the admin
-- (calendar.h: cal_set_day / cal_remove_day, each audited); seeded below
-- from the State Council notices for 2025 (国办发明电〔2024〕12号) and
-- 2026 (published 2025-11-04). Later years must be entered when the
-- State Council publishes them, each November.
CREATE TABLE work_calendar (
    day   TEXT PRIMARY KEY CHECK (length(day) = 10),   -- local date "YYYY-MM-DD"
    kind  TEXT NOT NULL CHECK (kind = 'holiday' OR kind = 'workday'),
    name  TEXT NOT NULL                                 -- 春节 / 春节调休上班
) WITHOUT ROWID;

INSERT INTO work_calendar(day, kind, name) VALUES
    -- 2025
    ('2025-01-01', 'holiday', '元旦'),
    ('2025-01-26', 'workday', '春节调休上班'),   -- Sun
    ('2025-01-28', 'holiday', '春节'),
    ('2025-01-29', 'holiday', '春节'),
    ('2025-01-30', 'holiday', '春节'),
    ('2025-01-31', 'holiday', '春节'),
    ('2025-02-01', 'holiday', '春节'),
    ('2025-02-02', 'holiday', '春节'),
    ('2025-02-03', 'holiday', '春节'),
    ('2025-02-04', 'holiday', '春节'),
    ('2025-02-08', 'workday', '春节调休上班'),   -- Sat
    ('2025-04-04', 'holiday', '清明节'),
    ('2025-04-05', 'holiday', '清明节'),
    ('2025-04-06', 'holiday', '清明节'),
    ('2025-04-27', 'workday', '劳动节调休上班'),   -- Sun
    ('2025-05-01', 'holiday', '劳动节'),
    ('2025-05-02', 'holiday', '劳动节'),
    ('2025-05-03', 'holiday', '劳动节'),
    ('2025-05-04', 'holiday', '劳动节'),
    ('2025-05-05', 'holiday', '劳动节'),
    ('2025-05-31', 'holiday', '端午节'),
    ('2025-06-01', 'holiday', '端午节'),
    ('2025-06-02', 'holiday', '端午节'),
    ('2025-09-28', 'workday', '国庆节调休上班'),   -- Sun
    ('2025-10-01', 'holiday', '国庆节、中秋节'),
    ('2025-10-02', 'holiday', '国庆节、中秋节'),
    ('2025-10-03', 'holiday', '国庆节、中秋节'),
    ('2025-10-04', 'holiday', '国庆节、中秋节'),
    ('2025-10-05', 'holiday', '国庆节、中秋节'),
    ('2025-10-06', 'holiday', '国庆节、中秋节'),
    ('2025-10-07', 'holiday', '国庆节、中秋节'),
    ('2025-10-08', 'holiday', '国庆节、中秋节'),
    ('2025-10-11', 'workday', '国庆节调休上班'),   -- Sat
    -- 2026
    ('2026-01-01', 'holiday', '元旦'),
    ('2026-01-02', 'holiday', '元旦'),
    ('2026-01-03', 'holiday', '元旦'),
    ('2026-01-04', 'workday', '元旦调休上班'),   -- Sun
    ('2026-02-14', 'workday', '春节调休上班'),   -- Sat
    ('2026-02-15', 'holiday', '春节'),
    ('2026-02-16', 'holiday', '春节'),
    ('2026-02-17', 'holiday', '春节'),
    ('2026-02-18', 'holiday', '春节'),
    ('2026-02-19', 'holiday', '春节'),
    ('2026-02-20', 'holiday', '春节'),
    ('2026-02-21', 'holiday', '春节'),
    ('2026-02-22', 'holiday', '春节'),
    ('2026-02-23', 'holiday', '春节'),
    ('2026-02-28', 'workday', '春节调休上班'),   -- Sat
    ('2026-04-04', 'holiday', '清明节'),
    ('2026-04-05', 'holiday', '清明节'),
    ('2026-04-06', 'holiday', '清明节'),
    ('2026-05-01', 'holiday', '劳动节'),
    ('2026-05-02', 'holiday', '劳动节'),
    ('2026-05-03', 'holiday', '劳动节'),
    ('2026-05-04', 'holiday', '劳动节'),
    ('2026-05-05', 'holiday', '劳动节'),
    ('2026-05-09', 'workday', '劳动节调休上班'),   -- Sat
    ('2026-06-19', 'holiday', '端午节'),
    ('2026-06-20', 'holiday', '端午节'),
    ('2026-06-21', 'holiday', '端午节'),
    ('2026-09-20', 'workday', '国庆节调休上班'),   -- Sun
    ('2026-09-25', 'holiday', '中秋节'),
    ('2026-09-26', 'holiday', '中秋节'),
    ('2026-09-27', 'holiday', '中秋节'),
    ('2026-10-01', 'holiday', '国庆节'),
    ('2026-10-02', 'holiday', '国庆节'),
    ('2026-10-03', 'holiday', '国庆节'),
    ('2026-10-04', 'holiday', '国庆节'),
    ('2026-10-05', 'holiday', '国庆节'),
    ('2026-10-06', 'holiday', '国庆节'),
    ('2026-10-07', 'holiday', '国庆节'),
    ('2026-10-10', 'workday', '国庆节调休上班');   -- Sat

-- One row per case of any type. The owning module (assistance, 12345
-- work orders, mediation, hazards …) keeps its own table whose rows point
-- here; this row holds what the engine needs: the state, the org unit
-- the case belongs to (its path, for scope checks) and the deadline of
-- the current state.
CREATE TABLE wf_case (
    id                INTEGER PRIMARY KEY,
    type              TEXT NOT NULL,                     -- wf_type.code: the module's case type
    state             TEXT NOT NULL,                     -- wf_state.code
    org_path          TEXT NOT NULL,                     -- org_unit.path the case belongs to: "/1/4/17/"
    title             TEXT NOT NULL,
    created_by        INTEGER REFERENCES app_user(id),   -- NULL = command line
    created_at        TEXT NOT NULL,
    state_entered_at  TEXT NOT NULL,
    due_at            TEXT,                              -- end of the current state's time limit; NULL = none
    closed_at         TEXT,                              -- when a terminal state was entered
    CHECK (closed_at IS NULL OR due_at IS NULL)
);
CREATE INDEX wf_case_type_state ON wf_case(type, state);
CREATE INDEX wf_case_org ON wf_case(org_path);
CREATE INDEX wf_case_open_due ON wf_case(due_at) WHERE closed_at IS NULL;

-- The history of a case, one row for its creation and one per
-- transition, shown to staff as the case's progress (the audit log is the
-- security record and gets its own row for each).
CREATE TABLE wf_timeline (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES wf_case(id),
    at           TEXT NOT NULL,
    actor_id     INTEGER REFERENCES app_user(id),        -- NULL = command line
    actor_name   TEXT NOT NULL,
    from_state   TEXT,                                   -- NULL on the 'created' row
    to_state     TEXT NOT NULL,
    action       TEXT NOT NULL,                          -- wf_transition.action, or 'created'
    opinion      TEXT,
    attachments  TEXT NOT NULL DEFAULT '[]'              -- JSON array of file names
);
CREATE INDEX wf_timeline_case ON wf_timeline(case_id, id);
