# tebiki — build the tool, then every guide in content/.
#   make          install missing Debian packages (as root), build bin/tebiki and out/*.pdf,
#                 the HTML twins out/*.html, out/index.html and out/guides.json
#   make check    build and run every test
#   make bench    measure speed;   make fuzz   run the fuzzers for a set time
#   make install  bin/tebiki, its man page, bash completion, the schema, layouts and font
#                 catalogue under $(DESTDIR)$(PREFIX) (PREFIX=/usr/local);  make uninstall

# Debian packages the build, the guides and the tests need.
DEBS := gcc make pkg-config libhpdf-dev libxml2-dev libxml2-utils libharfbuzz-dev \
        libfreetype-dev libicu-dev libqrencode-dev libhyphen-dev liblcms2-dev \
        hyphen-en-us hyphen-es hyphen-pt-br hyphen-fr hyphen-de \
        libpng-dev libjpeg-dev zlib1g-dev libdeflate-dev libgs-common fonts-morisawa-bizud-mincho fonts-morisawa-bizud-gothic \
        fonts-noto-cjk fonts-noto-core poppler-utils qpdf python3 zbar-tools clang tidy valgrind \
        mecab libmecab-dev mecab-ipadic-utf8 kanjidic

CC      ?= cc
PKGS    := harfbuzz harfbuzz-subset freetype2 libxml-2.0 icu-uc icu-i18n libpng zlib libdeflate
# opened when first needed (src/base/lazylib.h), not linked: their headers only
LAZY    := libqrencode lcms2 libjpeg
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
CFLAGS  += -DTEBIKI_SHARE_DIR=\"$(PREFIX)/share/tebiki\"
CFLAGS  += -pthread -std=c17 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
           $(shell pkg-config --cflags $(PKGS) $(LAZY) 2>/dev/null)
LDLIBS  += -lhpdf $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

SRC     := $(sort $(wildcard src/*.c src/*/*.c))
OBJ     := $(SRC:src/%.c=build/obj/%.o)
LIBSRC  := $(filter-out src/main.c,$(SRC))
LIBOBJ  := $(LIBSRC:src/%.c=build/obj/%.o)

GUIDES  := $(sort $(wildcard content/*/*.xml))
PDFS    := $(foreach g,$(GUIDES),out/$(word 2,$(subst /, ,$(g))).$(basename $(notdir $(g))).pdf)

.PHONY: all deps tool guides check clean bench fuzz install uninstall
.DELETE_ON_ERROR:

all: deps tool guides html index

# Install what is missing when root; otherwise print the one apt-get line.
deps:
	@have=" $$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $(DEBS) 2>/dev/null | sed -n 's/^ii *//p' | tr '\n' ' ')"; \
	missing=$$(for p in $(DEBS); do case "$$have" in *" $$p "*) ;; *) echo $$p;; esac; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages; run as root:"; \
	    echo "  apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

tool: bin/tebiki

bin/tebiki: $(OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJ:.o=.d)

# The share folder is compiled into main.o (TEBIKI_SHARE_DIR): build/prefix
# remembers the PREFIX it was built for, so that `make install PREFIX=/usr`
# after a plain `make` rebuilds the driver for /usr.
build/prefix: FORCE
	@mkdir -p $(@D)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
build/obj/main.o build/asan/main.o: build/prefix
.PHONY: FORCE
FORCE:

PRINTS  := $(PDFS:.pdf=.print.pdf)

# Both variants of every guide; each build prints one line (pages, size,
# time) and its warnings, the print variant's preflight among them.
guides: $(PDFS) $(PRINTS)

# out/<guide>.<name>.pdf from content/<guide>/<name>.xml; -M records what
# else it read (layout, fonts, images) so that touching those rebuilds it.
out/%.pdf: bin/tebiki
	@mkdir -p out/.deps
	@g=$*; bin/tebiki build -M out/.deps/$*.d -o $@ content/$${g%%.*}/$${g#*.}.xml

# out/<guide>.<name>.print.pdf, the print-shop variant, the same way (the
# more specific pattern wins over out/%.pdf; its own dependency file).
out/%.print.pdf: bin/tebiki
	@mkdir -p out/.deps
	@g=$*; bin/tebiki build --variant print -M out/.deps/$*.print.d -o $@ content/$${g%%.*}/$${g#*.}.xml
$(foreach g,$(GUIDES),$(eval out/$(word 2,$(subst /, ,$(g))).$(basename $(notdir $(g))).print.pdf: $(g)))

-include $(wildcard out/.deps/*.d)
$(foreach g,$(GUIDES),$(eval out/$(word 2,$(subst /, ,$(g))).$(basename $(notdir $(g))).pdf: $(g)))

# ---- the website (src/html/): out/<guide>.<name>.html, the HTML twin of
# each guide, linking its web and print PDFs with their sizes (so it follows
# both); a cover thumbnail of each web PDF (pdftoppm); out/index.html and
# out/guides.json listing them all (tebiki index).
HTMLS   := $(PDFS:.pdf=.html)
THUMBS  := $(patsubst out/%.pdf,out/thumbs/%.png,$(PDFS))

.PHONY: html index prints
prints: $(PRINTS)
html: $(HTMLS)
index: out/index.html

out/%.html: out/%.pdf out/%.print.pdf bin/tebiki
	@g=$*; bin/tebiki build -q --html-only -o $@ content/$${g%%.*}/$${g#*.}.xml

out/thumbs/%.png: out/%.pdf
	@mkdir -p $(@D)
	@pdftoppm -png -f 1 -l 1 -scale-to 240 -singlefile $< $(@D)/.$*.tmp && mv -f $(@D)/.$*.tmp.png $@

out/index.html out/guides.json &: $(PDFS) $(PRINTS) $(HTMLS) $(THUMBS) $(GUIDES) bin/tebiki
	@bin/tebiki index -q -o out $(GUIDES)

# ---- tests: make check builds the unit tests and a sanitizer build of the
# tool, then tests/run runs everything (unit, end-to-end, tests/bad) and ends
# with "N passed, N failed".
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=build/test/%)
ASAN_CC   ?= $(CC)
ASAN_FLAGS = $(CFLAGS) -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
ASAN_OBJ  := $(SRC:src/%.c=build/asan/%.o)
ASAN_LIBOBJ := $(filter-out build/asan/main.o,$(ASAN_OBJ))
UNIT_ASAN := $(UNIT_SRC:tests/unit/%.c=build/test-asan/%)

build/test/%: tests/unit/%.c tests/unit/t.h $(LIBOBJ)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

build/asan/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  ASAN    $<"
	@$(ASAN_CC) $(ASAN_FLAGS) -MMD -MP -c -o $@ $<

-include $(ASAN_OBJ:.o=.d)

build/test-asan/%: tests/unit/%.c tests/unit/t.h $(ASAN_LIBOBJ)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	@$(ASAN_CC) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $< $(ASAN_LIBOBJ) $(LDLIBS)

bin/tebiki-asan: $(ASAN_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(ASAN_CC) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $(ASAN_OBJ) $(LDLIBS)

check: deps tool $(UNIT_BIN) bin/tebiki-asan $(UNIT_ASAN)
	@tests/run

clean:
	rm -rf build bin out

# ---- install: the binary finds its data in $(PREFIX)/share/tebiki (or
# $TEBIKI_SHARE) when the working folder has no layouts/, fonts/, schema/.
BINDIR   = $(PREFIX)/bin
SHAREDIR = $(PREFIX)/share/tebiki
MANDIR   = $(PREFIX)/share/man/man1
BASHDIR  = $(PREFIX)/share/bash-completion/completions
INSTALL ?= install

install: tool
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/schema $(DESTDIR)$(SHAREDIR)/layouts \
	  $(DESTDIR)$(SHAREDIR)/fonts $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHDIR)
	$(INSTALL) -m 755 bin/tebiki $(DESTDIR)$(BINDIR)/tebiki
	$(INSTALL) -m 644 schema/guide.rng $(DESTDIR)$(SHAREDIR)/schema/guide.rng
	$(INSTALL) -m 644 $(wildcard layouts/*.xml) $(DESTDIR)$(SHAREDIR)/layouts/
	$(INSTALL) -m 644 fonts/catalogue.xml $(DESTDIR)$(SHAREDIR)/fonts/catalogue.xml
	$(INSTALL) -m 644 doc/tebiki.1 $(DESTDIR)$(MANDIR)/tebiki.1
	$(INSTALL) -m 644 share/bash-completion/completions/tebiki $(DESTDIR)$(BASHDIR)/tebiki

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tebiki $(DESTDIR)$(MANDIR)/tebiki.1 $(DESTDIR)$(BASHDIR)/tebiki
	rm -rf $(DESTDIR)$(SHAREDIR)

# ---- bench: bench/run builds each case BENCH_RUNS times (median wall time,
# pages/s, peak RSS of the child from getrusage) and prints a table;
# bench/README.md records the figures and where the time goes.
BENCH_RUNS ?= 5
bench: tool build/bench/runone
	@bench/run $(BENCH_RUNS)

build/bench/runone: bench/runone.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) -O2 -std=c17 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o $@ $<

# ---- fuzz: libFuzzer targets (fuzz/README.md).  make fuzz builds them with
# clang into build/fuzz/, seeds fuzz/corpus-guide/ (content/, tests/bad/,
# fuzz/seeds/guide/) and fuzz/corpus-layout/ (layouts/, tests/bad/layouts/,
# fuzz/seeds/layout/), then runs each target for FUZZ_SECONDS; it fails when
# a target finds a crash, leak or timeout (the reproducer is in
# build/fuzz/artifacts/).  make fuzz-build only builds.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300
FUZZ_ARGS    ?=
FUZZ_CFLAGS  = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined -std=c17 -Wall -Wextra \
                -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DTEBIKI_SHARE_DIR=\"$(PREFIX)/share/tebiki\" \
                $(shell pkg-config --cflags $(PKGS) $(LAZY) 2>/dev/null)
FUZZ_OBJ     := $(LIBSRC:src/%.c=build/fuzz/obj/%.o)
FUZZ_BIN     := build/fuzz/fuzz_guide build/fuzz/fuzz_layout

.PHONY: fuzz-build
fuzz-build: $(FUZZ_BIN)

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

-include $(FUZZ_OBJ:.o=.d)
.SECONDARY: $(FUZZ_OBJ)

$(FUZZ_BIN): build/fuzz/%: fuzz/%.c fuzz/fuzz_common.h $(FUZZ_OBJ)
	@mkdir -p $(@D)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LDLIBS) -lz

fuzz: $(FUZZ_BIN)
	@mkdir -p fuzz/corpus-guide fuzz/corpus-layout build/fuzz/artifacts
	@seed() { [ -f "$$1" ] && ! cmp -s "$$1" "$$2" && cp "$$1" "$$2"; true; }; \
	for f in content/*/*.xml; do d=$${f#content/}; seed "$$f" "fuzz/corpus-guide/seed-$${d%%/*}-$${d#*/}"; done; \
	for f in tests/bad/*.xml fuzz/seeds/guide/*.xml; do seed "$$f" "fuzz/corpus-guide/seed-$${f##*/}"; done; \
	for f in layouts/*.xml tests/bad/layouts/*.xml fuzz/seeds/layout/*.xml; do seed "$$f" "fuzz/corpus-layout/seed-$${f##*/}"; done
	@rc=0; for t in guide layout; do \
	  echo "  FUZZ    $$t for $(FUZZ_SECONDS) s"; touch build/fuzz/.$$t.stamp; \
	  nice -n 10 build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=131072 -dict=fuzz/$$t.dict -artifact_prefix=build/fuzz/artifacts/$$t- \
	    -print_final_stats=1 $(FUZZ_ARGS) fuzz/corpus-$$t > build/fuzz/$$t.log 2>&1 \
	  || { rc=1; echo "fuzz_$$t found a problem: see build/fuzz/$$t.log and build/fuzz/artifacts/"; \
	       grep -m3 -E 'ERROR|runtime error|Test unit written' build/fuzz/$$t.log; }; \
	  { grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' build/fuzz/$$t.log \
	    || grep -E '^#[0-9]+.*(DONE|cov:)' build/fuzz/$$t.log | tail -1; } | tr '\n' ' '; echo; \
	  new=$$(find build/fuzz/artifacts -name "$$t-*" -newer build/fuzz/.$$t.stamp); \
	  if [ -n "$$new" ]; then rc=1; echo "fuzz_$$t findings:" $$new; fi; \
	done; exit $$rc
