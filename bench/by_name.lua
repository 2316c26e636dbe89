-- by_name.lua: GET /api/v1/residents?name=<prefix> cycling over common
-- surnames and full-name prefixes (URL-encoded UTF-8).
local names = {
    "%E7%8E%8B", "%E6%9D%8E", "%E5%BC%A0", "%E5%88%98", "%E9%99%88",       -- 王 李 张 刘 陈
    "%E6%9D%A8", "%E8%B5%B5", "%E9%BB%84", "%E5%91%A8", "%E5%90%B4",       -- 杨 赵 黄 周 吴
    "%E7%8E%8B%E5%BB%BA", "%E6%9D%8E%E7%A7%80", "%E5%BC%A0%E4%BC%9F",     -- 王建 李秀 张伟
}
local n = 0
request = function()
    n = n + 1
    return wrk.format("GET", "/api/v1/residents?name=" .. names[(n % #names) + 1] .. "&page_size=20")
end
