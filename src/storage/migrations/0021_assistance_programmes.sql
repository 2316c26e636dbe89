-- 0021_assistance_programmes.sql — social assistance, first step (issue
-- 11): the programmes and their standards. src/assistance/programme.c
-- owns the SQL; src/assistance/benefit.c computes amounts from them.
--
-- assistance_programme: one row per programme; calc_kind says how its
-- amount is computed ('topup' 低保: standard × members − income;
-- 'per_person' a fixed monthly amount per person, chosen by band_key: an
-- age band "70+"/"80+"/"90+"/"100+", a disability grade "1".."4", a kind
-- of support ("dispersed"/"concentrated", "orphan"…), or '' for the one
-- amount; 'one_off' an amount decided per case, capped per approval
-- level). settings is JSON text: rounding ("yuan_up" or "fen"),
-- min_payment_fen, band_by ("age", "disability_grade", "kind"),
-- ceilings_fen {"community": …, "street": …}, review_months per re-review
-- class {"A": 12, …}. New programmes are rows, not code.
--
-- assistance_standard: the amount per month in fen (integer: money is
-- never floating point) for a programme, an area ('urban'/'rural'),
-- optionally one community (org_unit id; it beats the area's standard)
-- and a band_key, from effective_from to effective_to ('YYYY-MM-DD',
-- NULL = still in force). A new standard closes the previous one the day
-- before it starts; rows are never rewritten otherwise, so a past month's
-- payment always finds the standard it used. For one_off programmes the
-- standard is a reference amount only (the case decides).
CREATE TABLE assistance_programme (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,
    calc_kind   TEXT NOT NULL CHECK (calc_kind IN ('topup', 'per_person', 'one_off')),
    active      INTEGER NOT NULL DEFAULT 1,
    settings    TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE assistance_standard (
    id              INTEGER PRIMARY KEY,
    programme_id    INTEGER NOT NULL REFERENCES assistance_programme(id),
    area            TEXT NOT NULL CHECK (area IN ('urban', 'rural')),
    community_id    INTEGER REFERENCES org_unit(id),
    band_key        TEXT NOT NULL DEFAULT '',
    amount_fen      INTEGER NOT NULL CHECK (amount_fen >= 0),
    effective_from  TEXT NOT NULL,
    effective_to    TEXT,
    created_at      TEXT NOT NULL,
    created_by      INTEGER REFERENCES app_user(id)
);
CREATE INDEX assistance_standard_lookup
    ON assistance_standard(programme_id, area, band_key, community_id, effective_from);

-- Seeds. Figures from DOMAIN.md where it gives them, converted to a
-- month; the others are assumptions, marked (A), chosen so the demo
-- street's yearly totals in DOMAIN.md come out of plausible cases.
INSERT INTO assistance_programme (code, name, category, calc_kind, settings) VALUES
 ('dibao_urban', '城市低保', 'dibao', 'topup',
  '{"rounding":"yuan_up","min_payment_fen":3000,"review_months":{"A":12,"B":6,"C":3}}'),
 ('dibao_rural', '农村低保', 'dibao', 'topup',
  '{"rounding":"yuan_up","min_payment_fen":3000,"review_months":{"A":12,"B":6,"C":3}}'),
 ('tekun', '特困供养', 'tekun', 'per_person',
  '{"band_by":"kind","bands":{"dispersed":"分散供养","concentrated":"集中供养"},"review_months":{"A":12}}'),
 ('disability_living', '困难残疾人生活补贴', 'disability', 'per_person',
  '{"band_by":"disability_grade"}'),
 ('disability_care', '重度残疾人护理补贴', 'disability', 'per_person',
  '{"band_by":"disability_grade"}'),
 ('elderly_longevity', '高龄津贴', 'elderly', 'per_person',
  '{"band_by":"age"}'),
 ('elderly_hardship', '经济困难老年人补贴', 'elderly', 'per_person', '{}'),
 ('children', '三类儿童', 'children', 'per_person',
  '{"band_by":"kind","bands":{"orphan":"孤儿","unsupported":"事实无人抚养儿童","hardship":"困境儿童"}}'),
 ('temporary', '临时救助', 'temporary', 'one_off',
  '{"ceilings_fen":{"community":100000,"street":500000}}'),
 ('medical', '医疗救助', 'medical', 'one_off',
  '{"ceilings_fen":{"community":200000,"street":2000000}}');

-- (A) 低保 urban 760 → 780 yuan/month from 2024-07-01 (DOMAIN.md's 209
-- yuan is an older year's; 780 fits the seeds' ~500 yuan average top-up);
-- rural 600 yuan/month (A).
INSERT INTO assistance_standard (programme_id, area, band_key, amount_fen, effective_from, effective_to, created_at)
SELECT p.id, s.area, s.band_key, s.amount_fen, s.effective_from, s.effective_to, '2024-01-01T00:00:00Z'
FROM assistance_programme p JOIN (
          SELECT 'dibao_urban' AS code, 'urban' AS area, '' AS band_key, 76000 AS amount_fen, '2024-01-01' AS effective_from, '2024-06-30' AS effective_to
UNION ALL SELECT 'dibao_urban', 'urban', '', 78000, '2024-07-01', NULL
UNION ALL SELECT 'dibao_rural', 'rural', '', 60000, '2024-01-01', NULL
-- 特困: 1.3 × the 低保 standard, concentrated higher (A; DOMAIN.md: 1,100 vs 1,400 yuan/year in an older year)
UNION ALL SELECT 'tekun', 'urban', 'dispersed', 101400, '2024-01-01', NULL
UNION ALL SELECT 'tekun', 'urban', 'concentrated', 120000, '2024-01-01', NULL
UNION ALL SELECT 'tekun', 'rural', 'dispersed', 78000, '2024-01-01', NULL
UNION ALL SELECT 'tekun', 'rural', 'concentrated', 96000, '2024-01-01', NULL
-- disability: grade 1–2 1,200 yuan/year = 100/month, grade 3 600/year = 50/month (DOMAIN.md); grade 4 (A)
UNION ALL SELECT 'disability_living', 'urban', '1', 10000, '2024-01-01', NULL
UNION ALL SELECT 'disability_living', 'urban', '2', 10000, '2024-01-01', NULL
UNION ALL SELECT 'disability_living', 'urban', '3', 5000, '2024-01-01', NULL
UNION ALL SELECT 'disability_living', 'urban', '4', 5000, '2024-01-01', NULL
UNION ALL SELECT 'disability_living', 'rural', '1', 10000, '2024-01-01', NULL
UNION ALL SELECT 'disability_living', 'rural', '2', 10000, '2024-01-01', NULL
UNION ALL SELECT 'disability_living', 'rural', '3', 5000, '2024-01-01', NULL
UNION ALL SELECT 'disability_living', 'rural', '4', 5000, '2024-01-01', NULL
UNION ALL SELECT 'disability_care', 'urban', '1', 12000, '2024-01-01', NULL
UNION ALL SELECT 'disability_care', 'urban', '2', 10000, '2024-01-01', NULL
UNION ALL SELECT 'disability_care', 'rural', '1', 12000, '2024-01-01', NULL
UNION ALL SELECT 'disability_care', 'rural', '2', 10000, '2024-01-01', NULL
-- 高龄: 150 / 200 / 300 yuan (DOMAIN.md, taken as per month), 百岁 3,600 yuan/year = 300/month
UNION ALL SELECT 'elderly_longevity', 'urban', '70+', 15000, '2024-01-01', NULL
UNION ALL SELECT 'elderly_longevity', 'urban', '80+', 20000, '2024-01-01', NULL
UNION ALL SELECT 'elderly_longevity', 'urban', '90+', 30000, '2024-01-01', NULL
UNION ALL SELECT 'elderly_longevity', 'urban', '100+', 30000, '2024-01-01', NULL
UNION ALL SELECT 'elderly_longevity', 'rural', '70+', 15000, '2024-01-01', NULL
UNION ALL SELECT 'elderly_longevity', 'rural', '80+', 20000, '2024-01-01', NULL
UNION ALL SELECT 'elderly_longevity', 'rural', '90+', 30000, '2024-01-01', NULL
UNION ALL SELECT 'elderly_longevity', 'rural', '100+', 30000, '2024-01-01', NULL
-- (A) 经济困难老年人 100 yuan/month; 三类儿童 1,800 / 1,800 / 1,000 yuan/month
UNION ALL SELECT 'elderly_hardship', 'urban', '', 10000, '2024-01-01', NULL
UNION ALL SELECT 'elderly_hardship', 'rural', '', 10000, '2024-01-01', NULL
UNION ALL SELECT 'children', 'urban', 'orphan', 180000, '2024-01-01', NULL
UNION ALL SELECT 'children', 'urban', 'unsupported', 180000, '2024-01-01', NULL
UNION ALL SELECT 'children', 'urban', 'hardship', 100000, '2024-01-01', NULL
UNION ALL SELECT 'children', 'rural', 'orphan', 180000, '2024-01-01', NULL
UNION ALL SELECT 'children', 'rural', 'unsupported', 180000, '2024-01-01', NULL
UNION ALL SELECT 'children', 'rural', 'hardship', 100000, '2024-01-01', NULL
) s ON s.code = p.code;
