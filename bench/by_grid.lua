-- by_grid.lua: GET /api/v1/residents?org_unit_id=<grid> cycling over the
-- grid ids given in the GRIDS environment variable (comma-separated).
local ids = {}
for id in string.gmatch(os.getenv("GRIDS") or "", "%d+") do ids[#ids + 1] = id end
local n = 0
request = function()
    n = n + 1
    local id = ids[(n % #ids) + 1]
    return wrk.format("GET", "/api/v1/residents?org_unit_id=" .. id .. "&page_size=50")
end
