/*
 * libFuzzer target for the spider-definition loader
 * (cms_server/scraper/spider.c): any bytes must give a definition or a
 * "file: field: why" error, never a crash or a leak.  `make fuzz` runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "spider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spider *sp;
	char err[512], *u;

	sp = spider_parse((const char *)data, size, "fuzz.json", err,
	                  sizeof(err));
	if (sp == NULL)
		return (0);
	sp->override = NULL;
	if ((u = spider_rewrite(sp, "https://www.example.org/a?b")) != NULL)
		free(u);
	spider_free(sp);
	return (0);
}
