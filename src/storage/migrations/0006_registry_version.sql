-- 0006_registry_version.sql — optimistic concurrency for the registry:
-- a version per resident, household and org unit, incremented by every
-- write of the row (src/registry/: resident.c, household.c, org.c and
-- the import's registry writer). The API returns it as `version` and as
-- the ETag of a GET, and refuses a write whose If-Match names an older
-- one (412), so two clerks editing one record see the conflict.
ALTER TABLE resident ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE household ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE org_unit ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
