# Lifted: one C code base, three binaries (lifted-app, lifted-cms,
# lifted-scraper). Plain make; every library through pkg-config.
#
#   make              release build into build/
#   make SANITIZE=1   ASan + UBSan at -O1 (no _FORTIFY_SOURCE)
#   make TESTING=1    adds the test-only routes (never in a release build)
#   make test         everything CI runs (see docs/operation.md)

CC      ?= gcc
BUILD   ?= build
PKGS     = libevent libevent_openssl libpq libcjson openssl libxml-2.0 libzip \
           libargon2 libcurl
PKGCFG  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
           -Wshadow -Wsign-compare -Wpointer-arith -Wformat=2 \
           -Wno-format-nonliteral
CFLAGS  += -std=c11 -D_GNU_SOURCE -pthread -Ishared $(WARN) $(PKGCFG) -g
LDLIBS  += $(PKGLIBS) -pthread

ifeq ($(SANITIZE),1)
CFLAGS  += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
CFLAGS  += -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
endif

ifeq ($(TESTING),1)
CFLAGS  += -DLIFTED_TESTING
TESTONLY_SRC = tests/server/test_routes.c
CMS_TESTONLY_SRC = tests/server/test_course_hooks.c
endif

SHARED_SRC  = $(sort $(wildcard shared/*.c))
APP_SRC     = $(sort $(wildcard app_server/*.c)) $(TESTONLY_SRC)
CMS_SRC     = $(sort $(wildcard cms_server/*.c)) $(TESTONLY_SRC) \
              $(CMS_TESTONLY_SRC)
SCRAPER_SRC = $(sort $(wildcard cms_server/scraper/*.c))
UNIT_SRC    = $(sort $(wildcard tests/unit/test_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
SHARED_OBJ  = $(call obj,$(SHARED_SRC))
UNIT_BIN    = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))

BINS = $(BUILD)/lifted-app $(BUILD)/lifted-cms $(BUILD)/lifted-scraper
# The single-page apps: the App's from app_server/frontend; the CMS's
# static root holds a copy of the App's (the mirror) with the CMS's own
# from cms_server/frontend under cms/.
STATIC = $(BUILD)/static/app/index.html $(BUILD)/static/cms/cms/index.html

.PHONY: all bins unit check check-unit check-integration deps run test bench \
        format clean fuzz fuzz-bins fuzz-short
all: bins

bins: $(BINS) $(STATIC)

# The App's single-page app (docs/frontend.md): Vite build, the licence
# page (scripts/terms), .gz/.br siblings. Built in static/app.tmp and moved
# into place, so a failed build never leaves a tree that looks current;
# rebuilt when a source, the lock file or a build script changes.
# `npm ci` belongs to `make deps`, never to `make`.
APP_FE     = app_server/frontend
APP_FE_SRC = $(shell find $(APP_FE)/src $(APP_FE)/public -type f 2>/dev/null) \
             $(APP_FE)/index.html $(APP_FE)/vite.config.js \
             $(APP_FE)/package.json $(APP_FE)/package-lock.json \
             $(APP_FE)/scripts/compress.mjs scripts/terms \
             $(shell find shared/web -type f 2>/dev/null)

$(BUILD)/static/app/index.html: $(APP_FE_SRC)
	@test -x $(APP_FE)/node_modules/.bin/vite || \
	    { echo "$(APP_FE)/node_modules is missing: run make deps" >&2; exit 1; }
	@rm -rf $(BUILD)/static/app.tmp
	cd $(APP_FE) && node_modules/.bin/vite build --logLevel warn \
	    --outDir $(abspath $(BUILD))/static/app.tmp --emptyOutDir
	scripts/terms --frontend $(APP_FE) --out $(BUILD)/static/app.tmp
	node $(APP_FE)/scripts/compress.mjs $(BUILD)/static/app.tmp
	rm -rf $(BUILD)/static/app && mv $(BUILD)/static/app.tmp $(BUILD)/static/app

# The CMS's static root (docs/frontend.md): the App's built tree at the
# root (the CMS mirrors the App's pages behind login) and the CMS's own
# single-page app (Vite, base /cms/) under cms/, with .gz/.br siblings.
# Built in static/cms.tmp and moved into place like the App's; rebuilt
# when the App's tree or a CMS source changes.
CMS_FE     = cms_server/frontend
CMS_FE_SRC = $(shell find $(CMS_FE)/src $(CMS_FE)/public -type f 2>/dev/null) \
             $(CMS_FE)/index.html $(CMS_FE)/vite.config.js \
             $(CMS_FE)/package.json $(CMS_FE)/package-lock.json \
             $(APP_FE)/scripts/compress.mjs \
             $(shell find shared/web -type f 2>/dev/null)

$(BUILD)/static/cms/cms/index.html: $(CMS_FE_SRC) $(BUILD)/static/app/index.html
	@test -x $(CMS_FE)/node_modules/.bin/vite || \
	    { echo "$(CMS_FE)/node_modules is missing: run make deps" >&2; exit 1; }
	@rm -rf $(BUILD)/static/cms.tmp
	cp -a $(BUILD)/static/app $(BUILD)/static/cms.tmp
	cd $(CMS_FE) && node_modules/.bin/vite build --logLevel warn \
	    --outDir $(abspath $(BUILD))/static/cms.tmp/cms --emptyOutDir
	node $(APP_FE)/scripts/compress.mjs $(BUILD)/static/cms.tmp/cms
	rm -rf $(BUILD)/static/cms && mv $(BUILD)/static/cms.tmp $(BUILD)/static/cms

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libshared.a: $(SHARED_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/lifted-app: $(call obj,$(APP_SRC)) $(BUILD)/libshared.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/lifted-cms: $(call obj,$(CMS_SRC)) $(BUILD)/libshared.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/lifted-scraper: $(call obj,$(SCRAPER_SRC)) $(BUILD)/libshared.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libshared.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BIN)

check-unit: unit
	@scripts/run-unit $(UNIT_BIN)

check-integration: bins
	LIFTED_BIN_DIR=$(abspath $(BUILD)) node --test --test-concurrency=1 \
	    tests/integration/

check: check-unit check-integration

# libFuzzer targets (tests/fuzz, docs/security.md), one per parser of
# outside input: the scraper's date parser and text normalisers (date) and
# spider-definition loader (spider), the request framing in front of evhttp
# (guard), percent-decoding and query strings (query), the signed-URL check
# (sign), the upload type sniffing and file-name cleaning (upload) and the
# CSV and .ods readers (sheet); built with clang and ASan + UBSan.
# `make fuzz` runs each for FUZZ_TIME seconds (60); the test suite runs
# each for 4 (fuzz-short, about 35 s in all).  New inputs land in
# $(BUILD)/fuzz/corpus-NAME; the seeds in tests/fuzz/seeds/NAME stay
# untouched.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
FUZZ_FLAGS  = -std=c11 -D_GNU_SOURCE -g -O1 -Ishared -Icms_server/scraper \
              -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined $(PKGCFG)
FUZZ_NAMES  = date spider guard query sign upload sheet
FUZZ_BINS   = $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/fuzz/fuzz_date: tests/fuzz/fuzz_date.c shared/scrape_text.c \
    shared/scrape_text.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_date.c \
	    shared/scrape_text.c

$(BUILD)/fuzz/fuzz_spider: tests/fuzz/fuzz_spider.c \
    cms_server/scraper/spider.c cms_server/scraper/spider.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_spider.c \
	    cms_server/scraper/spider.c $(PKGLIBS)

$(BUILD)/fuzz/fuzz_guard: tests/fuzz/fuzz_guard.c shared/guard.c \
    shared/guard.h shared/log.c shared/log.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_guard.c shared/guard.c \
	    shared/log.c $(PKGLIBS)

$(BUILD)/fuzz/fuzz_query: tests/fuzz/fuzz_query.c shared/url.c shared/url.h \
    shared/hex.c shared/hex.h shared/arena.c shared/arena.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_query.c shared/url.c \
	    shared/hex.c shared/arena.c

$(BUILD)/fuzz/fuzz_sign: tests/fuzz/fuzz_sign.c shared/sign.c shared/sign.h \
    shared/hex.c shared/hex.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_sign.c shared/sign.c \
	    shared/hex.c $(PKGLIBS)

$(BUILD)/fuzz/fuzz_upload: tests/fuzz/fuzz_upload.c shared/upload_check.c \
    shared/upload_check.h shared/url.c shared/url.h shared/hex.c \
    shared/hex.h shared/arena.c shared/arena.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_upload.c \
	    shared/upload_check.c shared/url.c shared/hex.c shared/arena.c

$(BUILD)/fuzz/fuzz_sheet: tests/fuzz/fuzz_sheet.c shared/sheet.c \
    shared/sheet.h shared/csv.c shared/csv.h shared/ods.c shared/ods.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_sheet.c shared/sheet.c \
	    shared/csv.c shared/ods.c $(PKGLIBS)

fuzz-bins: $(FUZZ_BINS)

fuzz: fuzz-bins
	@for f in $(FUZZ_NAMES); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$f && \
	    echo "=== fuzz_$$f for $(FUZZ_TIME) s" && \
	    $(BUILD)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_TIME) \
	        -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ \
	        $(BUILD)/fuzz/corpus-$$f tests/fuzz/seeds/$$f \
	        2>$(BUILD)/fuzz/fuzz_$$f.log || \
	    { tail -40 $(BUILD)/fuzz/fuzz_$$f.log; exit 1; }; \
	    grep -E '^stat::number_of_executed_units' \
	        $(BUILD)/fuzz/fuzz_$$f.log; \
	done

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZ_TIME=4

deps:
	@scripts/deps

run: deps all
	scripts/stack run

test: deps
	@scripts/test

bench: deps
	@scripts/bench

format:
	clang-format -i $(SHARED_SRC) $(wildcard shared/*.h) \
	    $(APP_SRC) $(wildcard app_server/*.h) $(CMS_SRC) \
	    $(wildcard cms_server/*.h) $(SCRAPER_SRC) $(UNIT_SRC) \
	    $(wildcard tests/server/*.c)

clean:
	rm -rf build

.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
