# parley — one plain Makefile. `make help` lists the targets.
#
# Knobs:
#   SANITIZE=address,undefined   build everything with those sanitizers (into build-san/)
#   FUZZ_SECONDS=N               how long `make fuzz` runs each target (default 60)
#   V=1                          show the commands

CC       ?= cc
PKGS     := libsodium libcrypto jansson sqlite3 libmicrohttpd libcurl zlib libsystemd libseccomp
# The version, one place: the VERSION file (baked into src/base/version.c only).
VERSION  := $(shell cat VERSION)
SANITIZE ?=
FUZZ_SECONDS ?= 60

ifeq ($(SANITIZE),)
BUILD    := build
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LD:= -pie -Wl,-z,relro,-z,now
else
BUILD    := build-san
HARDEN   := -fstack-protector-strong -fPIE -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN_LD:= -pie -fsanitize=$(SANITIZE)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(HARDEN) -Isrc $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(HARDEN_LD) $(LDFLAGS)
LIBS     = $(PKG_LIBS) -lpthread -lm

ifeq ($(V),)
Q := @
else
Q :=
endif

# The folder layout is the architecture: every src/<layer>/*.c except the
# command line goes into libparley.a; src/cli/ is the `parley` command.
LIB_SRC  := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
BENCH_SRC:= $(sort $(wildcard bench/bench_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
LIBPARLEY:= $(BUILD)/libparley.a
PARLEY   := $(BUILD)/parley
GOCHECK  := $(if $(wildcard tests/go/*.go),$(BUILD)/gocheck)
DEPS_OK  := build/.deps-ok

GOENV    := GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$(abspath $(BUILD)/gocache)

.PHONY: all deps check check-unit test demo bench fuzz fuzz-smoke fuzzers lint clean help install
.DEFAULT_GOAL := all
# Keep intermediate objects (test and bench objects), so make never deletes them after the
# run and the test count stays the last line printed.
.SECONDARY:

all: $(DEPS_OK) $(PARLEY) $(TESTS) $(GOCHECK)

help:
	@echo "make demo    install missing packages, build, run the main scenario"
	@echo "make check   install missing packages, build, run every test"
	@echo "make bench   performance figures as key=value lines"
	@echo "make fuzz    run every libFuzzer target for FUZZ_SECONDS each"
	@echo "make lint    forbidden-call scan and cppcheck"
	@echo "make SANITIZE=address,undefined check   the suite under ASan/UBSan"
	@echo "make install [PREFIX=/usr/local] [DESTDIR=]   the binary, man pages, systemd units (docs/operations.md)"

# Installs missing Debian packages once (re-run when the list changes).
$(DEPS_OK): scripts/deps.sh
	$(Q)bash scripts/deps.sh
	$(Q)mkdir -p $(@D) && touch $@
deps: $(DEPS_OK)

$(BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC    $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# Files built into the binary (src/base/embed.h: .incbin, relative to this directory).
EMBED_DATA = $(shell sed -n 's/^EMBED_FILE([a-z_]*, "\(.*\)");$$/\1/p' $(1))
$(BUILD)/obj/src/cli/cmd_demo.o: $(call EMBED_DATA,src/cli/cmd_demo.c)
$(BUILD)/obj/src/exchange/builtin.o: $(call EMBED_DATA,src/exchange/builtin.c)

# The desk's page (docs/desk.md): built from web/ into $(BUILD)/web/, then into the binary.
WEB_OUT := $(BUILD)/web
WEB_SRC := $(shell find web -path web/node_modules -prune -o -type f -print 2>/dev/null)
$(WEB_OUT)/.built: $(WEB_SRC) | $(DEPS_OK)
	@$(if $(Q),echo "  WEB   $(WEB_OUT)")
	$(Q)bash web/build.sh $(abspath $(WEB_OUT)) && touch $@
$(BUILD)/obj/src/desk/desk_assets.o: $(WEB_OUT)/.built
$(BUILD)/obj/src/desk/desk_assets.o: ALL_CFLAGS += -DDESK_WEB_DIR='"$(abspath $(WEB_OUT))"'

$(BUILD)/obj/src/base/version.o: VERSION
$(BUILD)/obj/src/base/version.o: ALL_CFLAGS += -DPARLEY_VERSION='"$(VERSION)"'

$(LIBPARLEY): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(PARLEY): $(CLI_OBJ) $(LIBPARLEY)
	@$(if $(Q),echo "  LINK  $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIBPARLEY) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBPARLEY)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBPARLEY) $(LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBPARLEY)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBPARLEY) $(LIBS)

# The independent checker: Go's golang.org/x/mod/sumdb/{note,tlog} from Debian, built offline.
$(GOCHECK): $(wildcard tests/go/*.go) | $(DEPS_OK)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GO    $@")
	$(Q)$(GOENV) go build -o $@ $(wildcard tests/go/*.go)

# Without SANITIZE, check also builds the fuzzers: tests/cli/fuzz_smoke.sh replays
# their crashers and runs each for a few seconds.
check: all $(if $(SANITIZE),,fuzzers)
	$(Q)BUILD=$(BUILD) PARLEY=$(abspath $(PARLEY)) GOCHECK=$(abspath $(GOCHECK)) \
		SANITIZE="$(SANITIZE)" bash tests/run.sh
test: check

demo: $(DEPS_OK) $(PARLEY)
	$(Q)PARLEY=$(abspath $(PARLEY)) bash scripts/demo.sh

bench: $(DEPS_OK) $(PARLEY) $(BENCHES) $(GOCHECK)
	$(Q)bash scripts/deps.sh --bench
	$(Q)BUILD=$(BUILD) PARLEY=$(abspath $(PARLEY)) GOCHECK=$(abspath $(GOCHECK)) bash bench/run.sh

# libFuzzer targets: built with clang against the library sources.
FUZZ_BUILD := build-fuzz
FUZZ_BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(PKG_CFLAGS) -fno-sanitize-recover=undefined -MMD -MP
FUZZ_CFLAGS = $(FUZZ_BASE_CFLAGS) -fsanitize=fuzzer,address,undefined
FUZZERS  := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
# The library is compiled once for all targets (instrumented, without libFuzzer's main).
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
$(FUZZ_BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_BASE_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
$(FUZZ_BUILD)/obj/src/base/version.o: VERSION
$(FUZZ_BUILD)/obj/src/desk/desk_assets.o: $(WEB_OUT)/.built
$(FUZZ_BUILD)/obj/src/desk/desk_assets.o: FUZZ_BASE_CFLAGS += -DDESK_WEB_DIR='"$(abspath $(WEB_OUT))"'
$(FUZZ_BUILD)/obj/src/base/version.o: FUZZ_BASE_CFLAGS += -DPARLEY_VERSION='"$(VERSION)"'
$(FUZZ_BUILD)/libparley-fuzz.a: $(FUZZ_LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(FUZZ_BUILD)/%: fuzz/%.c $(FUZZ_BUILD)/libparley-fuzz.a | $(DEPS_OK)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ  $@")
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_BUILD)/libparley-fuzz.a $(LIBS)
fuzzers: $(FUZZERS)
fuzz: $(FUZZERS)
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) bash fuzz/run.sh $(FUZZ_SECONDS)
fuzz-smoke: $(FUZZERS)
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) bash fuzz/run.sh 5

lint: $(DEPS_OK)
	$(Q)bash scripts/lint.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the man pages, the systemd units
# (their ExecStart names PREFIX/bin/parley) and an example configuration (docs/operations.md).
PREFIX   ?= /usr/local
UNITDIR  ?= $(PREFIX)/lib/systemd/system
install: $(PARLEY)
	install -D -m 0755 $(PARLEY) $(DESTDIR)$(PREFIX)/bin/parley
	install -D -m 0644 dist/man/parley.1 $(DESTDIR)$(PREFIX)/share/man/man1/parley.1
	install -D -m 0644 dist/man/parley-node.8 $(DESTDIR)$(PREFIX)/share/man/man8/parley-node.8
	install -D -m 0644 dist/man/parley-witness.8 $(DESTDIR)$(PREFIX)/share/man/man8/parley-witness.8
	install -d $(DESTDIR)$(UNITDIR)
	for u in parley-node@.service parley-witness@.service; do \
		sed 's|/usr/local/bin/parley|$(PREFIX)/bin/parley|' dist/systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	install -D -m 0644 dist/node.conf.example $(DESTDIR)$(PREFIX)/share/doc/parley/node.conf.example
	install -D -m 0644 dist/nginx/parley-node.conf $(DESTDIR)$(PREFIX)/share/doc/parley/nginx-parley-node.conf

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
