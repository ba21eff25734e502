# SPDX-License-Identifier: GPL-2.0
#
# wfpredir top-level build. `make help` lists the targets.

# Kernel build tree for `make module`: the running kernel's when it has one,
# else the newest installed Debian headers by version (sort -V) of the
# running kernel's flavour (6.1.0-57-cloud-amd64 is "cloud-amd64"), else of
# the plain amd64 flavour; a -cloud-amd64 or -rt-amd64 tree never wins over
# an -amd64 one for a kernel that is not of that flavour itself.
KHEADERS ?= /usr/src
flavour-sed := sed -E 's/^[0-9][0-9.]*(\+[^-]*)?-([0-9]+-)?//'
kflavour = $(shell echo '$(1)' | $(flavour-sed))
newest-headers = $(lastword $(shell for m in $(KHEADERS)/linux-headers-*/Makefile; do \
	d=$${m%/Makefile}; r=$${d##*/linux-headers-}; \
	[ "$$(echo "$$r" | $(flavour-sed))" = '$(1)' ] && echo "$$d"; \
	done | sort -V))
KDIR ?= $(firstword $(patsubst %/Makefile,%,$(wildcard /lib/modules/$(shell uname -r)/build/Makefile)) \
	$(call newest-headers,$(call kflavour,$(shell uname -r))) $(call newest-headers,amd64))
# The kernels `make check` tests: the newest installed of each supported
# line (6.1, 6.12), by release (uname -r), e.g. "6.1.0-57-amd64 6.12.118+deb12-amd64".
KVERS ?= $(shell tests/vm/kernels)
# What a build tree is built for: its release, as uname -r will say it.
krelease = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(1)/include/generated/utsrelease.h 2>/dev/null)

# The one place the version is written: VERSION, read by this Makefile for
# userspace and by kmod/Kbuild for the module (DKMS builds without this file).
VERSION_STRING := $(shell cat VERSION)

BUILD ?= build
CACHE ?= $(or $(WFPREDIR_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/wfpredir)
export WFPREDIR_CACHE := $(CACHE)

CC ?= cc
PKG_CONFIG ?= pkg-config
NL_CFLAGS = $(shell $(PKG_CONFIG) --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS = $(shell $(PKG_CONFIG) --libs libnl-genl-3.0 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# -Werror is for make check and CI (WERROR=1), never forced on a packager
# whose compiler may warn about something new.
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2
WERROR ?= 0
ifeq ($(WERROR),1)
WARN += -Werror
endif
# The public header includes the UAPI as <linux/wfpredir.h>, found in
# kmod/uapi here and in $(includedir)/wfpredir/uapi once installed (the
# pkg-config Cflags), never in linux-libc-dev's /usr/include/linux.
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DWFPREDIR_VERSION='"$(VERSION_STRING)"' $(WARN) -Ikmod/uapi -Ilib/include $(NL_CFLAGS)
# What packagers set (dpkg-buildflags: FORTIFY in CPPFLAGS, the stack
# protector in CFLAGS, relro and bindnow in LDFLAGS) goes in after ours.
CFLAGS ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_HDRS := $(wildcard lib/*.h lib/include/*.h lib/include/wfpredir/*.h kmod/uapi/linux/*.h)
# SONAME libwfpredir.so.0; the real name carries the release,
# libwfpredir.so.0.2.0 for 0.2.0.
LIB_SOVER := 0
LIB_SONAME := libwfpredir.so.$(LIB_SOVER)
LIB_REALNAME := $(LIB_SONAME).$(subst $(eval) ,.,$(wordlist 2,3,$(subst ., ,$(VERSION_STRING))))

# Each program under tools/ is one directory or one .c file; each helper
# under tests/helpers/ is one .c file linked against the library.
TOOL_NAMES := wfpredirctl wfpredir-proxy wfpsampler-proxy
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(wildcard tests/helpers/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))


.PHONY: all module modules-kvers module-debug lib tools test-helpers unit deps check check-debug \
	demo bench lint clean help fuzz-kernel

all: module lib tools test-helpers

help:
	@echo 'make            build wfpredir.ko (for KDIR), libwfpredir and the tools'
	@echo 'make demo       boot the test VM and show what wfpredir does'
	@echo 'make check      unit tests on the host, then the kselftests in the VM on'
	@echo '                each kernel of KVERS'
	@echo 'make check-debug  the kselftests on a KASAN/lockdep/kmemleak kernel'
	@echo 'make bench      benchmarks in the VM, as ratios against a baseline'
	@echo 'make fuzz-kernel MINUTES=N  the syscall fuzzer in the debug kernel VM'
	@echo 'make lint       checkpatch --strict and sparse on kmod/, cppcheck on C'
	@echo 'make fuzz       build the libFuzzer targets (tests/fuzz) and run each for'
	@echo '                FUZZ_SECONDS (now $(FUZZ_SECONDS)); fuzz-smoke: the short CI run'
	@echo 'make deps       install every Debian package the project needs'
	@echo 'make install    install the module (modules_install, depmod), library,'
	@echo '                tools, units, man pages; install-user: all but the module;'
	@echo '                uninstall (Documentation/install.rst)'
	@echo 'make deb        the Debian packages, into $(BUILD)/deb/ (lintian-checked)'
	@echo 'make dkms-source  stage /usr/src/wfpredir-VERSION for DKMS'
	@echo 'variables: KDIR (kernel build tree, now $(KDIR)),'
	@echo '           KVERS (kernel releases make check tests, now $(KVERS)),'
	@echo '           CACHE (now $(CACHE)),'
	@echo '           DESTDIR, PREFIX (now $(PREFIX)), LIBDIR, SBINDIR, ...; WERROR=1,'
	@echo '           CFLAGS, CPPFLAGS, LDFLAGS (after -Wall -Wextra),'
	@echo '           KSELFTESTS (names: run only these kselftests in the VM),'
	@echo '           BENCH (names or prefixes: run only these benchmarks, e.g. p2)'

deps:
	@scripts/install-deps

# ---------------------------------------------------------------- module
# WFPREDIR_DEBUG=1 builds the in-module self-tests, which run at load time.
# Each kernel gets its own copy of the module sources, $(BUILD)/kmod-RELEASE
# (kbuild writes objects and the compat probes' header beside the sources,
# and one tree cannot hold two kernels' objects); tests/vm/run looks there.
# Only sources newer than their copy are copied again, so a rebuild is
# incremental. A copy is stamped with the time it was made, not the
# source's: a file edited while kbuild compiled its old copy is then newer
# than that object the next time, where a kept time would leave it older.
define build-module
	@# A probe deleted from the tree must go from the copy too; the others keep
	@# their times, or every build would re-probe and recompile everything.
	for f in $(1)/kmod/compat/probes/*.c; do \
		[ ! -e "$$f" ] || [ -e "kmod/compat/probes/$${f##*/}" ] || rm -f "$$f"; \
	done
	mkdir -p $(1) && cp -ru --parents Kbuild VERSION kmod tests/modules $(1)/
	$(MAKE) -C $(2) M=$(CURDIR)/$(1) W=1 WFPREDIR_DEBUG=$(3) modules
endef

module:
	@test -n "$(KDIR)" || { echo 'no kernel build tree: run make deps, or set KDIR' >&2; exit 1; }
	@test -n "$(call krelease,$(KDIR))" || { echo '$(KDIR) is not a kernel build tree' >&2; exit 1; }
	$(call build-module,$(BUILD)/kmod-$(call krelease,$(KDIR)),$(KDIR),$(WFPREDIR_DEBUG))

# The module and test modules for every kernel of KVERS.
modules-kvers:
	@test -n "$(KVERS)" || { echo 'no kernel with headers and image installed: run make deps' >&2; exit 1; }
	@set -e; for v in $(KVERS); do \
		$(MAKE) --no-print-directory module KDIR=/lib/modules/$$v/build \
			WFPREDIR_DEBUG=$(WFPREDIR_DEBUG); \
	done

module-debug:
	@tests/vm/build-debug-kernel
	$(call build-module,$(BUILD)/kmod-debug,$$(tests/vm/build-debug-kernel --print-dir),1)

# ---------------------------------------------------------------- library
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
SAN_LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/san/lib/%.o,$(LIB_SRCS))

lib: $(BUILD)/lib/libwfpredir.so $(BUILD)/lib/libwfpredir.a

$(BUILD)/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/lib/libwfpredir.so: $(LIB_OBJS) lib/libwfpredir.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=lib/libwfpredir.map -o $(@D)/$(LIB_REALNAME) $(LIB_OBJS) \
		$(NL_LIBS) -pthread
	ln -sf $(LIB_REALNAME) $(@D)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

$(BUILD)/lib/libwfpredir.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

# ---------------------------------------------------------------- tools
tools: $(addprefix $(BUILD)/tools/,$(TOOL_NAMES))

# Each tool is tools/NAME/*.c linked against the static library.
.SECONDEXPANSION:
$(BUILD)/tools/%: $$(sort $$(wildcard tools/%/*.c)) $$(wildcard tools/%/*.h) \
		$(BUILD)/lib/libwfpredir.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) \
		$(BUILD)/lib/libwfpredir.a $(NL_LIBS) -pthread

test-helpers: $(TEST_HELPERS) $(BUILD)/tests/wfpredir-kfuzz $(BUILD)/tests/failnth.so

# The fail-nth shim the kselftests preload into wfpredirctl (tests/helpers/preload/).
$(BUILD)/tests/failnth.so: tests/helpers/preload/failnth.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -shared -fPIC -o $@ $< -ldl

# Each links tests/helpers/common/, what the helpers share.
HELPER_COMMON := $(wildcard tests/helpers/common/*.c)
$(BUILD)/tests/%: tests/helpers/%.c $(HELPER_COMMON) $(wildcard tests/helpers/common/*.h) \
		$(BUILD)/lib/libwfpredir.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(HELPER_COMMON) \
		$(BUILD)/lib/libwfpredir.a $(NL_LIBS) -pthread

# The in-VM syscall fuzzer (tests/fuzz/kernel/), built as a test helper.
$(BUILD)/tests/wfpredir-kfuzz: tests/fuzz/kernel/wfpredir-kfuzz.c $(HELPER_COMMON) \
		$(wildcard tests/helpers/common/*.h) $(BUILD)/lib/libwfpredir.a kmod/uapi/linux/wfpredir.h
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(HELPER_COMMON) \
		$(BUILD)/lib/libwfpredir.a $(NL_LIBS) -pthread

# ---------------------------------------------------------------- tests
$(BUILD)/san/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) -c -o $@ $<

$(BUILD)/san/unit-tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) -Ilib -o $@ $(UNIT_SRCS) $(SAN_LIB_OBJS) \
		$(CHECK_LIBS) $(NL_LIBS) -pthread

# The unit tests include the CLI's parsers.
$(BUILD)/san/unit-tests: tools/wfpredirctl/parse.c tools/wfpredirctl/parse.h \
		tools/wfpredirctl/conffile.c tools/wfpredirctl/conffile.h

# The same unit tests under ThreadSanitizer (it cannot share a binary with
# ASan): the library is multithreaded (the overlapped worker, APC queues,
# events), and a data race there is a bug. make check runs both.
TSAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
TSAN_LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/tsan/lib/%.o,$(LIB_SRCS))

$(BUILD)/tsan/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(TSAN_CFLAGS) -c -o $@ $<

$(BUILD)/tsan/unit-tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(TSAN_LIB_OBJS) \
		tools/wfpredirctl/parse.c tools/wfpredirctl/parse.h \
		tools/wfpredirctl/conffile.c tools/wfpredirctl/conffile.h
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(TSAN_CFLAGS) -Ilib -o $@ $(UNIT_SRCS) $(TSAN_LIB_OBJS) \
		$(CHECK_LIBS) $(NL_LIBS) -pthread

# ---------------------------------------------------------------- fuzzing
# libFuzzer targets (tests/fuzz/NAME.c) with Debian's clang, ASan and UBSan:
# every parser hostile input reaches, the module's record codec among them
# (kmod/records.c itself, built through the stand-ins of tests/fuzz/kshim/).
# make fuzz runs each for FUZZ_SECONDS, or with FUZZ_RUNS=N until it has run
# N inputs (a release: 10000000); make fuzz-smoke is CI's short run.
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
FUZZ_WORK ?= $(CACHE)/fuzz
# A target is tests/fuzz/AREA_WHAT.c (gen-seeds.c writes the corpora).
FUZZ_TARGETS := $(sort $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*_*.c)))
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/fuzz/lib/%.o,$(LIB_SRCS))
KSHIM_CFLAGS := -std=gnu11 -Wall -Wextra -Itests/fuzz/kshim -include tests/fuzz/kshim/kshim.h \
	-include tests/fuzz/kshim/netns.h -Ikmod $(FUZZ_CFLAGS)

.PHONY: fuzz fuzz-build fuzz-smoke

fuzz-build: $(FUZZ_BINS)

$(BUILD)/fuzz/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/libwfpredir.a: $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/kshim/%.o: tests/fuzz/kshim/%.c $(wildcard tests/fuzz/kshim/*.h tests/fuzz/kshim/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(KSHIM_CFLAGS) -c -o $@ $<

# The module's own source, unchanged.
$(BUILD)/fuzz/kshim/kmod-%.o: kmod/%.c kmod/%.h kmod/uapi/linux/wfpredir.h \
		$(wildcard tests/fuzz/kshim/*.h tests/fuzz/kshim/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(KSHIM_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/kshim/target-%.o: tests/fuzz/%.c kmod/records.h \
		$(wildcard tests/fuzz/kshim/*.h tests/fuzz/kshim/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(KSHIM_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/kmod_records: $(BUILD)/fuzz/kshim/target-kmod_records.o \
		$(BUILD)/fuzz/kshim/kmod-records.o $(BUILD)/fuzz/kshim/kshim.o $(BUILD)/fuzz/libwfpredir.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(NL_LIBS) -pthread

# The library's targets link its internal entry points; wfpredirctl's link
# its parsers (parse.c, conffile.c: no netlink, no global state).
FUZZ_CTL_SRCS := tools/wfpredirctl/parse.c tools/wfpredirctl/conffile.c
$(BUILD)/fuzz/lib_%: tests/fuzz/lib_%.c tests/fuzz/fuzz.h $(BUILD)/fuzz/libwfpredir.a
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ilib -o $@ $< \
		$(BUILD)/fuzz/libwfpredir.a $(NL_LIBS) -pthread
$(BUILD)/fuzz/ctl_%: tests/fuzz/ctl_%.c tests/fuzz/fuzz.h $(FUZZ_CTL_SRCS) \
		tools/wfpredirctl/parse.h tools/wfpredirctl/conffile.h $(BUILD)/fuzz/libwfpredir.a
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itools/wfpredirctl -o $@ $< \
		$(FUZZ_CTL_SRCS) $(BUILD)/fuzz/libwfpredir.a $(NL_LIBS) -pthread

# The seed corpora are checked in; this writes them again.
$(BUILD)/fuzz/gen-seeds: tests/fuzz/gen-seeds.c $(BUILD)/lib/libwfpredir.a
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -Ilib -o $@ $< $(BUILD)/lib/libwfpredir.a $(NL_LIBS) -pthread

.PHONY: fuzz-seeds
fuzz-seeds: $(BUILD)/fuzz/gen-seeds
	$(BUILD)/fuzz/gen-seeds tests/fuzz/corpus

fuzz: fuzz-build
	@tests/fuzz/run $(if $(FUZZ_RUNS),--runs $(FUZZ_RUNS),--seconds $(FUZZ_SECONDS)) \
		--work $(FUZZ_WORK) $(BUILD)/fuzz

fuzz-smoke: fuzz-build
	@tests/fuzz/run --smoke $(BUILD)/fuzz

# The overlapped engine's benchmark runs on the host (no module): ratios
# against a baseline of the same run, never pass/fail; not part of check.
$(BUILD)/tests/bench-overlapped: tests/bench/overlapped.c $(BUILD)/lib/libwfpredir.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -Ilib -o $@ $< $(BUILD)/lib/libwfpredir.a $(NL_LIBS) -pthread

.PHONY: bench-lib
bench-lib: $(BUILD)/tests/bench-overlapped
	@tests/bench/overlapped

unit: $(BUILD)/san/unit-tests
	tests/unit/run $(BUILD)/san/unit-tests

# The unit tests once, the kselftests on each kernel of KVERS.
check:
	@scripts/install-deps
	@# every core: the build is about 3 CPU-minutes, and CI waits for it
	@$(MAKE) -j$(shell nproc) --no-print-directory WFPREDIR_DEBUG=1 WERROR=1 \
		lib tools test-helpers modules-kvers \
		$(BUILD)/san/unit-tests $(BUILD)/tsan/unit-tests fuzz-build >$(BUILD).log 2>&1 \
		|| { cat $(BUILD).log; exit 1; }
	@tests/check $(addprefix --kernel ,$(KVERS)) $(KSELFTESTS)

# KFUZZ_SECONDS=N on the command line: the kernel fuzzer's short run after
# the kselftests, in the same boot of the debug kernel (what CI does).
check-debug:
	@scripts/install-deps
	@# not all: the stock module is not needed, and building it here
	@# without make check's WFPREDIR_DEBUG=1 would recompile it twice
	@$(MAKE) -j$(shell nproc) --no-print-directory WERROR=1 lib tools test-helpers module-debug \
		>$(BUILD)-debug.log 2>&1 || { tail -n 100 $(BUILD)-debug.log; exit 1; }
	@tests/check --kernel debug \
		$(if $(filter command line,$(origin KFUZZ_SECONDS)),--fuzz $(KFUZZ_SECONDS)) \
		$(if $(SOAK_MINUTES),--soak $(SOAK_MINUTES)) $(KSELFTESTS)

# The kernel fuzzer in the VM: MINUTES (or KFUZZ_SECONDS, for CI's short run)
# of wfpredir-kfuzz with namespaces deleted and the module reloaded under it;
# the VM fails the run on any kernel report. FUZZ_KERNEL=debug (KASAN,
# lockdep, kmemleak; default) or stock (faster, finds less); FUZZ_SEED,
# FUZZ_PROCS; FUZZ_FAILSLAB=PERCENT fails that share of the fuzzer's slab
# allocations (debug kernel). Documentation/testing.rst, "Kernel fuzzing".
MINUTES ?= 10
KFUZZ_SECONDS ?= $(shell echo $$(($(MINUTES) * 60)))
FUZZ_KERNEL ?= debug
FUZZ_PROCS ?= 4
FUZZ_SEED ?=
FUZZ_FAILSLAB ?=
fuzz-kernel:
	@scripts/install-deps
	@$(MAKE) --no-print-directory WERROR=1 lib tools test-helpers \
		$(if $(filter debug,$(FUZZ_KERNEL)),module-debug,module) \
		>$(BUILD)-debug.log 2>&1 || { tail -n 100 $(BUILD)-debug.log; exit 1; }
	@tests/vm/run --kernel $(if $(filter debug,$(FUZZ_KERNEL)),debug,$(call krelease,$(KDIR))) \
		--timeout $$(($(KFUZZ_SECONDS) + 600)) -- tests/fuzz/kernel/run \
		--seconds $(KFUZZ_SECONDS) --procs $(FUZZ_PROCS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) \
		$(if $(FUZZ_FAILSLAB),--failslab $(FUZZ_FAILSLAB))

# The soak run (MINUTES minutes, default 10) and the big-numbers test, on the
# debug kernel (SOAK_KERNEL=stock for a quick one); slow, not part of check.
SOAK_KERNEL ?= debug
.PHONY: soak soak-big
soak soak-big:
	@scripts/install-deps
	@$(MAKE) --no-print-directory WERROR=1 WFPREDIR_DEBUG=1 all \
		$(if $(filter debug,$(SOAK_KERNEL)),module-debug) >$(BUILD)-soak.log 2>&1 \
		|| { tail -n 100 $(BUILD)-soak.log; exit 1; }
	@tests/soak/run --kernel $(SOAK_KERNEL) $(if $(filter soak-big,$@),--big,$(MINUTES))

# Benchmarks report ratios against a baseline of the same run; they never
# pass or fail on timing, and are not part of make check.
bench:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests/bench-overlapped >$(BUILD).log 2>&1 \
		|| { cat $(BUILD).log; exit 1; }
	@tests/vm/run --kernel $(call krelease,$(KDIR)) --timeout 3600 -- tests/bench/run $(BENCH)

demo:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all >$(BUILD).log 2>&1 || { cat $(BUILD).log; exit 1; }
	@tests/vm/run --kernel $(call krelease,$(KDIR)) -- tools/demo

lint:
	@scripts/install-deps
	@scripts/lint

# ---------------------------------------------------------------- install
# GNU-style directories, each overridable: make install PREFIX=/usr
# LIBDIR=/usr/lib/x86_64-linux-gnu DESTDIR=/tmp/stage. The configuration
# lives in /etc, not $(PREFIX)/etc, whatever the prefix, as for
# wireguard-tools: the unit and the tools name /etc/wfpredir.
PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR ?= $(EXEC_PREFIX)/bin
SBINDIR ?= $(EXEC_PREFIX)/sbin
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATAROOTDIR ?= $(PREFIX)/share
MANDIR ?= $(DATAROOTDIR)/man
DOCDIR ?= $(DATAROOTDIR)/doc/wfpredir
SYSCONFDIR ?= /etc
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell $(PKG_CONFIG) --variable=sysusersdir systemd 2>/dev/null),/usr/lib/sysusers.d)
BASHCOMPDIR ?= $(or $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null),$(DATAROOTDIR)/bash-completion/completions)
# The module goes where the kernel's modules_install puts it, under
# INSTALL_MOD_PATH (DESTDIR unless set), in updates/ so that it wins over
# an in-tree module of the same name, as DKMS does.
INSTALL_MOD_PATH ?= $(DESTDIR)
INSTALL_MOD_DIR ?= updates
DEPMOD ?= /sbin/depmod
INSTALL ?= install

# What the pieces of other branches add, once there: installed when present.
UNITS := $(wildcard systemd/*.service)
SYSUSERS := $(wildcard systemd/*.sysusers)
COMPLETION := $(wildcard tools/wfpredirctl/completion.bash)
CONFIG := $(wildcard etc/wfpredir.conf)
PROXY_CONFIGS := $(wildcard etc/proxy/*.conf)
MAN8 := $(wildcard Documentation/*.8)
MAN5 := $(wildcard Documentation/*.5)
MAN3 := $(wildcard Documentation/man3/*.3)
PUBLIC_HDRS := lib/include/wfpredir.h $(wildcard lib/include/wfpredir/*.h)
INSTALL_TOOLS := wfpredirctl wfpredir-proxy
KRELEASE = $(call krelease,$(KDIR))

.PHONY: install install-user install-lib install-tools install-data install-module \
	uninstall uninstall-user uninstall-module dkms-source deb

install: install-user install-module
install-user: install-lib install-tools install-data

# The man pages say the version of the tree they are installed from; a
# page that links to another (.so) is left as it is.
$(BUILD)/man/%: Documentation/%
	@mkdir -p $(@D)
	sed -E '/^\.TH /s/"wfpredir [^"]*"/"wfpredir $(VERSION_STRING)"/' $< >$@

# The UAPI header as the kernel's headers_install ships one: no kernel-only
# annotations, no _UAPI prefix on the include guard.
$(BUILD)/uapi/linux/wfpredir.h: kmod/uapi/linux/wfpredir.h
	@mkdir -p $(@D)
	sed -E -e 's/([[:space:](])(__user|__force|__iomem)[[:space:]]/\1/g' \
		-e 's/__attribute_const__([[:space:]]|$$)/\1/g' \
		-e 's@^#include <linux/compiler(|_types).h>@@' \
		-e 's/(^|[^a-zA-Z0-9])__packed([^a-zA-Z0-9_]|$$)/\1__attribute__((packed))\2/g' \
		-e 's@#(ifndef|define|endif[[:space:]]*/[*])[[:space:]]*_UAPI@#\1 @' $< >$@

$(BUILD)/libwfpredir.pc: FORCE
	@mkdir -p $(@D)
	printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$(EXEC_PREFIX)' \
		'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
		'Name: libwfpredir' \
		'Description: Windows WFP connection-redirect records and their Winsock calls on Linux' \
		'Version: $(VERSION_STRING)' \
		'Requires.private: libnl-genl-3.0' \
		'Libs: -L$${libdir} -lwfpredir' 'Libs.private: -pthread' \
		'Cflags: -I$${includedir} -I$${includedir}/wfpredir/uapi' >$@

# The units name /usr/sbin and /etc; a make install elsewhere gets its own.
$(BUILD)/systemd/%: systemd/% FORCE
	@mkdir -p $(@D)
	sed -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/etc/wfpredir|$(SYSCONFDIR)/wfpredir|g' $< >$@

install-lib: lib $(BUILD)/libwfpredir.pc $(BUILD)/uapi/linux/wfpredir.h \
		$(patsubst Documentation/%,$(BUILD)/man/%,$(MAN3))
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/wfpredir/uapi/linux
	$(INSTALL) -m 0644 $(BUILD)/lib/$(LIB_REALNAME) $(DESTDIR)$(LIBDIR)/
	ln -sf $(LIB_REALNAME) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libwfpredir.so
	$(INSTALL) -m 0644 $(BUILD)/lib/libwfpredir.a $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 0644 $(BUILD)/libwfpredir.pc $(DESTDIR)$(PKGCONFIGDIR)/
	$(INSTALL) -m 0644 lib/include/wfpredir.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 0644 $(filter-out lib/include/wfpredir.h,$(PUBLIC_HDRS)) \
		$(DESTDIR)$(INCLUDEDIR)/wfpredir/
	$(INSTALL) -m 0644 $(BUILD)/uapi/linux/wfpredir.h \
		$(DESTDIR)$(INCLUDEDIR)/wfpredir/uapi/linux/
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 0644 $(patsubst Documentation/%,$(BUILD)/man/%,$(MAN3)) $(DESTDIR)$(MANDIR)/man3/

install-tools: $(addprefix $(BUILD)/tools/,$(INSTALL_TOOLS))
	$(INSTALL) -d $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 0755 $^ $(DESTDIR)$(SBINDIR)/

install-data: $(patsubst Documentation/%,$(BUILD)/man/%,$(MAN8) $(MAN5)) \
		$(patsubst systemd/%,$(BUILD)/systemd/%,$(UNITS))
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/wfpredir/conf.d
	$(INSTALL) -m 0644 $(patsubst Documentation/%,$(BUILD)/man/%,$(MAN8)) $(DESTDIR)$(MANDIR)/man8/
ifneq ($(MAN5),)
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0644 $(patsubst Documentation/%,$(BUILD)/man/%,$(MAN5)) $(DESTDIR)$(MANDIR)/man5/
endif
ifneq ($(UNITS),)
	$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR)
	$(INSTALL) -m 0644 $(patsubst systemd/%,$(BUILD)/systemd/%,$(UNITS)) $(DESTDIR)$(SYSTEMDUNITDIR)/
endif
ifneq ($(SYSUSERS),)
	$(INSTALL) -d $(DESTDIR)$(SYSUSERSDIR)
	for f in $(SYSUSERS); do $(INSTALL) -m 0644 $$f \
		$(DESTDIR)$(SYSUSERSDIR)/$$(basename $$f .sysusers).conf; done
	@# On the host itself, the users now, as a package's postinst would.
	[ -n "$(DESTDIR)" ] || ! command -v systemd-sysusers >/dev/null || \
		systemd-sysusers $(patsubst systemd/%.sysusers,$(SYSUSERSDIR)/%.conf,$(SYSUSERS))
endif
ifneq ($(COMPLETION),)
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/wfpredirctl
endif
ifneq ($(CONFIG),)
	@# An administrator's configuration is never overwritten.
	test -e $(DESTDIR)$(SYSCONFDIR)/wfpredir/wfpredir.conf || \
		$(INSTALL) -m 0644 $(CONFIG) $(DESTDIR)$(SYSCONFDIR)/wfpredir/wfpredir.conf
endif
ifneq ($(PROXY_CONFIGS),)
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/examples/proxy
	$(INSTALL) -m 0644 $(PROXY_CONFIGS) $(DESTDIR)$(DOCDIR)/examples/proxy/
endif

# modules_install of the kernel's build system, as for any out-of-tree
# module; Debian's headers have no System.map, so it runs no depmod: this
# does, unless the module goes into a staging tree (DESTDIR or
# INSTALL_MOD_PATH), whose owner runs depmod for the target (a package's
# postinst, DKMS). The module keeps its directory in the tree:
# updates/kmod/wfpredir.ko (compressed as the kernel's own modules are).
# Debian's headers carry no signing key: the module is signed only when
# the build tree has one (certs/signing_key.pem); Secure Boot otherwise
# needs DKMS's MOK key (Documentation/install.rst).
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(BUILD)/kmod-$(KRELEASE) \
		INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=) \
		modules_install
	@[ -n "$(INSTALL_MOD_PATH)" ] || $(DEPMOD) -a $(KRELEASE)

uninstall: uninstall-user uninstall-module

uninstall-user:
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,$(LIB_REALNAME) $(LIB_SONAME) libwfpredir.so libwfpredir.a)
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/libwfpredir.pc $(DESTDIR)$(INCLUDEDIR)/wfpredir.h
	rm -rf $(DESTDIR)$(INCLUDEDIR)/wfpredir
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(INSTALL_TOOLS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3)))
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(UNITS)))
	rm -f $(addprefix $(DESTDIR)$(SYSUSERSDIR)/,$(patsubst %.sysusers,%.conf,$(notdir $(SYSUSERS))))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/wfpredirctl
	rm -rf $(DESTDIR)$(DOCDIR)/examples/proxy
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	@# The configuration goes only if it is still the one installed.
	if [ -n "$(CONFIG)" ] && cmp -s $(CONFIG) $(DESTDIR)$(SYSCONFDIR)/wfpredir/wfpredir.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/wfpredir/wfpredir.conf; fi
	-rmdir $(DESTDIR)$(SYSCONFDIR)/wfpredir/conf.d $(DESTDIR)$(SYSCONFDIR)/wfpredir 2>/dev/null

uninstall-module:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KRELEASE)/$(INSTALL_MOD_DIR)/kmod/wfpredir.ko*
	-rmdir $(INSTALL_MOD_PATH)/lib/modules/$(KRELEASE)/$(INSTALL_MOD_DIR)/kmod 2>/dev/null
	@[ -n "$(INSTALL_MOD_PATH)" ] || $(DEPMOD) -a $(KRELEASE)

# ---------------------------------------------------------------- DKMS
# The module's sources as DKMS builds them, in $(DESTDIR)$(DKMSSRCDIR):
# only what the module build reads (the top-level Kbuild, VERSION, kmod/)
# and dkms.conf with its version. The kernel-side self-tests come along
# (kmod/selftest/), built only with WFPREDIR_DEBUG=1.
DKMSSRCDIR ?= /usr/src/wfpredir-$(VERSION_STRING)
DKMS_FILES = Kbuild VERSION $(shell find kmod -type f ! -name '*.o' ! -name '*.ko' \
	! -name '.*' ! -name '*.mod' ! -name '*.mod.c' ! -name modules.order \
	! -name Module.symvers ! -name probed.h | LC_ALL=C sort)

dkms-source:
	$(INSTALL) -d $(DESTDIR)$(DKMSSRCDIR)
	tar -cf - $(DKMS_FILES) | tar -xf - -C $(DESTDIR)$(DKMSSRCDIR) --no-same-owner
	sed 's/#MODULE_VERSION#/$(VERSION_STRING)/' dkms.conf >$(DESTDIR)$(DKMSSRCDIR)/dkms.conf

# ---------------------------------------------------------------- packages
# The Debian packages, built from a copy of the tree (the files git knows
# or would add) in $(BUILD)/deb/wfpredir-VERSION, so that the build and its
# clean never touch this tree; the .debs, .buildinfo and .changes land in
# $(BUILD)/deb/, and lintian checks them.
DEB_DIR := $(BUILD)/deb
LINTIAN ?= lintian

deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/wfpredir-$(VERSION_STRING)
	{ git ls-files -co --exclude-standard 2>/dev/null || find . -path ./$(BUILD) -prune -o \
		-type f -print; } | tar -cf - --no-recursion -T - | \
		tar -xf - -C $(DEB_DIR)/wfpredir-$(VERSION_STRING)
	cd $(DEB_DIR)/wfpredir-$(VERSION_STRING) && dpkg-buildpackage -us -uc -b -jauto
	$(LINTIAN) --fail-on error $(DEB_DIR)/*.changes

# For scripts: `make -s print-KDIR` prints the value the Makefile settled on.
print-%:
	@echo '$($*)'

clean:
	rm -rf $(BUILD) $(BUILD).log $(BUILD)-debug.log $(BUILD)-soak.log

# Rebuilt every time: what they say depends on variables, not on files.
.PHONY: FORCE
FORCE:
