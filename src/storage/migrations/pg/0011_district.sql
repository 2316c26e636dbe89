-- pg/0011_district.sql — PostgreSQL version of ../0011_district.sql (the
-- district above the street; its path is "/"; an existing street stays
-- the root until a district is added). SQLite rebuilds org_unit to
-- change its CHECK constraints; here they are replaced in place.
ALTER TABLE org_unit DROP CONSTRAINT org_unit_kind_check;
ALTER TABLE org_unit DROP CONSTRAINT org_unit_check;
ALTER TABLE org_unit ADD CONSTRAINT org_unit_kind_check
    CHECK (kind = 'district' OR kind = 'street' OR kind = 'community' OR kind = 'grid' OR kind = 'building');
ALTER TABLE org_unit ADD CONSTRAINT org_unit_root_check
    CHECK (kind = 'street' OR (parent_id IS NULL) = (kind = 'district'));
ALTER TABLE org_unit ADD CONSTRAINT org_unit_district_path_check
    CHECK ((kind = 'district') = (path = '/'));
