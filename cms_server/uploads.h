/*
 * Course media uploads in the CMS (docs/media.md, docs/cms-api.md):
 * brochures (PDF) and provider logos (PNG, JPEG, WebP) of scraped and
 * published courses, stored through shared/storage.h and recorded in the
 * uploads table (migrations/cms/0006_uploads.sql); and the CMS's
 * /media/<key> route that serves them to holders of a signed URL
 * (cms_server/media.c).
 */
#ifndef LIFTED_CMS_UPLOADS_H
#define LIFTED_CMS_UPLOADS_H

struct storage;
struct worker;

/* Opens the worker's storage (LIFTED_STORAGE_URL), sets up signed media
 * URLs and mounts PUT /cms/api/courses/{scraped,app}/<id>/<kind>,
 * GET /cms/api/courses/media and GET /media/...  0 or -1 (logged). */
int cms_uploads_mount(struct worker *w);

/* Closes the storage (worker exit). */
void cms_uploads_fini(struct worker *w);

/* The worker's storage (borrowed; NULL before mount). */
struct storage *cms_uploads_storage(void);

/* Detaches every current upload of a target ("course" or
 * "scraped_course", id as text) after it went away; fire and forget
 * (a failure is logged: housekeeping never deletes a linked object, so
 * the cost of a miss is a kept file). */
void cms_uploads_detach(const char *target_type, const char *target_id);

/* Queues deletion of a storage object on the task pool; fire and
 * forget (logged). */
void cms_uploads_delete_object(const char *key);

/* Mounts GET /media/<key> (cms_server/media.c).  0 or -1. */
int cms_media_mount(struct worker *w);

#endif
