-- create_resident.lua: POST /api/v1/residents with a fresh valid ID
-- number on every request (region 110101; wrk thread t uses birth year
-- $BENCH_BIRTH_YEAR+t, default 1940+t, so threads never collide; give
-- another base to run again on the same database), spread over the households listed
-- in $BENCH_HOUSEHOLD_IDS (comma-separated). wrk -H gives the token and
-- Content-Type.
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = {"1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"}
local year_base = tonumber(os.getenv("BENCH_BIRTH_YEAR") or "1940")
local households = {}
for id in string.gmatch(os.getenv("BENCH_HOUSEHOLD_IDS") or "1", "%d+") do
    households[#households + 1] = id
end

local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

local n = 0
local function id_number()
    local d = math.floor(n / 999)
    local first17 = string.format("110101%04d%02d%02d%03d", year_base + tid, math.floor(d / 28) % 12 + 1, d % 28 + 1,
                                  n % 999 + 1)
    local sum = 0
    for i = 1, 17 do
        sum = sum + tonumber(first17:sub(i, i)) * weights[i]
    end
    return first17 .. checks[sum % 11 + 1]
end

request = function()
    local body = string.format('{"household_id":%s,"id_number":"%s","name":"压测居民"}',
                               households[n % #households + 1], id_number())
    n = n + 1
    return wrk.format("POST", "/api/v1/residents", nil, body)   -- headers: wrk -H (token, Content-Type)
end
