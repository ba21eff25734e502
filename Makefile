# SPDX-License-Identifier: GPL-2.0
#
# wfpredir top-level build. `make help` lists the targets.

# Kernel build tree for `make module`: the running kernel's when it has one,
# else the newest installed Debian linux-headers-*-amd64 by version (this
# host's own kernel has none).
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	  $(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))
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

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DWFPREDIR_VERSION='"$(VERSION_STRING)"' $(WARN) -Ikmod/uapi -Ilib/include $(NL_CFLAGS)
CFLAGS ?= -O2 -g
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_HDRS := $(wildcard lib/*.h lib/include/*.h lib/include/wfpredir/*.h kmod/uapi/linux/*.h)
LIB_SOVER := 0

# Each program under tools/ is one directory or one .c file; each helper
# under tests/helpers/ is one .c file linked against the library.
TOOL_NAMES := wfpredirctl wfpredir-proxy wfpsampler-proxy
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(wildcard tests/helpers/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))

.PHONY: all module modules-kvers module-debug lib tools test-helpers unit deps check check-debug \
	demo bench lint clean help

all: module lib tools test-helpers

help:
	@echo 'make            build wfpredir.ko (for KDIR), libwfpredir and the tools'
	@echo 'make demo       boot the test VM and show what wfpredir does'
	@echo 'make check      unit tests on the host, then the kselftests in the VM on'
	@echo '                each kernel of KVERS'
	@echo 'make check-debug  the kselftests on a KASAN/lockdep/kmemleak kernel'
	@echo 'make bench      benchmarks in the VM, as ratios against a baseline'
	@echo 'make lint       checkpatch --strict and sparse on kmod/, cppcheck on C'
	@echo 'make deps       install every Debian package the project needs'
	@echo 'variables: KDIR (kernel build tree, now $(KDIR)),'
	@echo '           KVERS (kernel releases make check tests, now $(KVERS)),'
	@echo '           CACHE (now $(CACHE)),'
	@echo '           KSELFTESTS (names: run only these kselftests in the VM),'
	@echo '           BENCH (names: run only these benchmarks, e.g. inherit_fds)'

deps:
	@scripts/install-deps

# ---------------------------------------------------------------- module
# WFPREDIR_DEBUG=1 builds the in-module self-tests, which run at load time.
# Each kernel gets its own copy of the module sources, $(BUILD)/kmod-RELEASE
# (kbuild writes objects and the compat probes' header beside the sources,
# and one tree cannot hold two kernels' objects); tests/vm/run looks there.
# The copy keeps the sources' times, so a rebuild is incremental.
define build-module
	rm -rf $(1)/kmod/compat/probes
	mkdir -p $(1) && cp -rpu --parents Kbuild VERSION kmod tests/modules $(1)/
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
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/lib/libwfpredir.so: $(LIB_OBJS) lib/libwfpredir.map
	$(CC) -shared -Wl,-soname,libwfpredir.so.$(LIB_SOVER) \
		-Wl,--version-script=lib/libwfpredir.map -o $@.$(LIB_SOVER) $(LIB_OBJS) \
		$(NL_LIBS) -pthread
	ln -sf libwfpredir.so.$(LIB_SOVER) $@

$(BUILD)/lib/libwfpredir.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

# ---------------------------------------------------------------- tools
tools: $(addprefix $(BUILD)/tools/,$(TOOL_NAMES))

# Each tool is tools/NAME/*.c linked against the static library.
.SECONDEXPANSION:
$(BUILD)/tools/%: $$(sort $$(wildcard tools/%/*.c)) $$(wildcard tools/%/*.h) \
		$(BUILD)/lib/libwfpredir.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/lib/libwfpredir.a \
		$(NL_LIBS) -pthread

test-helpers: $(TEST_HELPERS)

# Each links tests/helpers/common/, what the helpers share.
HELPER_COMMON := $(wildcard tests/helpers/common/*.c)
$(BUILD)/tests/%: tests/helpers/%.c $(HELPER_COMMON) $(wildcard tests/helpers/common/*.h) \
		$(BUILD)/lib/libwfpredir.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $< $(HELPER_COMMON) $(BUILD)/lib/libwfpredir.a \
		$(NL_LIBS) -pthread

# ---------------------------------------------------------------- tests
$(BUILD)/san/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) -c -o $@ $<

$(BUILD)/san/unit-tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) -Ilib -o $@ $(UNIT_SRCS) $(SAN_LIB_OBJS) \
		$(CHECK_LIBS) $(NL_LIBS) -pthread

# The unit tests include the CLI's parsers.
$(BUILD)/san/unit-tests: tools/wfpredirctl/parse.c tools/wfpredirctl/parse.h

# The same unit tests under ThreadSanitizer (it cannot share a binary with
# ASan): the library is multithreaded (the overlapped worker, APC queues,
# events), and a data race there is a bug. make check runs both.
TSAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
TSAN_LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/tsan/lib/%.o,$(LIB_SRCS))

$(BUILD)/tsan/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(TSAN_CFLAGS) -c -o $@ $<

$(BUILD)/tsan/unit-tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(TSAN_LIB_OBJS) \
		tools/wfpredirctl/parse.c tools/wfpredirctl/parse.h
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(TSAN_CFLAGS) -Ilib -o $@ $(UNIT_SRCS) $(TSAN_LIB_OBJS) \
		$(CHECK_LIBS) $(NL_LIBS) -pthread

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
	@$(MAKE) --no-print-directory WFPREDIR_DEBUG=1 lib tools test-helpers modules-kvers \
		$(BUILD)/san/unit-tests $(BUILD)/tsan/unit-tests >$(BUILD).log 2>&1 \
		|| { cat $(BUILD).log; exit 1; }
	@tests/check $(addprefix --kernel ,$(KVERS)) $(KSELFTESTS)

check-debug:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all module-debug >$(BUILD)-debug.log 2>&1 \
		|| { tail -n 100 $(BUILD)-debug.log; exit 1; }
	@tests/check --kernel debug $(KSELFTESTS)

# Benchmarks report ratios against a baseline of the same run; they never
# pass or fail on timing, and are not part of make check.
bench:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all >$(BUILD).log 2>&1 || { cat $(BUILD).log; exit 1; }
	@tests/vm/run --kernel $(call krelease,$(KDIR)) -- tests/bench/run $(BENCH)

demo:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all >$(BUILD).log 2>&1 || { cat $(BUILD).log; exit 1; }
	@tests/vm/run --kernel $(call krelease,$(KDIR)) -- tools/demo

lint:
	@scripts/install-deps
	@scripts/lint

# For scripts: `make -s print-KDIR` prints the value the Makefile settled on.
print-%:
	@echo '$($*)'

clean:
	rm -rf $(BUILD) $(BUILD).log $(BUILD)-debug.log
