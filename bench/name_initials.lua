-- name_initials.lua: GET /api/v1/residents?name=<initials> cycling over
-- the pinyin initials of common two- and three-character names (issue 9:
-- zs finds 张三), page of 20 sorted by pinyin, with the total.
local terms = {"zs", "wj", "lm", "zw", "cx", "yl", "hj", "wxm", "ljh", "zyl", "lf", "zh", "wl", "cj", "lh", "sm"}
local n = 0
request = function()
    n = n + 1
    return wrk.format("GET", "/api/v1/residents?name=" .. terms[(n % #terms) + 1] .. "&page_size=20")
end
