-- detail.lua: GET /api/v1/residents/<id> for ids MINID..MAXID (MINID
-- default 1) in a fixed pseudo-random order (the same for every run).
local minid = tonumber(os.getenv("MINID") or "1")
local maxid = tonumber(os.getenv("MAXID") or "1000")
local n = 0
request = function()
    n = n + 1
    local id = minid + (n * 7919) % (maxid - minid + 1)
    return wrk.format("GET", "/api/v1/residents/" .. id)
end
