-- pg/0024_payment_line_checks.sql — nothing to do on PostgreSQL: the
-- SQLite migration of this number rewrites assistance_payment_line's
-- IN-list CHECKs, which SQLite evaluates with a temporary b-tree per
-- INSERT; PostgreSQL's cost nothing per row, so 0022's table stays.
SELECT 1;
