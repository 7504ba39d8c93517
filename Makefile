# meshconform. Go fetches its own modules; nothing else is installed by this Makefile.
GO        ?= go
PORTAL    ?=
HOST      ?=
ARGS      ?=
CLIENT    ?=
FUZZTIME  ?= 10s
REPORTDIR ?= meshconform-report
BINDIR    ?= bin
STATICCHECK_VERSION ?= v0.8.2
BENCHSTAT_VERSION ?= v0.0.0-20260908200009-22c9c6c9d4da
COUNT     ?= 6
# The commit every report names. go build records it from the checkout, except with
# -buildvcs=false (in GOFLAGS on some CI images) or outside one: stamped at link time, it is there
# either way.
COMMIT    ?= $(shell git describe --always --dirty=+dirty --abbrev=12 --exclude='*' 2>/dev/null)
LDFLAGS   := $(if $(COMMIT),-X main.stampCommit=$(COMMIT))

.PHONY: all build test conform model vectors fuzz fuzz-coverage fuzz-cluster fuzz-libfuzzer bench-fuzz lint bench bench-portal generate tidy-check help mutate

all: build test

help:
	@echo "make conform [PORTAL=URL] [HOST=NAME] [ARGS=...]  run the conformance suite (default: the embedded"
	@echo "                           reference portal); prints \"meshconform exited N\": 0 clean, 1 does not conform,"
	@echo "                           2 the run could not be made (make itself exits 2 for any non-zero N)"
	@echo "make test                  run every unit, property and integration test"
	@echo "make model [PORTAL=URL]    property-based transaction sequences (SEQUENCES=100)"
	@echo "make vectors               regenerate vectors/ from fixed seeds"
	@echo "make mutate MUTANTS=20 SEED=1 [JOBS=2]  mutation score per package, raw and over non-equivalent mutants (slow; not in CI)"
	@echo "make fuzz FUZZTIME=30s     run every fuzz target in turn"
	@echo "make fuzz-coverage CASES=2000  statement coverage of reference/portal one live-fuzz campaign reaches (go build -cover)"
	@echo "make fuzz-cluster TARGET=FuzzDecodeRequest WORKERS=2 SECONDS=60  a go-fuzz coordinator and N workers (needs go-fuzz)"
	@echo "make fuzz-libfuzzer SECONDS=10  the ClusterFuzzLite build run here, each libFuzzer binary fuzzed (needs clang)"
	@echo "make bench-fuzz COUNT=6    the live fuzzer's requests/s beside the portal's own for the same request mix"
	@echo "make lint                  gofmt, go vet, staticcheck"
	@echo "make bench                 run the benchmarks"
	@echo "make bench-portal COUNT=6  the portal's throughput beside its baselines, summarised by benchstat"
	@echo "make release [VERSION=v1.2.3] [PLATFORMS=\"linux/amd64 ...\"]  static stamped binaries and SHA256SUMS in dist/"
	@echo "make image [VERSION=...]   the container image FROM scratch (podman, buildah or docker), smoke-tested"
	@echo "make install-check         go install .../cmd/meshconform@latest from an empty module cache"

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BINDIR)/ ./cmd/...

# internal/cmd/benchratio is a module of its own (its x/perf dependency stays out of the suite's
# go.mod), which ./... does not reach: its tests and vet run with -C.
# The self-tests in ./conformance run the whole suite once per knob and per allowance: on a busy
# two-core machine that package alone passes go test's default 10-minute bound.
test:
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -C internal/cmd/benchratio -count=1 ./...

# make conform: the whole suite against the embedded reference portal; PORTAL=URL tests a portal
# (HOST=NAME its DNS name when the URL gives an address), CLIENT=path/to/binary a client binary
# through the shim contract (docs/SHIM.md); ARGS= passes more flags (ARGS="--only 'connect.*' --strict").
# The suite runs as a built binary (bin/meshconform), not through go run, which reports every
# failing exit code as 1. Its own exit code is printed last ("meshconform exited N"): 0 clean,
# 1 the target does not conform, 2 the run could not be made (usage, configuration, pre-flight,
# deadline). make itself then exits 2 for any non-zero code, so CI should read that line or, better,
# run the binary directly (README: go install .../cmd/meshconform@VERSION).
conform:
	@$(GO) build -ldflags '$(LDFLAGS)' -o $(BINDIR)/meshconform ./cmd/meshconform
ifneq ($(CLIENT),)
	@$(BINDIR)/meshconform client --bin $(CLIENT) --report-dir $(REPORTDIR) --report json,junit,sarif,html $(ARGS); \
		code=$$?; echo "meshconform exited $$code"; exit $$code
else
	@$(BINDIR)/meshconform run $(if $(PORTAL),--portal $(PORTAL)) $(if $(HOST),--host $(HOST)) --report-dir $(REPORTDIR) \
		--report json,junit,sarif,html $(ARGS); code=$$?; echo "meshconform exited $$code"; exit $$code
endif

# make model: random transaction sequences checked against a model of the portal's state;
# a violation is shrunk and saved under meshconform-model/ for `meshconform replay FILE`.
SEQUENCES ?= 100
model:
	$(GO) run ./cmd/meshconform model $(if $(PORTAL),--portal $(PORTAL)) --sequences $(SEQUENCES) --report-dir $(REPORTDIR) --report json,junit,sarif,html

vectors:
	$(GO) run ./cmd/meshconform vectors generate --out vectors

fuzz:
	$(GO) run ./fuzz/cmd/fuzzall -fuzztime $(FUZZTIME)

# make fuzz-coverage: meshportal built with `go build -cover`, fuzzed by `meshconform fuzz --portal
# URL` for CASES cases (ARGS= more fuzz flags, e.g. ARGS="--seed 1"), stopped, and its statement
# coverage printed by `go tool covdata percent` (fuzz/coverage.sh; WORKDIR keeps the counters).
CASES   ?= 2000
WORKDIR ?= meshconform-fuzz-coverage
fuzz-coverage:
	GO=$(GO) ./fuzz/coverage.sh $(CASES) $(WORKDIR) $(ARGS)

# make fuzz-cluster: a go-fuzz coordinator and WORKERS workers over loopback (fuzz/gofuzz-cluster.sh,
# which also says how to spread the workers over machines); crashers land in fuzz/testdata/fuzz/TARGET.
TARGET  ?= FuzzDecodeRequest
WORKERS ?= 2
SECONDS ?= 60
fuzz-cluster:
	./fuzz/gofuzz-cluster.sh -t $(TARGET) -n $(WORKERS) -d $(SECONDS)

# make fuzz-libfuzzer: .clusterfuzzlite/build.sh run here (fuzz/libfuzzer-local.sh), then every
# libFuzzer binary fuzzed for SECONDS over its seed corpus; binaries, seed zips and corpora in
# fuzz-build/libfuzzer. Needs clang and go-118-fuzz-build (the script says how to install them).
fuzz-libfuzzer:
	./fuzz/libfuzzer-local.sh -s $(SECONDS)

# make bench-fuzz: the live fuzzer beside the portal it fuzzes, same request mix, in one run.
# The rounds alternate fuzzer and replay (go test -count N would run all of one, then all of the
# other, so that a change of load lands on one side), then benchstat sets them side by side.
bench-fuzz:
	$(GO) test -c -o bench-fuzz.test ./fuzz/live
	rm -f bench-fuzz.txt
	for i in $$(seq $(COUNT)); do ./bench-fuzz.test -test.run '^$$' -test.bench BenchmarkCampaign -test.benchtime 3s -test.count 1 | tee -a bench-fuzz.txt; done
	$(GO) run golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION) bench-fuzz.txt
	rm -f bench-fuzz.test

generate:
	$(GO) generate ./...

# Release and distribution (packaging/): static binaries for linux/darwin/windows x amd64/arm64,
# CGO_ENABLED=0 and -trimpath, version and commit stamped (-X main.stampVersion, main.stampCommit),
# with SHA256SUMS (dist/); the container image FROM scratch built from them and smoke-tested; the
# go install path.
# VERSION defaults to `git describe --tags --dirty`; PLATFORMS to all six.
.PHONY: release image install-check
release:
	VERSION=$(VERSION) PLATFORMS="$(PLATFORMS)" GO=$(GO) bash packaging/release.sh

image:
	VERSION=$(VERSION) GO=$(GO) bash packaging/container.sh

install-check:
	GO=$(GO) bash packaging/goinstall-check.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -C internal/cmd/benchratio ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The portal's throughput aims, measured side by side: Hello and Get beside a bare net/http
# JSON handler, Publish beside bare Ed448 verification (reference/portal/load_test.go). The
# test binary runs COUNT times rather than -count=COUNT, so every round measures a portal and
# its baseline seconds apart: on a shared machine whose speed drifts, ratios stay comparable.
# The rounds run with meshportal's garbage collection target (cmd/meshportal: GOGC 400 unless
# set), so that they measure the portal as it is deployed; benchratio then prints each aim's
# per-round ratios and their median.
bench-portal:
	$(GO) test -c -o bench-portal.test ./reference/portal
	rm -f bench-portal.txt
	for i in $$(seq $(COUNT)); do (cd reference/portal && GOGC=$${GOGC:-400} ../../bench-portal.test -test.run '^$$' \
		-test.bench 'BenchmarkThroughput|BenchmarkPublish' -test.benchtime 2s) > bench-portal.round \
		|| { cat bench-portal.round; exit 1; }; tee -a bench-portal.txt < bench-portal.round; done
	rm -f bench-portal.round
	$(GO) run golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION) bench-portal.txt
	$(GO) run -C internal/cmd/benchratio . $(CURDIR)/bench-portal.txt

tidy-check:
	@cp go.mod /tmp/meshconform.go.mod.bak; cp go.sum /tmp/meshconform.go.sum.bak; \
	$(GO) mod tidy; \
	if ! cmp -s go.mod /tmp/meshconform.go.mod.bak || ! cmp -s go.sum /tmp/meshconform.go.sum.bak; then \
		echo "go mod tidy changes go.mod/go.sum: run it and commit"; \
		cp /tmp/meshconform.go.mod.bak go.mod; cp /tmp/meshconform.go.sum.bak go.sum; exit 1; fi

# Mutation score: MUTANTS sampled source mutants from each of reference/portal and reference/auth,
# each built and judged by the whole suite (internal/cmd/mutate), JOBS at a time. Survivors already
# classified (internal/cmd/mutate/testdata/classified.json) give the score over non-equivalent
# mutants; the rest are listed for classification. Slow: a build and a run per mutant; not in CI
# (examples/mutation-weekly.yml runs it weekly).
MUTANTS ?= 20
SEED ?= 1
JOBS ?= 1
MUTATE_OUT ?= mutation.json
mutate:
	$(GO) run ./internal/cmd/mutate -n $(MUTANTS) -seed $(SEED) -j $(JOBS) \
		-classified internal/cmd/mutate/testdata/classified.json -out $(MUTATE_OUT)
