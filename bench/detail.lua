-- detail.lua: GET /api/v1/residents/<id> for ids 1..MAXID in a fixed
-- pseudo-random order (the same for every run).
local maxid = tonumber(os.getenv("MAXID") or "1000")
local n = 0
request = function()
    n = n + 1
    local id = (n * 7919) % maxid + 1
    return wrk.format("GET", "/api/v1/residents/" .. id)
end
