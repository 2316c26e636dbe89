-- 0024_payment_line_checks.sql — assistance_payment_line's two CHECKs
-- written as `col = 'a' OR col = 'b'` instead of `col IN (...)`
-- (issue 11, payment runs).
--
-- Why: SQLite 3.40 builds a temporary b-tree for each IN-list CHECK every
-- time an INSERT statement runs, and a payment run writes its lines one
-- prepared INSERT per row (db_copy): for 100,000 lines that was about a
-- tenth of the run's CPU (bench/README.md "Assistance payment run"; the
-- same lesson as the registry's CHECKs, "What moved the numbers"). The
-- accepted values are unchanged.
--
-- SQLite cannot change a CHECK constraint: the table is rebuilt with the
-- same columns in the same order and the same indexes (foreign keys are
-- off during a migration and checked before it commits). PostgreSQL keeps
-- 0022's table (pg/0024_payment_line_checks.sql does nothing): its IN
-- lists cost nothing per row.
CREATE TABLE assistance_payment_line_new (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES assistance_payment_run(id),
    case_id          INTEGER NOT NULL REFERENCES assistance_case(id),
    household_id     INTEGER NOT NULL REFERENCES household(id),
    resident_id      INTEGER NOT NULL REFERENCES resident(id),
    kind             TEXT NOT NULL DEFAULT 'regular'
                     CHECK (kind = 'regular' OR kind = 'one_off' OR kind = 'arrears' OR kind = 'deduction'),
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
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status = 'pending' OR status = 'paid' OR status = 'failed'),
    bank_note        TEXT,
    returned_at      TEXT
);
INSERT INTO assistance_payment_line_new(id, run_id, case_id, household_id, resident_id, kind, corrects_run_id,
                                        adjustment_id, people, amount_fen, standard_id, explain, account_name,
                                        bank_name, account_enc, account_tail, status, bank_note, returned_at)
SELECT id, run_id, case_id, household_id, resident_id, kind, corrects_run_id, adjustment_id, people, amount_fen,
       standard_id, explain, account_name, bank_name, account_enc, account_tail, status, bank_note, returned_at
  FROM assistance_payment_line;
DROP TABLE assistance_payment_line;
ALTER TABLE assistance_payment_line_new RENAME TO assistance_payment_line;
CREATE INDEX assistance_payment_line_run ON assistance_payment_line(run_id, id);
CREATE INDEX assistance_payment_line_case ON assistance_payment_line(case_id);
CREATE UNIQUE INDEX assistance_payment_line_regular ON assistance_payment_line(run_id, case_id)
    WHERE kind = 'regular';
CREATE UNIQUE INDEX assistance_payment_line_one_off ON assistance_payment_line(case_id)
    WHERE kind = 'one_off';
CREATE UNIQUE INDEX assistance_payment_line_adjustment ON assistance_payment_line(adjustment_id)
    WHERE adjustment_id IS NOT NULL;
