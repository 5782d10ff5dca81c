# clustd - VRRP failover daemon. See README.md.
PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system
DRIVERDIR ?= $(PREFIX)/share/clustd/drivers

CC       ?= cc
PKGS     := libnl-3.0 libnl-route-3.0 libmnl libnftnl libconfig libsodium json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -Isrc
# `make VERSION=1.2-3` stamps the binary (clustd -V); the package does.
ifdef VERSION
ALL_CFLAGS += -DCLUSTD_VERSION='"$(VERSION)"'
endif
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) -O1 -g $(SAN) $(PKG_CFLAGS) -Isrc

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
HDRS     := $(wildcard src/*.h)
OBJ      := $(LIB_SRC:src/%.c=build/%.o)
SAN_OBJ  := $(LIB_SRC:src/%.c=build/san/%.o)
UNIT_SRC := $(wildcard t/unit/check_*.c)
UNIT_BIN := $(UNIT_SRC:t/unit/%.c=build/san/t/%)
FUZZ_SECONDS ?= 20
FUZZ_SRC := $(wildcard t/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:t/fuzz/%.c=build/fuzz/%)

.PHONY: all lint check check-unit check-fuzz check-net demo bench fuzz install clean deps deb deb-test

all: build/clustd

build/%.o: src/%.c $(HDRS) | build
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
build/libclustd.a: $(OBJ)
	ar rcs $@ $^
# The release binary links the libraries it can statically: only what it
# uses of them is then mapped, and all of that is locked in RAM at start
# (resident size: doc/bench.md). libc and libmnl (Debian ships no archive
# of it) stay shared. STATIC_LIBS=0, or a missing archive: all shared.
STATIC_LIBS ?= 1
STATIC_NAMES := nl-route-3 nl-3 nftnl config sodium json-c
STATIC_FOUND := $(shell for l in $(STATIC_NAMES); do \
	[ -f "$$($(CC) -print-file-name=lib$$l.a)" ] || exit 0; done; echo yes)
ifeq ($(STATIC_LIBS)$(STATIC_FOUND),1yes)
REL_LIBS := -Wl,-Bstatic $(addprefix -l,$(STATIC_NAMES)) -Wl,-Bdynamic -lmnl -lm
else
REL_LIBS := $(PKG_LIBS)
endif
build/clustd: build/main.o build/libclustd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(REL_LIBS)

# The test build: every object again under ASan + UBSan.
build/san/%.o: src/%.c $(HDRS) | build/san
	$(CC) $(SAN_CFLAGS) -c -o $@ $<
build/san/libclustd.a: $(SAN_OBJ)
	ar rcs $@ $^
build/san/clustd: build/san/main.o build/san/libclustd.a
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(PKG_LIBS)
build/san/t/%: t/unit/%.c $(wildcard t/unit/*.h) build/san/libclustd.a | build/san/t
	$(CC) $(SAN_CFLAGS) -It/unit -o $@ $< build/san/libclustd.a $(PKG_LIBS) $$(pkg-config --libs check)

# The cost floor of an advert, for scripts/bench-rest.sh.
build/advert_floor: t/tools/advert_floor.c build/libclustd.a
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libclustd.a $(PKG_LIBS)

build build/san build/san/t:
	mkdir -p $@

deps:
	scripts/deps.sh

# Everything: unit tests (no root), then the namespace suite (root).
check: deps
	rm -rf build/test-results
	$(MAKE) lint
	$(MAKE) check-unit
	$(MAKE) check-fuzz
	$(MAKE) check-net
	@scripts/summary.sh build/test-results

# The layering rule: pure-core modules (src/CORE) do no I/O (and the
# check itself is tested on injected violations).
lint:
	@scripts/lint-layers.sh && scripts/test-lint-layers.sh

check-unit: build/san/clustd $(UNIT_BIN)
	@scripts/run-unit.sh build/test-results $(UNIT_BIN)

# Every fuzz target replays its corpus (seeds and crash/leak reproducers in
# t/fuzz/corpus/NAME/), each input once: deterministic. Random exploration
# only in `make fuzz`.
check-fuzz: $(FUZZ_BIN)
	@mkdir -p build/fuzz; scripts/run-fuzz.sh replay $(FUZZ_BIN) > build/fuzz/check.log 2>&1; rc=$$?; \
	cat build/fuzz/check.log; mkdir -p build/test-results; \
	echo "$$(grep -c ': ok' build/fuzz/check.log) $$(grep -c ': FAIL' build/fuzz/check.log) 0" \
		> build/test-results/fuzz.result; exit $$rc

check-net: build/san/clustd build/clustd
	@t/net/run.sh build/san/clustd build/test-results

# deps first, then a sub-make: pkg-config flags must be read after the
# packages are installed on a fresh machine.
demo: deps
	$(MAKE) build/clustd
	scripts/demo.sh build/clustd

bench: deps
	$(MAKE) build/clustd build/advert_floor
	scripts/bench.sh build/clustd
	scripts/bench-cluster.sh build/clustd
	scripts/bench-track.sh build/clustd
	scripts/bench-persist.sh build/clustd
	scripts/bench-rest.sh build/clustd
	scripts/bench-scale.sh build/clustd
	scripts/bench-flood.sh build/clustd
	LS_STORM="cpu mem" LS_HOGS=16 scripts/bench-loadstorm.sh build/clustd
	LS_STORM="cpu mem disk" LS_HOGS=2 LS_SECONDS=120 scripts/bench-loadstorm.sh build/clustd
	scripts/bench-votes.sh build/clustd
	scripts/bench-drivers.sh build/clustd
	scripts/bench-handover.sh build/clustd
	scripts/bench-web.sh build/clustd

# libFuzzer targets (clang). `make fuzz FUZZ_SECONDS=600` runs longer.
build/fuzz/%: t/fuzz/%.c $(LIB_SRC) $(HDRS)
	mkdir -p build/fuzz
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -Isrc -o $@ $< $(LIB_SRC) $(PKG_LIBS)
fuzz: $(FUZZ_BIN)
	@scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

install: build/clustd
	install -D -m 0755 build/clustd $(DESTDIR)$(SBINDIR)/clustd
	install -D -m 0644 doc/clustd.8 $(DESTDIR)$(MANDIR)/man8/clustd.8
	install -D -m 0644 doc/clustd.conf.5 $(DESTDIR)$(MANDIR)/man5/clustd.conf.5
	mkdir -p $(DESTDIR)$(MANDIR)/man7
	sed -e 's|/usr/local/share/clustd/drivers/|$(DRIVERDIR)/|g' doc/clustd-drivers.7 > \
		$(DESTDIR)$(MANDIR)/man7/clustd-drivers.7
	install -d $(DESTDIR)$(DRIVERDIR)
	install -m 0755 scripts/drivers/singleton-unit.sh scripts/drivers/webhook.sh \
		scripts/drivers/clustd_driver.py $(DESTDIR)$(DRIVERDIR)/
	mkdir -p $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin/|$(SBINDIR)/|g' systemd/clustd.service > $(DESTDIR)$(UNITDIR)/clustd.service
	sed 's|/usr/local/sbin/|$(SBINDIR)/|g' systemd/clustd-witness.service > \
		$(DESTDIR)$(UNITDIR)/clustd-witness.service
	sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' -e 's|/usr/local/share/clustd/drivers/|$(DRIVERDIR)/|g' \
		systemd/clustd-watch@.service > $(DESTDIR)$(UNITDIR)/clustd-watch@.service
	test -e $(DESTDIR)$(SYSCONFDIR)/clustd.conf || \
		install -D -m 0644 etc/clustd.conf $(DESTDIR)$(SYSCONFDIR)/clustd.conf
	test -e $(DESTDIR)$(SYSCONFDIR)/clustd-witness.conf || \
		install -D -m 0644 etc/clustd-witness.conf $(DESTDIR)$(SYSCONFDIR)/clustd-witness.conf
	# Example notify scripts: not executable, not named by any config
	# (doc/web-services.md says how to enable one); never overwritten.
	install -d $(DESTDIR)$(SYSCONFDIR)/clustd
	for f in etc/clustd/*.sh; do \
		test -e $(DESTDIR)$(SYSCONFDIR)/clustd/$${f##*/} || \
			install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/clustd/; \
	done

# The Debian package in build/deb/, checked by lintian (scripts/deb.sh);
# as root it installs the build dependencies first.
deb:
	scripts/deb.sh

# The package in a fresh Debian 12 root: install, failover, upgrade, the
# unit under systemd-nspawn, purge (scripts/deb-test.sh; root, about 2
# minutes; exit 77 when no Debian tree can be made; .ci/run runs it after
# check).
deb-test: deb
	scripts/deb-test.sh build/deb

clean:
	rm -rf build
