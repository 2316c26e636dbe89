-- 0022_assistance_cases.sql — social assistance, second step (issue 11):
-- applications as cases of the workflow engine, what the investigation
-- and the democratic review record, the close-relative registry (回避),
-- public notices with their objections, and the monthly payment runs.
--
-- Who owns which SQL (all of it in src/assistance/):
--   case.c      assistance_case, assistance_member, assistance_income,
--               assistance_investigation, assistance_review
--   relative.c  assistance_relative
--   notice.c    assistance_notice, assistance_notice_case, assistance_objection
--   payment.c   assistance_payment_run, assistance_payment_line,
--               assistance_payment_hold, assistance_adjustment
-- The states and transitions are in case_flow.c (wf_type "assist" and
-- "assist_once"); wf_case holds the state, the org path (the household's
-- grid) and the deadline. Money is integer fen everywhere. Dates a
-- person writes ("investigated on", "posted on") are China local dates
-- "YYYY-MM-DD"; months are "YYYY-MM"; timestamps are UTC text as
-- elsewhere.

-- One application, and once approved the benefit it gives (在保). The id
-- is the wf_case id: one number for the case everywhere.
--   resident_id   the applicant (top-up: usually the head) or, for a
--                 per-person or one-off programme, the beneficiary
--   area          urban/rural: which standard applies
--   band_key      the band of a per-person programme ('dispersed',
--                 '1'..'4', 'orphan' …); age bands are computed each
--                 month from the ID number and left ''
--   members_counted, income_fen  the top-up's inputs, set by the
--                 investigation and by an adjustment (调整)
--   amount_fen    the monthly amount (one-off: the amount) as approved,
--                 shown on the notice; a payment run recomputes the
--                 regular amount from the standard in force that month
--   review_class  re-review class A/B/C (programme settings.review_months
--                 gives the interval); next_review_on the date it is due
--   start_month, end_month  first and last month paid ('YYYY-MM')
--   conflict_note a registered close relative of a staff member is in
--                 the household (relative.c sets it; NULL = none)
--   stop_flag     a death or a move out recorded in the registry for a
--                 person this case pays (resident_event_flag): the case
--                 is held out of payment runs until a street user stops
--                 or adjusts it (stop_flag_resident_id, stop_flag_date)
--   account_enc   the bank account number, encrypted (core/fieldcrypt.h,
--                 column "assistance_case.account"); account_tail its
--                 last four digits, the only part any view shows
CREATE TABLE assistance_case (
    id                    INTEGER PRIMARY KEY REFERENCES wf_case(id),
    programme_id          INTEGER NOT NULL REFERENCES assistance_programme(id),
    household_id          INTEGER NOT NULL REFERENCES household(id),
    resident_id           INTEGER NOT NULL REFERENCES resident(id),
    community_id          INTEGER NOT NULL REFERENCES org_unit(id),
    area                  TEXT NOT NULL CHECK (area IN ('urban', 'rural')),
    band_key              TEXT NOT NULL DEFAULT '',
    reason                TEXT NOT NULL DEFAULT '',
    source                TEXT NOT NULL DEFAULT 'application'
                          CHECK (source IN ('application', 'policy_find', 'enrolled')),
    members_counted       INTEGER CHECK (members_counted IS NULL OR members_counted >= 1),
    income_fen            INTEGER CHECK (income_fen IS NULL OR income_fen >= 0),
    requested_fen         INTEGER CHECK (requested_fen IS NULL OR requested_fen > 0),
    amount_fen            INTEGER CHECK (amount_fen IS NULL OR amount_fen >= 0),
    standard_id           INTEGER REFERENCES assistance_standard(id),
    review_class          TEXT CHECK (review_class IS NULL OR review_class IN ('A', 'B', 'C')),
    next_review_on        TEXT,
    start_month           TEXT,
    end_month             TEXT,
    conflict_note         TEXT,
    stop_flag             TEXT CHECK (stop_flag IS NULL OR stop_flag IN ('deceased', 'moved_out')),
    stop_flag_resident_id INTEGER REFERENCES resident(id),
    stop_flag_date        TEXT,
    bank_name             TEXT,
    account_name          TEXT,
    account_enc           TEXT,
    account_tail          TEXT,
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX assistance_case_programme ON assistance_case(programme_id, start_month);
CREATE INDEX assistance_case_household ON assistance_case(household_id);
CREATE INDEX assistance_case_resident ON assistance_case(resident_id);
CREATE INDEX assistance_case_review ON assistance_case(next_review_on);

-- The household as the investigation found it: one row per member
-- (resident_id NULL for a family member not registered in the street,
-- named only), whether the member is counted in the guarantee, and each
-- member's monthly income by source.
CREATE TABLE assistance_member (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES assistance_case(id),
    resident_id  INTEGER REFERENCES resident(id),
    name         TEXT NOT NULL,
    relation     TEXT NOT NULL DEFAULT '其他',
    counted      INTEGER NOT NULL DEFAULT 1 CHECK (counted IN (0, 1))
);
CREATE INDEX assistance_member_case ON assistance_member(case_id);
CREATE INDEX assistance_member_resident ON assistance_member(resident_id);

-- source: wage 工资性, pension 养老金, business 经营性, agriculture 农业,
-- property 财产性, support 赡养/抚养/扶养费, transfer 转移性, other 其他.
CREATE TABLE assistance_income (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES assistance_case(id),
    member_id    INTEGER NOT NULL REFERENCES assistance_member(id),
    source       TEXT NOT NULL CHECK (source IN ('wage', 'pension', 'business', 'agriculture', 'property',
                                                 'support', 'transfer', 'other')),
    monthly_fen  INTEGER NOT NULL CHECK (monthly_fen >= 0),
    note         TEXT
);
CREATE INDEX assistance_income_case ON assistance_income(case_id);

-- 入户调查: one row per case, replaced when the case is investigated again
-- (the audit log keeps the earlier record).
CREATE TABLE assistance_investigation (
    case_id          INTEGER PRIMARY KEY REFERENCES assistance_case(id),
    investigated_on  TEXT NOT NULL,
    investigators    TEXT NOT NULL,            -- at least two names, "、"-separated
    deposits_fen     INTEGER NOT NULL DEFAULT 0 CHECK (deposits_fen >= 0),
    housing          TEXT NOT NULL DEFAULT '',
    vehicles         TEXT NOT NULL DEFAULT '',
    assets_note      TEXT NOT NULL DEFAULT '',
    conclusion       TEXT NOT NULL DEFAULT '',
    recorded_by      INTEGER REFERENCES app_user(id),
    recorded_at      TEXT NOT NULL
);

-- 民主评议: date, participants, the vote and its result.
CREATE TABLE assistance_review (
    case_id        INTEGER PRIMARY KEY REFERENCES assistance_case(id),
    held_on        TEXT NOT NULL,
    participants   TEXT NOT NULL,
    votes_for      INTEGER NOT NULL DEFAULT 0 CHECK (votes_for >= 0),
    votes_against  INTEGER NOT NULL DEFAULT 0 CHECK (votes_against >= 0),
    votes_abstain  INTEGER NOT NULL DEFAULT 0 CHECK (votes_abstain >= 0),
    result         TEXT NOT NULL CHECK (result IN ('pass', 'fail')),
    notes          TEXT NOT NULL DEFAULT '',
    recorded_by    INTEGER REFERENCES app_user(id),
    recorded_at    TEXT NOT NULL
);

-- 近亲属备案: the close relatives of street staff, community cadres and
-- 低保 handlers. Matched by ID number through its blind index (the same
-- kind and key as resident.id_number_bidx), never by name. staff_user_id
-- links the staff member's account when there is one: the workflow then
-- refuses that account any step on a case whose household holds the
-- relative. A row is never deleted: removed_at ends it.
CREATE TABLE assistance_relative (
    id                INTEGER PRIMARY KEY,
    staff_user_id     INTEGER REFERENCES app_user(id),
    staff_name        TEXT NOT NULL,
    staff_post        TEXT NOT NULL,            -- 街道工作人员 / 社区干部 / 低保经办人员 …
    staff_unit_id     INTEGER NOT NULL REFERENCES org_unit(id),
    relative_name     TEXT NOT NULL,
    relation          TEXT NOT NULL,            -- 配偶 / 父母 / 子女 / 兄弟姐妹 / …
    relative_id_bidx  TEXT NOT NULL,
    relative_id_enc   TEXT,
    registered_on     TEXT NOT NULL,
    created_by        INTEGER REFERENCES app_user(id),
    created_at        TEXT NOT NULL,
    removed_at        TEXT,
    removed_by        INTEGER REFERENCES app_user(id),
    remove_reason     TEXT
);
CREATE INDEX assistance_relative_bidx ON assistance_relative(relative_id_bidx);
CREATE INDEX assistance_relative_staff ON assistance_relative(staff_user_id);

-- 公示: a batch of cases a community has checked, posted for `days`
-- calendar days (7 by default) from posted_on to ends_on. The rows of
-- assistance_notice_case keep what was printed (the masked name, the
-- household size, the programme and the amount) so the notice reads the
-- same later. Objections received during the period block the approval
-- of their case until resolved (upheld: the case goes back; dismissed).
CREATE TABLE assistance_notice (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES org_unit(id),
    org_path         TEXT NOT NULL,
    title            TEXT NOT NULL,
    days             INTEGER NOT NULL DEFAULT 7 CHECK (days BETWEEN 1 AND 30),
    posted_on        TEXT,
    ends_on          TEXT,
    complaint_phone  TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'posted', 'closed')),
    created_by       INTEGER REFERENCES app_user(id),
    created_at       TEXT NOT NULL,
    posted_by        INTEGER REFERENCES app_user(id),
    closed_at        TEXT
);
CREATE INDEX assistance_notice_path ON assistance_notice(org_path);

CREATE TABLE assistance_notice_case (
    notice_id       INTEGER NOT NULL REFERENCES assistance_notice(id),
    case_id         INTEGER NOT NULL REFERENCES assistance_case(id),
    masked_name     TEXT NOT NULL,
    household_size  INTEGER NOT NULL,
    programme_name  TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL,
    PRIMARY KEY (notice_id, case_id)
);
CREATE INDEX assistance_notice_case_case ON assistance_notice_case(case_id);

CREATE TABLE assistance_objection (
    id           INTEGER PRIMARY KEY,
    notice_id    INTEGER NOT NULL REFERENCES assistance_notice(id),
    case_id      INTEGER NOT NULL REFERENCES assistance_case(id),
    received_on  TEXT NOT NULL,
    channel      TEXT NOT NULL DEFAULT '来访',   -- 来访 / 电话 / 信件 / 其他
    content      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
    resolution   TEXT,
    resolved_by  INTEGER REFERENCES app_user(id),
    resolved_at  TEXT,
    created_by   INTEGER REFERENCES app_user(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX assistance_objection_case ON assistance_objection(case_id, status);

-- A monthly payment run: one per programme and month (the unique key is
-- what makes a second run of the same month impossible). 'draft' runs
-- may be recomputed; 'frozen' ones never change again. The one who
-- computed a run cannot freeze it (four eyes: computed_by <> frozen_by).
CREATE TABLE assistance_payment_run (
    id             INTEGER PRIMARY KEY,
    programme_id   INTEGER NOT NULL REFERENCES assistance_programme(id),
    month          TEXT NOT NULL CHECK (length(month) = 7),
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'frozen')),
    households     INTEGER NOT NULL DEFAULT 0,
    people         INTEGER NOT NULL DEFAULT 0,
    total_fen      INTEGER NOT NULL DEFAULT 0,
    held           INTEGER NOT NULL DEFAULT 0,
    computed_by    INTEGER REFERENCES app_user(id),
    computed_at    TEXT NOT NULL,
    frozen_by      INTEGER REFERENCES app_user(id),
    frozen_at      TEXT,
    exported_at    TEXT,
    returned_at    TEXT,
    UNIQUE (programme_id, month),
    CHECK (frozen_by IS NULL OR computed_by IS NULL OR frozen_by <> computed_by)
);

-- The lines of a run. kind 'regular' (the month's benefit; at most one
-- per case and run), 'one_off' (a granted one-off case, paid once ever),
-- 'arrears' / 'deduction' (an adjustment correcting an earlier run,
-- corrects_run_id; deductions are negative). The bank account is copied
-- encrypted (column "assistance_payment_line.account") with its tail, so
-- a frozen run keeps the account it paid.
CREATE TABLE assistance_payment_line (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES assistance_payment_run(id),
    case_id          INTEGER NOT NULL REFERENCES assistance_case(id),
    household_id     INTEGER NOT NULL REFERENCES household(id),
    resident_id      INTEGER NOT NULL REFERENCES resident(id),
    kind             TEXT NOT NULL DEFAULT 'regular'
                     CHECK (kind IN ('regular', 'one_off', 'arrears', 'deduction')),
    corrects_run_id  INTEGER REFERENCES assistance_payment_run(id),
    adjustment_id    INTEGER,
    people           INTEGER NOT NULL DEFAULT 1,
    amount_fen       INTEGER NOT NULL,
    standard_id      INTEGER REFERENCES assistance_standard(id),
    explain          TEXT NOT NULL DEFAULT '',
    account_name     TEXT,
    bank_name        TEXT,
    account_enc      TEXT,
    account_tail     TEXT,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed')),
    bank_note        TEXT,
    returned_at      TEXT
);
CREATE INDEX assistance_payment_line_run ON assistance_payment_line(run_id, id);
CREATE INDEX assistance_payment_line_case ON assistance_payment_line(case_id);
CREATE UNIQUE INDEX assistance_payment_line_regular ON assistance_payment_line(run_id, case_id)
    WHERE kind = 'regular';
CREATE UNIQUE INDEX assistance_payment_line_one_off ON assistance_payment_line(case_id)
    WHERE kind = 'one_off';
CREATE UNIQUE INDEX assistance_payment_line_adjustment ON assistance_payment_line(adjustment_id)
    WHERE adjustment_id IS NOT NULL;

-- Cases a run left out and why (a death or move out flagged, no bank
-- account, an amount of zero): the reviewer sees them next to the lines.
CREATE TABLE assistance_payment_hold (
    run_id   INTEGER NOT NULL REFERENCES assistance_payment_run(id),
    case_id  INTEGER NOT NULL REFERENCES assistance_case(id),
    reason   TEXT NOT NULL,
    PRIMARY KEY (run_id, case_id)
);

-- 补发 / 扣减: a correction of an earlier (frozen) run, entered with its
-- reason and carried by the next run of the programme (applied_run_id).
CREATE TABLE assistance_adjustment (
    id               INTEGER PRIMARY KEY,
    case_id          INTEGER NOT NULL REFERENCES assistance_case(id),
    corrects_run_id  INTEGER NOT NULL REFERENCES assistance_payment_run(id),
    amount_fen       INTEGER NOT NULL CHECK (amount_fen <> 0),
    reason           TEXT NOT NULL,
    created_by       INTEGER REFERENCES app_user(id),
    created_at       TEXT NOT NULL,
    applied_run_id   INTEGER REFERENCES assistance_payment_run(id)
);
CREATE INDEX assistance_adjustment_case ON assistance_adjustment(case_id);
