# SPDX-License-Identifier: MIT
# subproc: the commands a user types. CMake does the building, in $(BUILD_DIR).
#
#   make                 configure (the first time) and build
#   make demo            build, then run the subproc tool on a built-in example
#   make check           install missing packages, build with the tests, run them
#   make install         PREFIX=/usr/local DESTDIR= (both passed through)
#   make uninstall       remove what the last `make install` from $(BUILD_DIR) wrote
#   make clean           remove $(BUILD_DIR)
#   make format          clang-format the sources in place
#   make format-check    fail if any source is not clang-formatted
#   make bench           install the benchmark's packages (gnuplot, golang-go, libuv1-dev,
#                        libglib2.0-dev, python3) when missing, build bench/ in $(BENCH_DIR)
#                        and run it (a few minutes): rewrites bench/results.csv,
#                        bench/RESULTS.md and bench/latency.png. BENCH_QUICK=1: a tenth of it
#
# Variables: BUILD_DIR (build), CC (the C compiler for a new build dir),
# CMAKE_FLAGS (extra -D options, e.g. CMAKE_FLAGS=-DSUBPROC_SANITIZE=address),
# BENCH_DIR (build-bench, the benchmark's own build dir).

BUILD_DIR ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CMAKE_FLAGS ?=
CMAKE ?= cmake
CTEST ?= ctest
CLANG_FORMAT ?= clang-format

BENCH_DIR ?= build-bench
CACHE := $(BUILD_DIR)/CMakeCache.txt

# The makes that CMake runs would otherwise announce every directory.
MAKEFLAGS += --no-print-directory

# make's built-in default (cc) is no choice; pass CC only when someone set it.
ifneq ($(filter command line environment,$(origin CC)),)
CMAKE_CC := -DCMAKE_C_COMPILER=$(CC)
endif

FORMAT_FILES = $(shell find include src tests examples fuzz bench -type f -name '*.[ch]' 2>/dev/null) \
	$(wildcard *.c *.h)

.PHONY: all demo check deps install uninstall clean format format-check bench

# $(call configure,TESTING): run CMake when $(BUILD_DIR) is new (with
# BUILD_TESTING=TESTING), when CMAKE_FLAGS are given, or when TESTING is ON
# and the tests are not configured yet. A plain `make` leaves the tests off,
# so it needs none of the test packages.
#
# CMake keeps the compiler in its cache and wipes the cache when it changes,
# so a CC that differs from the one of an existing build dir is an error.
define configure
@if [ -f $(CACHE) ] && [ -n "$(CMAKE_CC)" ]; then \
	have=$$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' $(CACHE)); \
	if [ "$$(readlink -f "$$(command -v "$$have")")" != "$$(readlink -f "$$(command -v "$(CC)")")" ]; then \
		echo "$(BUILD_DIR) is configured for $$have, not $(CC): run 'make clean' or set BUILD_DIR" >&2; \
		exit 1; \
	fi; \
fi
@if [ ! -f $(CACHE) ]; then \
	set -x; $(CMAKE) -S . -B $(BUILD_DIR) $(CMAKE_CC) -DBUILD_TESTING=$(1) $(CMAKE_FLAGS); \
elif [ -n "$(strip $(CMAKE_FLAGS))" ] || \
     { [ $(1) = ON ] && ! grep -q '^BUILD_TESTING:BOOL=ON$$' $(CACHE); }; then \
	set -x; $(CMAKE) -S . -B $(BUILD_DIR) $(if $(filter ON,$(1)),-DBUILD_TESTING=ON) $(CMAKE_FLAGS); \
fi
endef

all:
	$(call configure,OFF)
	$(CMAKE) --build $(BUILD_DIR) -j2

# The tour: one run with its JSON report, a pipeline without a shell, jobs
# in parallel printed in input order, a short benchmark of this machine's
# ways to start a process.
TOOL = $(BUILD_DIR)/src/tool/subproc
demo: all
	@echo '$$ subproc run --json -t 5 -- uname -sr'
	@$(TOOL) run --json -t 5 -- uname -sr
	@echo
	@echo "$$ subproc pipe --pipefail -- seq 10 '|' sort -rn '|' head -n 3"
	@$(TOOL) pipe --pipefail -- seq 10 '|' sort -rn '|' head -n 3
	@echo
	@echo "$$ subproc parallel -k -j 3 -- sh -c 'sleep 0.\$$1; echo job \$$1' sh ::: 3 1 2"
	@$(TOOL) parallel -k -j 3 -- sh -c 'sleep 0.$$1; echo job $$1' sh ::: 3 1 2
	@echo
	@echo '$$ subproc bench --count 200'
	@$(TOOL) bench --count 200

check: deps
	$(call configure,ON)
	$(CMAKE) --build $(BUILD_DIR) -j2
	$(CTEST) --test-dir $(BUILD_DIR) --output-on-failure -j2 --timeout 120 --no-tests=error

# Its own build dir and CMake option, so that `make` and `make check` never
# build the benchmark or need its packages.
bench:
	scripts/install-deps.sh --bench
	$(CMAKE) -S . -B $(BENCH_DIR) $(CMAKE_CC) -DSUBPROC_BENCH=ON -DBUILD_TESTING=OFF $(CMAKE_FLAGS)
	$(CMAKE) --build $(BENCH_DIR) -j2 --target run-bench

deps:
	scripts/install-deps.sh

install: all
	DESTDIR="$(DESTDIR)" $(CMAKE) --install $(BUILD_DIR) --prefix "$(PREFIX)"

# The files come from $(BUILD_DIR)/install_manifest.txt (DESTDIR included).
uninstall:
	$(CMAKE) --build $(BUILD_DIR) --target uninstall

clean:
	rm -rf $(BUILD_DIR)

format:
	$(if $(FORMAT_FILES),$(CLANG_FORMAT) -i $(FORMAT_FILES))

format-check:
	$(if $(FORMAT_FILES),$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES))
