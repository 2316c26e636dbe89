# Makefile — builds minsheng and its tests.
#
#   make            release binary: build/minsheng
#   make test       sanitizer build (ASan+UBSan), unit tests, then the API
#                   tests twice: on SQLite and on a throwaway PostgreSQL 15
#                   cluster (scripts/test-suite.sh)
#   make unit       unit tests only
#   make api        API tests only, on SQLite
#   make api-pg     API tests only, on PostgreSQL
#   make fuzz       libFuzzer targets (clang, ASan+UBSan) in build-fuzz/fuzz/;
#                   scripts/fuzz.sh runs them (see tests/fuzz/README.md)
#   make bench-tools the floor programs of bench/compare.sh in build/bench/
#                   (not part of minsheng)
#   make clean
#
# Sources are found by wildcard: a new .c file under src/ is picked up
# without editing this file. src/main.c is the only file left out of the
# library that tests link against.

CC      ?= cc
PKGS    := libmicrohttpd sqlite3 libpq jansson libsodium liboath libqrencode icu-uc icu-i18n libzip expat xlsxwriter
CSTD    := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lcsv -lpthread -lm
# (libxlsxwriter, in PKGS for the exports, also writes the tests' .xlsx fixtures.)

SRC_ALL  := $(sort $(wildcard src/*.c src/*/*.c))
SRC_LIB  := $(filter-out src/main.c,$(SRC_ALL))
MIGRATIONS := $(sort $(wildcard src/storage/migrations/*.sql))
# PostgreSQL runs the same numbered list: a file in migrations/pg/ with
# the same name replaces the SQLite one where the SQL is engine-specific;
# the others are portable and shared (src/storage/migrations.h).
MIGRATIONS_PG := $(foreach m,$(MIGRATIONS),$(or $(wildcard src/storage/migrations/pg/$(notdir $(m))),$(m)))
PG_ONLY_MIGRATIONS := $(filter-out $(notdir $(MIGRATIONS)),$(notdir $(wildcard src/storage/migrations/pg/*.sql)))
ifneq ($(PG_ONLY_MIGRATIONS),)
$(error migrations/pg/ has no SQLite file of the same name: $(PG_ONLY_MIGRATIONS))
endif
# The web application (web/: Vue 3 + Element Plus + ECharts, built by
# Vite into web/dist by scripts/build-web.sh) and the API description.
WEB_SRC    := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.js \
              web/package.json web/package-lock.json
WEB_DIST   := web/dist/.built
API_DOC    := web/openapi.json
# Reference data compiled in (data/gbt2260.txt: scripts/gen-gbt2260.sh).
DATA_FILES := $(sort $(wildcard data/*.txt))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
API_SRC  := $(sort $(wildcard tests/api/test_*.c))
API_LIB  := $(filter-out $(API_SRC),$(wildcard tests/api/*.c))

# --- release build ---------------------------------------------------------
REL      := build
REL_CFLAGS := $(CSTD) $(WARN) -O2 -g -Isrc -I$(REL)/gen $(PKG_CFLAGS)

# --- test build (sanitizers) -----------------------------------------------
TST      := build-test
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
TST_CFLAGS := $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc -I$(TST)/gen $(PKG_CFLAGS) -DMS_TEST_BUILD

# --- fuzz build (clang's libFuzzer) ------------------------------------------
# The library is instrumented for coverage without libFuzzer's main
# (fuzzer-no-link); only the targets in tests/fuzz/ link the fuzzer.
FUZ      := build-fuzz
FUZZ_CC  ?= $(shell command -v clang-14 2>/dev/null || echo clang)
FUZ_SAN  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZ_CFLAGS := $(CSTD) $(WARN) -O1 -g $(FUZ_SAN) -fsanitize=fuzzer-no-link -Isrc -I$(FUZ)/gen $(PKG_CFLAGS) \
              -DMS_TEST_BUILD
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZ)/fuzz/%,$(FUZZ_SRC))

GEN_SRC = gen/migrations_gen.c gen/migrations_pg_gen.c gen/web_gen.c gen/apidoc_gen.c gen/data_gen.c

.PHONY: all test unit api api-pg clean bench bench-tools fuzz
.SECONDARY:
all: $(REL)/minsheng

define build_tree
$(1)/gen/migrations_gen.c: $(MIGRATIONS) scripts/embed.sh
	@mkdir -p $$(dir $$@)
	sh scripts/embed.sh ms_migrations $$@ $(MIGRATIONS)

$(1)/gen/migrations_pg_gen.c: $(MIGRATIONS_PG) scripts/embed.sh
	@mkdir -p $$(dir $$@)
	sh scripts/embed.sh ms_migrations_pg $$@ $(MIGRATIONS_PG)

$(1)/gen/web_gen.c: $(WEB_DIST) scripts/embed.sh scripts/embed-web.sh
	@mkdir -p $$(dir $$@)
	sh scripts/embed-web.sh $$@ web/dist

$(1)/gen/apidoc_gen.c: $(API_DOC) scripts/embed.sh
	@mkdir -p $$(dir $$@)
	sh scripts/embed.sh ms_api_doc $$@ $(API_DOC)

$(1)/gen/data_gen.c: $(DATA_FILES) scripts/embed.sh
	@mkdir -p $$(dir $$@)
	sh scripts/embed.sh ms_data_files $$@ $(DATA_FILES)

$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$(4) $(2) -MMD -MP -c $$< -o $$@

$(1)/obj/gen/%.o: $(1)/gen/%.c
	@mkdir -p $$(dir $$@)
	$(4) $(2) -c $$< -o $$@

$(1)/libminsheng.a: $(patsubst %.c,$(1)/obj/%.o,$(SRC_LIB)) $(addprefix $(1)/obj/,$(GEN_SRC:.c=.o))
	@rm -f $$@
	ar rcs $$@ $$^

$(1)/minsheng: $(1)/obj/src/main.o $(1)/libminsheng.a
	$(4) $(2) -o $$@ $$^ $(PKG_LIBS) $(3)
endef

$(eval $(call build_tree,$(REL),$(REL_CFLAGS),,$$(CC)))
$(eval $(call build_tree,$(TST),$(TST_CFLAGS),$(SAN),$$(CC)))
$(eval $(call build_tree,$(FUZ),$(FUZ_CFLAGS),$(FUZ_SAN),$$(FUZZ_CC)))

# The web application, once for every build tree.
$(WEB_DIST): $(WEB_SRC) scripts/build-web.sh
	sh scripts/build-web.sh

# --- tests -----------------------------------------------------------------
UNIT_BINS := $(patsubst tests/unit/%.c,$(TST)/tests/%,$(UNIT_SRC))
API_BINS  := $(patsubst tests/api/%.c,$(TST)/tests/%,$(API_SRC))
API_LIB_OBJS := $(patsubst %.c,$(TST)/obj/%.o,$(API_LIB))

$(TST)/tests/test_%: tests/unit/test_%.c $(TST)/libminsheng.a
	@mkdir -p $(dir $@)
	$(CC) $(TST_CFLAGS) -Itests -o $@ $< $(TST)/libminsheng.a $(PKG_LIBS) -lcmocka $(SAN)

$(TST)/tests/test_%: tests/api/test_%.c $(API_LIB_OBJS) $(TST)/libminsheng.a
	@mkdir -p $(dir $@)
	$(CC) $(TST_CFLAGS) -Itests -Itests/api -o $@ $< $(API_LIB_OBJS) $(TST)/libminsheng.a $(PKG_LIBS) -lcmocka -lcurl $(SAN)

# The power-cut shim the crash test preloads into the server (no
# sanitizers: it is loaded into a sanitized process beside ASan's runtime).
$(TST)/tests/powercut.so: tests/crash/powercut.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -fPIC -shared -o $@ $< -ldl -lpthread

$(TST)/tests/test_crash: $(TST)/tests/powercut.so

# The SQL-tracing library test_bench_floor preloads into the server (no
# sanitizers, as above).
$(TST)/tests/sqltrace.so: bench/tools/sqltrace.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -fPIC -shared -o $@ $< -ldl -lpthread

$(TST)/tests/test_bench_floor: $(TST)/tests/sqltrace.so bench/tools/floor_sql.h
$(TST)/tests/test_import_cost: $(TST)/tests/sqltrace.so

$(TST)/obj/tests/api/%.o: tests/api/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TST_CFLAGS) -Itests -Itests/api -MMD -MP -c $< -o $@

unit: $(UNIT_BINS)
	@sh scripts/run-tests.sh unit $(UNIT_BINS)

api: $(TST)/minsheng $(API_BINS)
	@MINSHENG_BIN=$(abspath $(TST)/minsheng) sh scripts/run-tests.sh api $(API_BINS)

api-pg: $(TST)/minsheng $(API_BINS)
	@MINSHENG_BIN=$(abspath $(TST)/minsheng) MINSHENG_TEST_ENGINES=postgresql sh scripts/test-suite.sh "" "$(API_BINS)"

test: $(TST)/minsheng $(UNIT_BINS) $(API_BINS)
	@MINSHENG_BIN=$(abspath $(TST)/minsheng) sh scripts/test-suite.sh "$(UNIT_BINS)" "$(API_BINS)"

# --- fuzz targets --------------------------------------------------------------
$(FUZ)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/support.c tests/fuzz/support.h $(FUZ)/libminsheng.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZ_CFLAGS) -Itests -o $@ $< tests/fuzz/support.c $(FUZ)/libminsheng.a $(PKG_LIBS) \
	    -fsanitize=fuzzer,address,undefined

fuzz: $(FUZZ_BINS)

bench: $(REL)/minsheng
	sh bench/run.sh

# --- benchmark helpers (bench/tools/, see bench/compare.sh) ------------------
# Release flags; sql_floor and bulk_insert link the library only for the
# key file and field encryption (core/keys.c, core/fieldcrypt.c,
# resident_encrypt_values).
BENCH_TOOLS := $(REL)/bench/http_floor $(REL)/bench/sql_floor $(REL)/bench/bulk_insert $(REL)/bench/sqltrace.so
bench-tools: $(BENCH_TOOLS)

$(REL)/bench/http_floor: bench/tools/http_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< $(PKG_LIBS)

$(REL)/bench/sql_floor: bench/tools/sql_floor.c bench/tools/floor_sql.h $(REL)/libminsheng.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< $(REL)/libminsheng.a $(PKG_LIBS)

$(REL)/bench/bulk_insert: bench/tools/bulk_insert.c $(REL)/libminsheng.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< $(REL)/libminsheng.a $(PKG_LIBS)

$(REL)/bench/sqltrace.so: bench/tools/sqltrace.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -fPIC -shared -o $@ $< -ldl -lpthread

clean:
	rm -rf $(REL) $(TST) $(FUZ) web/dist

-include $(shell find $(REL)/obj $(TST)/obj $(FUZ)/obj -name '*.d' 2>/dev/null)
