-- 0016_household_numbers_transfers.sql — former household numbers and
-- transfer-in requests (issue 9).
--
-- Household numbers (户编号) are "<grid code>-<serial>" (serial: 4
-- digits, the next free in the grid, more digits past 9999) unless a
-- number was given (import or API). A household moved to another grid
-- gets a new number of that grid; the old one is kept here with the
-- time it was in use, stays taken (never issued again, never given to
-- another household) and still finds the household in a search by code
-- (src/registry/household.c owns this table).
CREATE TABLE household_former_code (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES household(id),
    code          TEXT NOT NULL UNIQUE,                -- the former 户编号
    grid_id       INTEGER NOT NULL REFERENCES org_unit(id),   -- the grid it belonged to
    valid_from    TEXT NOT NULL,                       -- UTC "YYYY-MM-DD HH:MM:SS": in use since
    valid_to      TEXT NOT NULL                        -- replaced at
);
CREATE INDEX household_former_code_household ON household_former_code(household_id, id);

-- A transfer-in request (迁入申请): a workflow case (wf_case, type
-- 'transfer', its org_path the receiving grid's path) filed by the
-- receiving side for a person registered elsewhere; the releasing side
-- (the grid that holds the person, its community or the street) accepts
-- or refuses it (src/registry/transfer.c owns this table).
CREATE TABLE resident_transfer (
    case_id            INTEGER PRIMARY KEY REFERENCES wf_case(id),
    resident_id        INTEGER NOT NULL REFERENCES resident(id),
    from_household_id  INTEGER NOT NULL REFERENCES household(id),  -- where the person was at filing
    from_path          TEXT NOT NULL,     -- the releasing grid's org path at filing: who may accept or refuse
    to_household_id    INTEGER NOT NULL REFERENCES household(id),  -- the receiving household (existing)
    to_path            TEXT NOT NULL,     -- the receiving grid's org path (= wf_case.org_path)
    relation           TEXT NOT NULL,     -- 与户主关系 in the receiving household
    note               TEXT
);
CREATE INDEX resident_transfer_resident ON resident_transfer(resident_id);
CREATE INDEX resident_transfer_from ON resident_transfer(from_path);
CREATE INDEX resident_transfer_to ON resident_transfer(to_path);
