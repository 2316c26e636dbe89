-- 0008_encrypt_fields.sql — encryption at rest (数据保密性): ID numbers,
-- phones, disability details and TOTP secrets are stored encrypted
-- (core/fieldcrypt.c: XChaCha20-Poly1305 under the key file's data key,
-- bound to table, column and row), and ID numbers and resident phones
-- also as a keyed blind index so exact search still uses an index.
--
-- SQL cannot encrypt: on the first start after this migration the
-- program converts the existing plaintext in bounded transactions (each
-- domain module's *_encrypt_pass, driven by app/fieldkeys.c), audits it
-- and empties the plaintext. Until then the renamed columns below still
-- hold the plaintext they held.
--
-- resident: the ID number's column becomes its blind index (it keeps its
-- UNIQUE constraint, which now refuses a second registration of one
-- number), the phone's column its blind index (it keeps resident_phone);
-- the values themselves move to *_enc. disability_type/grade are
-- emptied (NULL) once converted: disability_enc holds "<grade><type>".
-- Statistics count the 残疾 tag, which stays in clear, as do sex and
-- birth_date (kept for age, birth-year masking and sorting; see
-- docs/design.md, "Encryption at rest").
ALTER TABLE resident RENAME COLUMN id_number TO id_number_bidx;
ALTER TABLE resident RENAME COLUMN phone TO phone_bidx;
ALTER TABLE resident ADD COLUMN id_number_enc TEXT;
ALTER TABLE resident ADD COLUMN phone_enc TEXT;
ALTER TABLE resident ADD COLUMN disability_enc TEXT;

-- household.phone, org_unit.leader_phone: NULL once converted.
ALTER TABLE household ADD COLUMN phone_enc TEXT;
ALTER TABLE org_unit ADD COLUMN leader_phone_enc TEXT;

-- user_totp.secret: '' once converted (the column is NOT NULL).
ALTER TABLE user_totp ADD COLUMN secret_enc TEXT;

-- The data-key generation every encrypted column was last found wholly
-- under (app/fieldkeys.c): when it is the key file's only generation, a
-- command's start skips the scan for plaintext and older generations.
CREATE TABLE field_crypt_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
