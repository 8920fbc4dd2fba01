# domcompat: build, test and install.  See README.md.

VERSION      = 0.1.0
RELEASE_DATE = 2026-11-25
SOVERSION    = 0

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
DATADIR     ?= $(PREFIX)/share
# The hook's default configuration is $(SYSCONFDIR)/domcompat/hook.conf.
SYSCONFDIR  ?= /etc
MANDIR      ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR     ?=

CC          ?= cc
PKG_CONFIG  ?= pkg-config
XSLTPROC    ?= xsltproc
INSTALL     ?= install

# Packagers may override CFLAGS and WERROR; the warnings themselves stay.
CFLAGS      ?= -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
WERROR      ?= -Werror
WARNINGS     = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
               -Wmissing-prototypes -Wformat=2
XML_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libxslt libxml-2.0)
XML_LIBS    := $(shell $(PKG_CONFIG) --libs libxslt libxml-2.0)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
ALL_CFLAGS   = -std=c99 -D_GNU_SOURCE $(WARNINGS) $(WERROR) $(XML_CFLAGS) -Isrc $(CFLAGS)
# The library sees its own modules; the tool sees only the public header and its own.
LIB_CFLAGS   = $(ALL_CFLAGS) -Isrc/lib -I$(B)/gen
TOOL_CFLAGS  = $(ALL_CFLAGS) -Isrc/tool

B = build

LIB_SOURCES = $(wildcard src/lib/*.c)
GEN_SOURCES = $(B)/gen/pci-kinds.c $(B)/gen/qemu-caps.c $(B)/gen/embedded.c
TOOL_SOURCES = $(wildcard src/tool/*.c)

LIB_OBJECTS  = $(LIB_SOURCES:src/%.c=$(B)/obj/%.o) $(GEN_SOURCES:$(B)/gen/%.c=$(B)/obj/gen/%.o)
PIC_OBJECTS  = $(LIB_OBJECTS:$(B)/obj/%.o=$(B)/pic/%.o)
TOOL_OBJECTS = $(TOOL_SOURCES:src/%.c=$(B)/obj/%.o) $(B)/obj/toolgen/pci-devices.o

STATIC_LIB = $(B)/libdomcompat.a
SHARED_LIB = $(B)/libdomcompat.so.$(VERSION)
SONAME     = libdomcompat.so.$(SOVERSION)
TOOL       = $(B)/domcompat

# The rules and schemas domcompat embeds, each linked into one standalone file.
STYLESHEETS = $(B)/xslt/upgrade.xsl $(B)/xslt/downgrade.xsl
SCHEMAS     = $(B)/schemas/legacy.rng $(B)/schemas/explicit.rng $(B)/schemas/libvirt.rng \
              $(B)/schemas/mixed.rng
XSLT_SOURCES = xslt/common.xsl $(wildcard xslt/rules/*.xsl xslt/checks/*.xsl)
DATA        = data/pci-kinds.xml
CAPS_DATA   = data/qemu-caps.xml

UNIT_TESTS = $(B)/tests/test_convert $(B)/tests/test_splice $(B)/tests/test_threads \
             $(B)/tests/test_rules $(B)/tests/test_diff $(B)/tests/test_skeleton \
             $(B)/tests/test_memo $(B)/tests/test_encoding $(B)/tests/test_caps

.PHONY: all check sanitize unit-tests fixture-tests hostile-tests hook-tests law-tests batch-tests \
        config-dir-tests docs-tests libvirt-files-tests libvirt-schema-tests \
        readme-example install-test header-check install uninstall clean lint lint-rules example valgrind \
        nomem-test fuzz fuzz-build fuzz-replay fuzz-binaries bench ansible-test deb-test check-host FORCE
.DELETE_ON_ERROR:

MANPAGE = $(B)/domcompat.1

all: $(TOOL) $(STATIC_LIB) $(SHARED_LIB) $(MANPAGE)

# --- generated from the data file --------------------------------------------

$(B)/gen/pci-kinds.xsl: xslt/gen/pci-kinds-xsl.xsl $(DATA)
	@mkdir -p $(@D)
	$(XSLTPROC) --nonet -o $@ $^

$(B)/gen/pci-kinds.rng: xslt/gen/pci-kinds-rng.xsl $(DATA)
	@mkdir -p $(@D)
	$(XSLTPROC) --nonet -o $@ $^

# Names go into C string literals unescaped, so they must be plain words.
$(B)/gen/pci-kinds.c: xslt/gen/pci-kinds-c.xsl $(DATA)
	@mkdir -p $(@D)
	@if grep -E 'name="[^"]*[^"a-zA-Z0-9._/-][^"]*"' $(DATA); then \
	    echo "$(DATA): names may hold only letters, digits, '.', '_', '/' and '-'" >&2; exit 1; fi
	$(XSLTPROC) --nonet -o $@ $^

# explain's table, part of the tool; its values go into C string literals too.
$(B)/gen/pci-devices.c: xslt/gen/pci-devices-c.xsl $(DATA)
	@mkdir -p $(@D)
	@if grep -E 'value="[^"]*[^"a-zA-Z0-9/@_-][^"]*"' $(DATA); then \
	    echo "$(DATA): values may hold only letters, digits, '/', '@', '_' and '-'" >&2; exit 1; fi
	$(XSLTPROC) --nonet -o $@ $^

$(B)/gen/qemu-caps.c: xslt/gen/qemu-caps-c.xsl $(CAPS_DATA)
	@mkdir -p $(@D)
	@if grep -E '(name|implementation|cpu-suffix|guests)="[^"]*[^" a-zA-Z0-9._-][^"]*"' $(CAPS_DATA); then \
	    echo "$(CAPS_DATA): names may hold only letters, digits, '.', '_', '-' and spaces" >&2; exit 1; fi
	$(XSLTPROC) --nonet -o $@ $^

$(B)/gen/pci-kinds.man: xslt/gen/pci-kinds-man.xsl $(DATA)
	@mkdir -p $(@D)
	$(XSLTPROC) --nonet -o $@ $^

$(MANPAGE): domcompat.1.in $(B)/gen/pci-kinds.man $(B)/gen/sysconfdir
	sed -e '/^@KINDS@$$/{r $(B)/gen/pci-kinds.man' -e 'd;}' \
	    -e 's/@VERSION@/$(VERSION)/; s/@DATE@/$(RELEASE_DATE)/' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' domcompat.1.in > $@

# Linked, then pruned of the global variables nothing names: libxslt evaluates every one.
$(B)/xslt/%.xsl: xslt/%.xsl $(XSLT_SOURCES) $(B)/gen/pci-kinds.xsl xslt/gen/link.xsl \
                 xslt/gen/prune-xsl.xsl
	@mkdir -p $(@D)
	$(XSLTPROC) --nonet --stringparam generated-dir $(CURDIR)/$(B)/gen/ \
	    -o $@.linked xslt/gen/link.xsl $<
	$(XSLTPROC) --nonet -o $@ xslt/gen/prune-xsl.xsl $@.linked
	rm -f $@.linked

# Linked, then pruned to what the form uses: libxml2 compiles every definition it is given.
$(B)/schemas/%.rng: schemas/%.rng schemas/domain.rng $(B)/gen/pci-kinds.rng xslt/gen/link.xsl \
                    xslt/gen/prune-rng.xsl
	@mkdir -p $(@D)
	$(XSLTPROC) --nonet --stringparam generated-dir $(CURDIR)/$(B)/gen/ \
	    -o $@.linked xslt/gen/link.xsl $<
	$(XSLTPROC) --nonet -o $@ xslt/gen/prune-rng.xsl $@.linked
	rm -f $@.linked

# The children of a PCI controller the grammar judges, for the skeleton's
# projection (src/lib/skeleton.c): the same in every form's grammar.
$(B)/gen/pci-judged.h: xslt/gen/pci-judged-c.xsl $(B)/schemas/mixed.rng
	@mkdir -p $(@D)
	$(XSLTPROC) --nonet -o $@ $^

$(B)/obj/lib/skeleton.o $(B)/pic/lib/skeleton.o: $(B)/gen/pci-judged.h

# Each file becomes a byte array; od and sed are in every base system.
$(B)/gen/embedded.c: $(STYLESHEETS) $(SCHEMAS)
	@mkdir -p $(@D)
	@{ echo '/* Generated by the Makefile from $(B)/xslt and $(B)/schemas; do not edit. */'; \
	   echo '#include "embedded.h"'; \
	   for f in $^; do \
	     sym=embedded_$$(basename $$f | tr '.-' '__'); \
	     echo "static const unsigned char $${sym}_data[] = {"; \
	     od -An -v -tx1 $$f | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	     echo "};"; \
	     echo "const struct embedded_file $$sym = { \"$$f\", $${sym}_data, sizeof($${sym}_data) };"; \
	   done; } > $@

# --- library and tool ------------------------------------------------------------

$(B)/obj/lib/%.o: src/lib/%.c src/lib/*.h src/domcompat.h
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(B)/obj/gen/%.o: $(B)/gen/%.c src/lib/*.h src/domcompat.h
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(B)/pic/lib/%.o: src/lib/%.c src/lib/*.h src/domcompat.h
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -fPIC -c -o $@ $<

$(B)/pic/gen/%.o: $(B)/gen/%.c src/lib/*.h src/domcompat.h
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -fPIC -c -o $@ $<

$(B)/obj/tool/%.o: src/tool/%.c src/tool/*.h src/domcompat.h
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -c -o $@ $<

$(B)/obj/toolgen/%.o: $(B)/gen/%.c src/tool/*.h
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -c -o $@ $<

# The hook names its default configuration file, and so does the man page:
# both are rebuilt when SYSCONFDIR changes.
$(B)/gen/sysconfdir: FORCE
	@mkdir -p $(@D)
	@echo '$(SYSCONFDIR)' | cmp -s - $@ 2>/dev/null || echo '$(SYSCONFDIR)' > $@

$(B)/obj/tool/hook.o: TOOL_CFLAGS += -DDOMCOMPAT_SYSCONFDIR='"$(SYSCONFDIR)"'
$(B)/obj/tool/hook.o: $(B)/gen/sysconfdir

FORCE:

$(STATIC_LIB): $(LIB_OBJECTS)
	rm -f $@
	$(AR) rcs $@ $^

# The shared library exports the public API only; install-test checks it.
LIB_EXPORTS = src/lib/libdomcompat.map

$(SHARED_LIB): $(PIC_OBJECTS) $(LIB_EXPORTS)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(LIB_EXPORTS) $(LDFLAGS) -o $@ \
	    $(PIC_OBJECTS) $(XML_LIBS)
	ln -sf $(notdir $@) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libdomcompat.so

# The tool links the library statically, so it runs from the build tree as is.
$(TOOL): $(TOOL_OBJECTS) $(STATIC_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XML_LIBS) -lpthread -ldl

# Written at install time, so it names the PREFIX of that install; paths
# under the prefix are relative to it, for pkg-config --define-prefix.
PC_LIBDIR     = $(patsubst $(PREFIX)%,$${prefix}%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)%,$${prefix}%,$(INCLUDEDIR))

# --- tests ---------------------------------------------------------------------------

$(B)/tests/%: tests/unit/%.c tests/unit/*.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -Isrc/tool -Itests/unit -o $@ $< $(filter %.o,$^) $(STATIC_LIB) $(XML_LIBS) \
	    $(CMOCKA_LIBS) -lpthread

# The tool's own modules are not in the library: their tests link their objects.
$(B)/tests/test_diff $(B)/tests/test_nomem: $(B)/obj/tool/diff.o

unit-tests: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do echo "== $$t"; $$t || exit 1; done

fixture-tests: $(TOOL) $(SCHEMAS)
	tests/run-fixtures.sh $(TOOL)

law-tests: $(TOOL)
	tests/run-laws.sh $(TOOL)

hostile-tests: $(TOOL)
	tests/run-hostile.sh $(TOOL)

# libvirt's own files are never rewritten in the explicit form.
libvirt-files-tests: $(TOOL)
	tests/run-libvirt-files.sh $(TOOL)

# data/pci-kinds.xml knows every kind, implementation and <target> item of
# the installed libvirt's schema, and claims no other for that version.
libvirt-schema-tests:
	tests/run-libvirt-schema.sh

# domcompat hook called as libvirt calls it, and the README's install lines.
hook-tests: $(TOOL)
	tests/run-hook.sh $(TOOL)

# Fault injection for the write path (tests/faults/): an LD_PRELOAD library,
# so the tool under test is the real one.  Not for sanitizer builds, whose
# runtime must come first.
$(B)/tests/fault-shim.so: tests/faults/fault-shim.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $< -ldl

batch-tests: $(TOOL) $(B)/tests/fault-shim.so
	tests/run-batch.sh $(TOOL)

# A run over a tree laid out as /etc/libvirt/qemu: networks, links, --output, a closed pipe.
config-dir-tests: $(TOOL)
	tests/run-config-dir.sh $(TOOL)

# --help, the man page, the README and the option parser name the same options;
# the JSON examples are what the tool prints.
docs-tests: $(TOOL) $(MANPAGE)
	tests/run-docs.sh $(TOOL)

# The public header must stand on its own under the strictest flags.
header-check: src/domcompat.h
	@mkdir -p $(B)
	printf '#include "domcompat.h"\n' | $(CC) -std=c99 -pedantic -Werror -Wall -Wextra -Isrc -x c -fsyntax-only -

# The README's library example, extracted, built and run on the example domain.
readme-example: $(STATIC_LIB) $(TOOL)
	@mkdir -p $(B)/readme
	sed -n '/^```c$$/,/^```$$/p' README.md | sed '1d;$$d' > $(B)/readme/example.c
	$(CC) $(ALL_CFLAGS) -o $(B)/readme/example $(B)/readme/example.c $(STATIC_LIB) $(XML_LIBS)
	$(B)/readme/example < examples/q35-guest.xml > $(B)/readme/example.out 2> $(B)/readme/example.err
	$(TOOL) upgrade examples/q35-guest.xml | cmp - $(B)/readme/example.out
	grep -qx '6 controller(s) changed' $(B)/readme/example.err
	@echo "readme example: 1 passed, 0 failed"

# Installs into a staging directory and uses the result from elsewhere:
# the tool must not need the build tree or the current directory.
install-test: all readme-example
	rm -rf $(B)/stage
	$(MAKE) -s install DESTDIR=$(CURDIR)/$(B)/stage PREFIX=/opt/domcompat
	cd / && $(CURDIR)/$(B)/stage/opt/domcompat/bin/domcompat upgrade \
	    $(CURDIR)/examples/q35-guest.xml | cmp - $(CURDIR)/$(B)/readme/example.out
	$(CC) -o $(B)/stage/example $(B)/readme/example.c \
	    $$(PKG_CONFIG_PATH=$(CURDIR)/$(B)/stage/opt/domcompat/lib/pkgconfig \
	       $(PKG_CONFIG) --define-variable=prefix=$(CURDIR)/$(B)/stage/opt/domcompat \
	       --cflags --libs domcompat) \
	    -Wl,-rpath,$(CURDIR)/$(B)/stage/opt/domcompat/lib
	$(B)/stage/example < examples/q35-guest.xml 2>/dev/null | cmp - $(B)/readme/example.out
	test -f $(B)/stage/opt/domcompat/share/man/man1/domcompat.1
	test -f $(B)/stage/opt/domcompat/share/domcompat/schemas/explicit.rng
	nm -D --defined-only $(B)/stage/opt/domcompat/lib/libdomcompat.so | awk '{ print $$NF }' \
	    > $(B)/stage/exports
	grep -q '^domcompat_convert$$' $(B)/stage/exports
	@if grep -v '^domcompat_' $(B)/stage/exports; then \
	    echo "install test: libdomcompat.so exports the names above, beyond domcompat_*" >&2; \
	    exit 1; fi
	@echo "install test: 1 passed, 0 failed"

# The Ansible module with a real ansible-playbook against this host (needs
# ansible-core; not part of check).
ansible-test: $(TOOL)
	tests/run-ansible.sh $(TOOL)

# Builds the Debian packages from a copy of the tracked files, checks them
# with lintian, installs them into this machine, uses them and removes them
# (needs root or sudo, dpkg-dev, debhelper and lintian; not part of check).
deb-test:
	tests/run-deb.sh

check: all lint-rules header-check unit-tests nomem-test fixture-tests hostile-tests hook-tests law-tests batch-tests \
       config-dir-tests docs-tests libvirt-files-tests libvirt-schema-tests \
       readme-example install-test

# Real libvirt and QEMU as oracles (tests/run-host.sh): a libvirt daemon
# with its QEMU driver, private to the run.  Needs root and the packages of
# tools/install-deps.sh --host; not part of check, which runs without a daemon.
check-host: $(TOOL)
	tests/run-host.sh $(TOOL)

# The unit, fixture, hostile-input and hook suites again, built with
# AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer; any
# report fails the run.
SANITIZE_CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=all
sanitize:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(MAKE) B=build-sanitize CFLAGS="$(SANITIZE_CFLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" unit-tests fixture-tests hostile-tests hook-tests \
	    config-dir-tests

# --- fuzzing ---------------------------------------------------------------------------
#
# tests/fuzz/fuzz_*.c are libFuzzer targets.  make fuzz-build builds them with
# clang, libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer into
# build-fuzz (without clang: with $(CC) and the replay driver, which runs each
# input given once); make fuzz runs each for FUZZ_SECONDS on a corpus seeded
# from the fixtures, then replays tests/fuzz/regressions; make fuzz-replay
# runs the seeds and regressions through the replay driver built with $(CC).

FUZZ_TARGETS  = fuzz_upgrade fuzz_downgrade fuzz_validate
FUZZ_SECONDS ?= 60
CLANG        ?= clang
# clang's -Wformat=2 also flags the vprintf-style wrappers in src/lib/rules.c.
FUZZ_CFLAGS   = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all -Wno-format-nonliteral
FUZZ_LDFLAGS  = -fsanitize=fuzzer,address,undefined
FUZZ_ARGS     = -max_len=65536 -timeout=10 -rss_limit_mb=2048 -dict=build-fuzz/fuzz/domcompat.dict
FUZZ_ENV      = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# libfuzzer: libFuzzer's main; replay: tests/fuzz/replay.c.
FUZZ_DRIVER  ?= replay
FUZZ_SEEDS    = $(wildcard tests/fixtures/*/input.xml tests/fixtures/*/expected.xml)

$(B)/fuzz/obj/%.o: tests/fuzz/%.c tests/fuzz/harness.h src/domcompat.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/fuzz/fuzz_%: $(B)/fuzz/obj/fuzz_%.o $(B)/fuzz/obj/harness.o \
                  $(if $(filter replay,$(FUZZ_DRIVER)),$(B)/fuzz/obj/replay.o) $(STATIC_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XML_LIBS)

# The fixtures' documents, one file each; input.xml may be a directory.
$(B)/fuzz/seeds: $(FUZZ_SEEDS)
	rm -rf $@ && mkdir -p $@
	@for f in $^; do \
	    [ -f "$$f" ] || continue; d=$${f%/*}; cp "$$f" "$@/$${d##*/}-$${f##*/}"; \
	done

$(B)/fuzz/domcompat.dict: tests/fuzz/domcompat.dict xslt/gen/pci-kinds-dict.xsl $(DATA)
	@mkdir -p $(@D)
	{ cat tests/fuzz/domcompat.dict; $(XSLTPROC) --nonet xslt/gen/pci-kinds-dict.xsl $(DATA); } > $@

.PRECIOUS: $(B)/fuzz/obj/%.o

fuzz-binaries: $(FUZZ_TARGETS:%=$(B)/fuzz/%) $(B)/fuzz/seeds $(B)/fuzz/domcompat.dict

# build-fuzz is rebuilt from scratch when the compiler or driver changes.
fuzz-build:
	@if command -v $(CLANG) >/dev/null 2>&1; then \
	    cc="$(CLANG)"; cflags="$(FUZZ_CFLAGS)"; ldflags="$(FUZZ_LDFLAGS)"; driver=libfuzzer; \
	else \
	    echo "fuzz-build: no $(CLANG): building the replay driver with $(CC) instead" >&2; \
	    cc="$(CC)"; cflags="$(SANITIZE_CFLAGS)"; ldflags="-fsanitize=address,undefined"; driver=replay; \
	fi; \
	if [ -f build-fuzz/toolchain ] && [ "$$(cat build-fuzz/toolchain)" != "$$cc $$driver" ]; then \
	    rm -rf build-fuzz; fi; \
	mkdir -p build-fuzz && echo "$$cc $$driver" > build-fuzz/toolchain && \
	$(MAKE) B=build-fuzz CC="$$cc" CFLAGS="$$cflags" LDFLAGS="$$ldflags" FUZZ_DRIVER=$$driver \
	    fuzz-binaries

# Any crash, leak, timeout, sanitizer report or violated invariant fails;
# the input is left in build-fuzz/crashes/TARGET/.
fuzz: fuzz-build
	@command -v $(CLANG) >/dev/null 2>&1 || { \
	    echo "make fuzz: needs $(CLANG) and libclang-rt-14-dev (sh tools/install-deps.sh)" >&2; exit 1; }
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build-fuzz/corpus/$$t build-fuzz/crashes/$$t; \
	    echo "== $$t: $(FUZZ_SECONDS) s"; \
	    $(FUZZ_ENV) build-fuzz/fuzz/$$t $(FUZZ_ARGS) -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$$t/ \
	        build-fuzz/corpus/$$t build-fuzz/fuzz/seeds tests/fuzz/regressions \
	        > build-fuzz/$$t.log 2>&1; status=$$?; \
	    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' build-fuzz/$$t.log; \
	    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	        build-fuzz/$$t.log; \
	    if [ $$status -ne 0 ] || \
	       grep -qE '^==[0-9]+==ERROR|^SUMMARY: |runtime error:|invariant violated' build-fuzz/$$t.log; then \
	        tail -n 60 build-fuzz/$$t.log; \
	        echo "$$t: failed (log build-fuzz/$$t.log, input in build-fuzz/crashes/$$t/)" >&2; \
	        exit 1; \
	    fi; \
	done
	@for t in $(FUZZ_TARGETS); do \
	    echo "== $$t: tests/fuzz/regressions"; \
	    $(FUZZ_ENV) build-fuzz/fuzz/$$t -runs=0 tests/fuzz/regressions > build-fuzz/$$t.replay.log 2>&1 || { \
	        tail -n 60 build-fuzz/$$t.replay.log; exit 1; }; \
	done

fuzz-replay:
	$(MAKE) B=build-fuzz-replay CFLAGS="$(SANITIZE_CFLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	    FUZZ_DRIVER=replay fuzz-binaries
	@for t in $(FUZZ_TARGETS); do \
	    $(FUZZ_ENV) build-fuzz-replay/fuzz/$$t build-fuzz-replay/fuzz/seeds tests/fuzz/regressions \
	        || exit 1; \
	done

# Every allocation of a representative conversion and validation made to fail
# in turn (tests/unit/test_nomem.c): an out-of-memory error, never a crash or a
# partial result, and nothing left behind.  Part of make check; not of make
# sanitize, whose allocator would be replaced by the test's.
nomem-test: $(B)/tests/test_nomem
	$(B)/tests/test_nomem

# The fixture suite with the tool under valgrind memcheck: any error or
# definitely or indirectly lost byte fails the case (exit status 99).
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full \
           --errors-for-leak-kinds=definite,indirect
valgrind: all
	rm -rf $(B)/valgrind && mkdir -p $(B)/valgrind
	printf '#!/bin/sh\nexec $(VALGRIND) $(CURDIR)/$(TOOL) "$$@"\n' > $(B)/valgrind/domcompat
	chmod +x $(B)/valgrind/domcompat
	ln -s $(CURDIR)/$(B)/schemas $(B)/valgrind/schemas
	FIXTURES_ORACLES=0 tests/run-fixtures.sh $(B)/valgrind/domcompat

example: $(TOOL)
	$(TOOL) upgrade examples/q35-guest.xml

# --- benchmark -------------------------------------------------------------------------
#
# Times domcompat against xmllint --noout (parsing alone) and a plain xsltproc
# upgrade on inputs made by GEN_CORPUS under BENCH_DIR, and writes the table
# and every measurement to bench/results.md and a chart to bench/results.svg
# (see README.md, Benchmarks).  A report, not a test: not part of check, and
# a missed target does not fail it.

PYTHON        ?= python3
GEN_CORPUS    ?= ../shared/bench/gen-corpus.py
BENCH_DIR     ?= $(B)/bench
# Where outputs go; empty: a tmpfs when there is one (bench/bench.py, out_directory()).
BENCH_OUT_DIR ?=
BENCH_REPEAT  ?= 5
BENCH_COUNT   ?= 1000
BENCH_HUGE    ?= 20000
BENCH_SCALES  ?= 1000 10000 100000
BENCH_SMALL_REPEAT ?= 200

# Measures each command from a small process of its own (see bench/measure.c).
$(B)/bench/measure: bench/measure.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $<

bench: all $(B)/bench/measure
	@test -f "$(GEN_CORPUS)" || { \
	    echo "make bench: no corpus generator at $(GEN_CORPUS); set GEN_CORPUS=PATH/gen-corpus.py" >&2; \
	    exit 2; }
	$(PYTHON) bench/bench.py --tool $(TOOL) --measure $(B)/bench/measure \
	    --gen-corpus "$(GEN_CORPUS)" --dir "$(BENCH_DIR)" $(if $(BENCH_OUT_DIR),--out-dir "$(BENCH_OUT_DIR)") \
	    --repeat $(BENCH_REPEAT) --count $(BENCH_COUNT) --huge $(BENCH_HUGE) \
	    --scales "$(BENCH_SCALES)" --small-repeat $(BENCH_SMALL_REPEAT) \
	    --results bench/results.md --chart bench/results.svg

# What the memory of answers and the validation's projection rest on,
# checked: no rule reads beyond its controller and <os><type>, and the
# grammars judge a PCI controller's children, but those its kind names and
# the wildcard for the others excepts, as any content (tools/lint-rules.c);
# then the lint's own cases (tests/lint/).
LINT_RULES = $(B)/tools/lint-rules

$(LINT_RULES): tools/lint-rules.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(XML_LIBS)

lint-rules: $(LINT_RULES) $(B)/gen/pci-kinds.xsl $(SCHEMAS)
	$(LINT_RULES) xslt/upgrade.xsl xslt/downgrade.xsl $(XSLT_SOURCES) $(B)/gen/pci-kinds.xsl
	$(LINT_RULES) --grammar $(SCHEMAS)
	tests/run-lint.sh $(LINT_RULES)

lint: lint-rules
	clang-format --dry-run --Werror src/*.h src/lib/*.[ch] src/tool/*.[ch] tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h \
	    bench/*.c tests/faults/*.c tools/*.c

# --- install ---------------------------------------------------------------------------

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(DATADIR)/domcompat/schemas
	$(INSTALL) -m 755 $(TOOL) $(DESTDIR)$(BINDIR)/domcompat
	$(INSTALL) -m 644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/libdomcompat.a
	$(INSTALL) -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED_LIB))
	ln -sf $(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libdomcompat.so
	$(INSTALL) -m 644 src/domcompat.h $(DESTDIR)$(INCLUDEDIR)/domcompat.h
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(PC_LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
	    domcompat.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/domcompat.pc
	$(INSTALL) -m 644 $(MANPAGE) $(DESTDIR)$(MANDIR)/man1/domcompat.1
	$(INSTALL) -m 644 $(SCHEMAS) $(DESTDIR)$(DATADIR)/domcompat/schemas/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/domcompat $(DESTDIR)$(LIBDIR)/libdomcompat.a \
	    $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libdomcompat.so $(DESTDIR)$(INCLUDEDIR)/domcompat.h \
	    $(DESTDIR)$(PKGCONFIGDIR)/domcompat.pc $(DESTDIR)$(MANDIR)/man1/domcompat.1
	rm -rf $(DESTDIR)$(DATADIR)/domcompat

clean:
	rm -rf $(B) build-sanitize build-fuzz build-fuzz-replay
