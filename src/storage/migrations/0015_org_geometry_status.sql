-- 0015_org_geometry_status.sql — an org unit's boundary and its status
-- (issue 9: setting up a real street).
--
-- geometry: the unit's boundary as GeoJSON text (a Polygon or a
-- MultiPolygon geometry object, checked by org.c before it is stored;
-- NULL when not drawn), for the web application's map.
-- status: 'closed' for a unit that was closed (撤销): it is kept, with
-- its history and the rows that name it, and shown with its status;
-- nothing new is put under it. closed_at: when (UTC, as updated_at).
-- Portable SQL: the same file on both engines.
ALTER TABLE org_unit ADD COLUMN geometry TEXT;
ALTER TABLE org_unit ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status = 'active' OR status = 'closed');
ALTER TABLE org_unit ADD COLUMN closed_at TEXT;
