-- 0010_list_indexes.sql — indexes in the order of each list's default
-- sort (issue 7), so that a page of households or residents walks an
-- index from its first row (or from its cursor) and stops after the
-- page, with no sort of every match (src/registry/household_api.c,
-- resident_api.c; src/server/page.c for the keyset pick).
--
-- Each ends with import_batch_id so that REGISTRY_VISIBLE is answered
-- from the index (covering: no table row is read to decide whether a
-- row of the page is visible).

-- Households by grid (a grid's list; one arm of a community's merge)
-- and street-wide, by 户编号 (ties by id, as every page is ordered).
-- household_grid (grid_id, status) is a
-- prefix of the first and goes.
DROP INDEX household_grid;
CREATE INDEX household_grid_code ON household(grid_id, status, code, id, import_batch_id);
CREATE INDEX household_status_code ON household(status, code, id, import_batch_id);

-- Residents by grid and street-wide (or a community, whose grids are a
-- filter on the walk) by name, ties by id. They replace
-- resident_grid_name (grid_id, status, name, import_batch_id) and
-- resident_name (name, status, import_batch_id): the same prefixes,
-- with id after name so that ORDER BY name, id and the keyset condition
-- (name, id) > (?, ?) are a range of the index. A name search over
-- every status names the statuses (status IN (…)), so that it too is a
-- range of resident_status_name.
DROP INDEX resident_grid_name;
CREATE INDEX resident_grid_name ON resident(grid_id, status, name, id, import_batch_id);
DROP INDEX resident_name;
CREATE INDEX resident_status_name ON resident(status, name, id, grid_id, import_batch_id);
