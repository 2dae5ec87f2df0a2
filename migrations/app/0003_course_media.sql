-- 0003_course_media: a published course's brochure (PDF) and provider
-- logo (PNG, JPEG or WebP), as storage keys with their content types
-- (SPEC section 9; docs/media.md).
--
-- The CMS writes these (as cms_publisher, whose table grants from 0002
-- cover new columns): publishing copies them from the scraped row's
-- current uploads, an upload to an App course sets them at once.  The
-- bytes are never here: the App answers /media/course/<id>/<kind> with a
-- redirect to a short-lived signed URL for the key.  Both members of a
-- pair are set or neither.

ALTER TABLE courses
    ADD COLUMN brochure_key text
        CHECK (brochure_key ~ '^brochure/[0-9a-f]{32}\.pdf$'),
    ADD COLUMN brochure_type text
        CHECK (brochure_type = 'application/pdf'),
    ADD COLUMN logo_key text
        CHECK (logo_key ~ '^logo/[0-9a-f]{32}\.(png|jpg|webp)$'),
    ADD COLUMN logo_type text
        CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/webp')),
    ADD CONSTRAINT courses_brochure_pair
        CHECK ((brochure_key IS NULL) = (brochure_type IS NULL)),
    ADD CONSTRAINT courses_logo_pair
        CHECK ((logo_key IS NULL) = (logo_type IS NULL));
