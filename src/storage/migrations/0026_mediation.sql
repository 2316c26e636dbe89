-- 0026_mediation.sql — people's mediation (人民调解, issue 12): the
-- stations (调解站/室), the mediator directory the parties choose from,
-- and mediation cases as cases of the workflow engine with their parties
-- and sessions.
--
-- Who owns which SQL (all of it in src/mediation/):
--   mediator.c   mediation_station, mediator
--   mediation.c  mediation_case, mediation_party, mediation_session
-- The states and transitions are in mediation_flow.c (wf_type
-- "mediation"); wf_case holds the state, the org path (the community the
-- case belongs to) and the deadline. Dates a person writes (received on,
-- held on, agreed on, visited on) are China local dates "YYYY-MM-DD";
-- timestamps are UTC text as elsewhere.

-- A station: of the street (the street's 调解委员会) or of a community
-- (调解室). The directory belongs to the street: every account of the
-- street reads all of its stations and mediators.
CREATE TABLE mediation_station (
    id           INTEGER PRIMARY KEY,
    org_unit_id  INTEGER NOT NULL REFERENCES org_unit(id),
    name         TEXT NOT NULL,
    head_name    TEXT NOT NULL DEFAULT '',       -- 主任
    deputy_name  TEXT NOT NULL DEFAULT '',       -- 副主任
    clerk_name   TEXT NOT NULL DEFAULT '',       -- 调解员/记录员
    address      TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX mediation_station_unit ON mediation_station(org_unit_id);

-- A mediator of the directory. kind: lawyer 律师, judicial_volunteer
-- 司法志愿者, retired_official 退休干部, elder 乡贤/德高望重居民, other 其他.
-- specialties: dispute type codes (mediation.c's list), comma-separated.
-- phone_enc: the phone, encrypted (core/fieldcrypt.h, column
-- "mediator.phone"); lists show it masked. Deactivated mediators stay
-- (their cases keep them) but can no longer be chosen.
CREATE TABLE mediator (
    id           INTEGER PRIMARY KEY,
    station_id   INTEGER NOT NULL REFERENCES mediation_station(id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('lawyer', 'judicial_volunteer', 'retired_official', 'elder', 'other')),
    specialties  TEXT NOT NULL DEFAULT '',
    phone_enc    TEXT,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX mediator_station ON mediator(station_id, active);

-- A case (the id is the wf_case id). outcome: agreed 达成协议 or failed
-- 调解不成, once the mediation has ended; satisfaction at the follow-up
-- visit: satisfied 满意, basic 基本满意, dissatisfied 不满意.
CREATE TABLE mediation_case (
    id            INTEGER PRIMARY KEY REFERENCES wf_case(id),
    community_id  INTEGER NOT NULL REFERENCES org_unit(id),
    mediator_id   INTEGER NOT NULL REFERENCES mediator(id),
    dispute_type  TEXT NOT NULL,
    summary       TEXT NOT NULL,
    received_on   TEXT NOT NULL,
    outcome       TEXT CHECK (outcome IS NULL OR outcome IN ('agreed', 'failed')),
    ended_on      TEXT,
    agreement     TEXT,                          -- the agreement's text (协议内容)
    performance   TEXT,                          -- how and by when it is to be performed (履行方式、期限)
    referred_to   TEXT,                          -- failed: to whom referred (法院、信访、仲裁 …)
    visited_on    TEXT,
    satisfaction  TEXT CHECK (satisfaction IS NULL OR satisfaction IN ('satisfied', 'basic', 'dissatisfied')),
    visit_note    TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX mediation_case_received ON mediation_case(received_on);
CREATE INDEX mediation_case_mediator ON mediation_case(mediator_id);

-- A party: a resident of the registry (resident_id; name copied when
-- filed) or an outsider (name, and optionally phone and ID number).
-- side: applicant 申请人 or respondent 被申请人. phone_enc and
-- id_number_enc are encrypted (columns "mediation_party.phone" and
-- "mediation_party.id_number"); every view shows them masked.
CREATE TABLE mediation_party (
    id             INTEGER PRIMARY KEY,
    case_id        INTEGER NOT NULL REFERENCES mediation_case(id),
    side           TEXT NOT NULL CHECK (side IN ('applicant', 'respondent')),
    resident_id    INTEGER REFERENCES resident(id),
    name           TEXT NOT NULL,
    phone_enc      TEXT,
    id_number_enc  TEXT,
    address        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mediation_party_case ON mediation_party(case_id);
CREATE INDEX mediation_party_resident ON mediation_party(resident_id);

-- A session (调解记录): when, where, who attended, what was said.
CREATE TABLE mediation_session (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES mediation_case(id),
    held_on      TEXT NOT NULL,
    place        TEXT NOT NULL,
    attendees    TEXT NOT NULL,
    notes        TEXT NOT NULL DEFAULT '',
    recorded_by  INTEGER REFERENCES app_user(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX mediation_session_case ON mediation_session(case_id, held_on);
