-- 0006_uploads: course brochures and provider logos uploaded in the CMS
-- (SPEC sections 9 and 10; docs/media.md).
--
-- The bytes live in object storage (LIFTED_STORAGE_URL) under a generated
-- key "<kind>/<32 hex>.<ext>"; this table is the record of each object:
-- what it is (content type sniffed from the bytes, never the client's
-- word), who uploaded it, and what it is for.
--
-- The link is target_type/target_id: 'scraped_course' (a scraped_courses
-- row, copied to the App by publishing) or 'course' (an App course id,
-- written to the App's courses row at once).  At most one current
-- (detached_at IS NULL) upload per target and kind.
--
-- Life cycle, for housekeeping (which deletes the storage object first,
-- then the row):
--   * linked:       target_id IS NOT NULL AND detached_at IS NULL.
--   * detached:     detached_at IS NOT NULL: replaced by a newer upload
--                   for the same target and kind, or its course was
--                   deleted.  Orphaned once detached_at is older than the
--                   grace period.
--   * never linked: target_id IS NULL (the CMS writes the row linked in
--                   the same statement that inserts it, so this only
--                   happens to rows made by hand or by a future flow).
--                   Orphaned once created_at is older than the grace
--                   period.
-- A storage object with no row at all (a crash between storage_put and
-- the insert) is orphaned by its last-modified time.

CREATE TABLE uploads (
    id            bigserial PRIMARY KEY,
    storage_key   text NOT NULL UNIQUE
        CHECK (storage_key ~ '^(brochure|logo)/[0-9a-f]{32}\.(pdf|png|jpg|webp)$'),
    kind          text NOT NULL CHECK (kind IN ('brochure', 'logo')),
    -- Sniffed from the content: application/pdf, image/png, image/jpeg,
    -- image/webp.
    content_type  text NOT NULL
        CHECK (content_type IN ('application/pdf', 'image/png',
                                'image/jpeg', 'image/webp')),
    byte_size     bigint NOT NULL CHECK (byte_size > 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- The client's file name, sanitised (X-File-Name); shown to staff and
    -- used in Content-Disposition, never as a storage path.
    original_name text CHECK (length(original_name) BETWEEN 1 AND 200),
    uploaded_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    target_type   text CHECK (target_type IN ('scraped_course', 'course')),
    target_id     bigint CHECK (target_id > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    detached_at   timestamptz,
    CHECK ((target_type IS NULL) = (target_id IS NULL)),
    CHECK ((kind = 'brochure') = (content_type = 'application/pdf'))
);
-- One current upload per target and kind: a concurrent second upload
-- fails here (the CMS answers 409 and deletes its object).
CREATE UNIQUE INDEX uploads_current_key ON uploads (target_type, target_id, kind)
    WHERE detached_at IS NULL AND target_id IS NOT NULL;
-- Housekeeping's scan: detached or never-linked rows by age.
CREATE INDEX uploads_orphan_idx ON uploads (coalesce(detached_at, created_at))
    WHERE detached_at IS NOT NULL OR target_id IS NULL;
