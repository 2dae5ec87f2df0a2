-- 0001_cms_meta: a key/value table describing the CMS database itself.
-- Run by `lifted-cms migrate` as the CMS database owner (who also serves
-- with it); no grants: the scraper has no business here.
CREATE TABLE cms_meta (
    key   text PRIMARY KEY CHECK (key <> ''),
    value text NOT NULL
);

INSERT INTO cms_meta (key, value) VALUES ('schema', 'lifted-cms');
