-- 0023_assistance_excludes.sql — social assistance (issue 11, cases
-- part): which programmes exclude each other, as data. A programme's
-- settings.excludes lists the codes a person may not receive at the same
-- time (src/assistance/case.c refuses an application while the person
-- has an active case of an excluded programme, in either direction):
-- 城市低保 and 农村低保 exclude each other and 特困供养 (特困 support
-- already guarantees the basic living; the same person is never in both).
-- Prepended to the seeded settings object, whatever else it holds.
UPDATE assistance_programme SET settings = '{"excludes":["tekun","dibao_rural"],' || substr(settings, 2)
 WHERE code = 'dibao_urban' AND settings LIKE '{%}' AND settings <> '{}';
UPDATE assistance_programme SET settings = '{"excludes":["tekun","dibao_urban"],' || substr(settings, 2)
 WHERE code = 'dibao_rural' AND settings LIKE '{%}' AND settings <> '{}';
UPDATE assistance_programme SET settings = '{"excludes":["dibao_urban","dibao_rural"],' || substr(settings, 2)
 WHERE code = 'tekun' AND settings LIKE '{%}' AND settings <> '{}';
