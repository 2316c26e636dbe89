-- name_infix.lua: GET /api/v1/residents?name=<the Chinese part of a
-- name, not its start> cycling over given-name characters and pairs
-- (URL-encoded UTF-8), page of 20 sorted by pinyin, with the total.
local terms = {
    "%E4%BC%9F", "%E8%8A%B3", "%E5%BB%BA", "%E7%A7%80", "%E5%BF%97",       -- 伟 芳 建 秀 志
    "%E5%BB%BA%E5%9B%BD", "%E7%A7%80%E8%8B%B1", "%E5%BF%97%E5%BC%BA",     -- 建国 秀英 志强
    "%E6%B5%A9", "%E6%95%8F", "%E9%9D%99", "%E4%B8%BD",                   -- 浩 敏 静 丽
}
local n = 0
request = function()
    n = n + 1
    return wrk.format("GET", "/api/v1/residents?name=" .. terms[(n % #terms) + 1] .. "&page_size=20")
end
