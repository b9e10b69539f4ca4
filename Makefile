# SPDX-License-Identifier: GPL-2.0
#
# edutcp: `make demo` shows it, `make check` tests it.  See README.md.

KDIR	?= $(shell scripts/kdir)
BUILD	:= build
TOOLS	:= $(BUILD)/linux-tools
CC	?= gcc
CFLAGS	?= -O2 -g
USER_CFLAGS := $(CFLAGS) -Wall -Wextra -Werror -std=gnu11 -Iuapi
# kselftest_harness.h passes arguments every test body need not use.

# Kernel build flags: W=1 always, and no BTF for the module (the headers
# package ships no vmlinux to take types from).
KMAKE	= $(MAKE) -C $(KDIR) M=$(CURDIR) W=1 CONFIG_DEBUG_INFO_BTF_MODULES=

USER_PROGS  := $(patsubst userspace/%.c,$(BUILD)/bin/%,$(wildcard userspace/*.c))
TEST_PROGS  := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(wildcard selftests/*.c selftests/helpers/*.c))
TEST_HDRS   := $(wildcard selftests/*.h) $(TOOLS)/kselftest_harness.h

.PHONY: all module userspace selftests check check-two demo vm bench bench-profile bench-chart \
	lint install clean deps debug-kernel check-debug lab

all: module userspace selftests

module:
	$(KMAKE) modules

userspace: $(USER_PROGS) $(BUILD)/lib/libedu-run.so
selftests: $(TEST_PROGS)

# A program is userspace/NAME.c, plus userspace/NAME/*.c if it has more files.
.SECONDEXPANSION:
$(BUILD)/bin/%: userspace/%.c $$(wildcard userspace/$$*/*.[ch]) $(wildcard userspace/*.h) uapi/linux/edu.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $(filter %.c,$^) -lpthread

# edu-run's preload library: userspace/preload/edu-run.c.
$(BUILD)/lib/libedu-run.so: userspace/preload/edu-run.c uapi/linux/edu.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -shared -fPIC -o $@ $< -ldl

$(BUILD)/selftests/%: selftests/%.c $(TEST_HDRS) uapi/linux/edu.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Wno-unused-parameter -I$(TOOLS) -o $@ $< -lpthread

# kselftest's harness and checkpatch come from Debian's linux-source-6.1,
# the source of the kernel under test; they are unpacked here, never kept
# in git.
$(TOOLS)/kselftest_harness.h:
	scripts/linux-tools $(TOOLS)

deps:
	scripts/deps

lint: $(TOOLS)/kselftest_harness.h
	scripts/lint $(TOOLS)

check: deps
	$(MAKE) all
	$(MAKE) lint
	scripts/vm selftests/run.sh
	scripts/vm-pair selftests/two_machines.sh

# EDUTCP between two kernels: two VMs joined by a virtual cable (about two
# minutes, on the stock kernel only).
check-two: all
	scripts/vm-pair selftests/two_machines.sh

demo:
	scripts/deps chromium
	$(MAKE) all
	scripts/vm scripts/demo
	scripts/demo-check

vm: module
	scripts/vm

# make lab: the list; make lab L=NAME: docs/labs/NAME.sh in the VM, its
# output and pictures in build/labs/NAME/.
lab:
ifeq ($(L),)
	@scripts/lab
else
	$(MAKE) deps all
	scripts/vm scripts/lab $(L)
endif

# The VM does not inherit this environment: the BENCH_* settings
# (docs/performance.md) are handed to it by name.
BENCH_VARS = BENCH_ROUNDS BENCH_QUICK BENCH_ONLY BENCH_CPUS
bench: deps
	$(MAKE) all
	scripts/vm env $(foreach v,$(BENCH_VARS),$(if $($(v)),$(v)="$($(v))")) \
		scripts/bench

# Where one benchmark's time goes, by kernel function, on TCP and EDUTCP:
# make bench-profile [PROFILE="rr -t 2"]
PROFILE ?= bulk
bench-profile: deps
	$(MAKE) all
	scripts/vm scripts/bench-profile $(PROFILE)

# The chart of docs/performance.md, drawn again from the figures committed
# beside it (after a new `make bench`, copy build/bench/results.txt to
# docs/performance-results.txt first).
bench-chart:
	scripts/bench-chart docs/performance-results.txt > docs/performance-ratios.svg.tmp
	xmllint --noout docs/performance-ratios.svg.tmp
	mv docs/performance-ratios.svg.tmp docs/performance-ratios.svg

install: module userspace
	$(KMAKE) modules_install
	install -D -m 0644 $(BUILD)/lib/libedu-run.so $(DESTDIR)/usr/local/lib/edutcp/libedu-run.so
	install -D -m 0755 $(BUILD)/bin/edu-run $(DESTDIR)/usr/local/bin/edu-run
	install -D -m 0644 docs/edu.7 $(DESTDIR)/usr/local/share/man/man7/edu.7
	depmod -a $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h)

debug-kernel:
	scripts/debug-kernel

check-debug: deps
	scripts/check-debug

clean:
	-$(KMAKE) clean
	rm -rf $(BUILD)
