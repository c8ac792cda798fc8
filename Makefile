# SenseOps Collector - the project's front door.
#
#   make build      build the collector distribution with ocb -> _build/otelcol-senseops/otelcol-senseops
#   make test       build, go test -race ./... (incl. end-to-end tests of the binary), Windows/macOS compile check, validate
#   make build-windows  the distribution for a Sense server: _build/otelcol-senseops/otelcol-senseops.exe
#   make validate   validate every collector config (see CONFIGS below) with the built binary
#   make run        build collector + sensesim, run the simulator against the collector
#   make lint       gofmt -l (must be empty) and go vet ./...
#   make generate   run mdatagen for every metadata.yaml under receiver/ processor/ connector/
#   make bench      end-to-end benchmark table: both pipelines at stepped rates (cmd/sensebench)
#   make bench-go   Go micro-benchmarks (go test -bench), benchstat-friendly
#   make clean      remove _build/
#
# Nothing is installed globally: ocb and mdatagen are pinned as tools in
# internal/tools/go.mod and run with `go tool -modfile=internal/tools/go.mod ...`
# from the repository root (ocb resolves output_path against the working directory).

SHELL       := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# Fall back to the machine's Go install if `go` is not already on PATH.
# (Appended, so a go found earlier on PATH wins; ocb also looks `go` up on PATH.)
export PATH := $(PATH):/usr/local/go/bin

# The build must not depend on git metadata (CI clones, source tarballs).
export GOFLAGS := -buildvcs=false

GO            ?= go
TOOLS_MODFILE := internal/tools/go.mod
GOTOOL        := $(GO) tool -modfile=$(TOOLS_MODFILE)
BUILDER       := $(GOTOOL) builder
MDATAGEN      := $(GOTOOL) mdatagen

DIST_NAME      := otelcol-senseops
BUILDER_CONFIG := builder-config.yaml
BUILD_DIR      := _build
DIST_DIR       := $(BUILD_DIR)/$(DIST_NAME)
COLLECTOR      := $(DIST_DIR)/$(DIST_NAME)
BIN_DIR        := $(BUILD_DIR)/bin
SENSESIM       := $(BIN_DIR)/sensesim

# Collector configs. Convention: every distributions/<dist>/*.yaml (top level of
# the distribution's directory) is a collector config and is validated by
# `make validate`. Anything else under distributions/ (e.g. Qlik Sense XML/YAML
# fixtures, dashboards) goes into a subdirectory, or under another
# distributions/<name>/ folder, so it is not picked up here.
CONFIG_DIR := distributions/$(DIST_NAME)
CONFIGS     = $(sort $(wildcard $(CONFIG_DIR)/*.yaml))
RUN_CONFIG := $(CONFIG_DIR)/config.yaml

# mdatagen inputs (generated code is committed).
METADATA_DIRS := receiver processor exporter connector
METADATA      = $(shell find $(METADATA_DIRS) -name metadata.yaml -not -path '*/testdata/*' 2>/dev/null | sort)

.PHONY: all build build-windows test unit-test cross-check validate run sensesim sensesim-certs lint fmt-check vet generate bench bench-go clean

all: build

## build: generate + compile the distribution with the pinned ocb.
## ocb always regenerates sources and runs go mod tidy; the Go build cache keeps
## a second build fast.
build:
	@mkdir -p $(BUILD_DIR)
	$(BUILDER) --config=$(BUILDER_CONFIG)
	@echo "built $(COLLECTOR)"

# Build only if the binary is missing (validate uses this, so it does not force a rebuild).
$(COLLECTOR):
	@$(MAKE) --no-print-directory build

## test: build the distribution, run every Go test with the race detector
## (internal/e2e drives the built binary), then validate every config.
test: build sensesim
	@$(MAKE) --no-print-directory unit-test
	@$(MAKE) --no-print-directory cross-check
	@$(MAKE) --no-print-directory validate

## cross-check: the project's packages compile (and pass go vet) for the
## platforms the collector runs on besides Linux: Windows, where Qlik Sense
## runs, and macOS. (The benchmark harness is Linux-only.)
cross-check:
	GOOS=windows GOARCH=amd64 $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...

## build-windows: the distribution for a Sense server (Windows x64), from the
## sources `make build` generates: $(DIST_DIR)/$(DIST_NAME).exe
build-windows: build
	cd $(DIST_DIR) && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -trimpath -o $(DIST_NAME).exe .
	@echo "built $(DIST_DIR)/$(DIST_NAME).exe"

## unit-test: every package with the race detector, and the parser once more
## without its amd64 assembly (-tags purego), as other platforms build it.
unit-test:
	$(GO) test -race ./...
	$(GO) test -tags purego ./internal/senseevent/

## validate: `otelcol-senseops validate` for every collector config (see CONFIGS).
## The configs point at the simulator's certificates, so they are written first.
validate: sensesim-certs | $(COLLECTOR)
	@configs="$(CONFIGS)"; \
	if [[ -z "$$configs" ]]; then echo "validate: no configs in $(CONFIG_DIR)/" >&2; exit 1; fi; \
	for c in $$configs; do \
		echo "validate $$c"; \
		$(COLLECTOR) validate --config="$$c"; \
	done

## run: simulator (background) -> collector (foreground) with $(RUN_CONFIG).
run: build sensesim
	scripts/run.sh "$(COLLECTOR)" "$(RUN_CONFIG)" "$(SENSESIM)"

sensesim:
	@mkdir -p $(BIN_DIR)
	$(GO) build -o $(SENSESIM) ./cmd/sensesim

# The QMC-like certificate export the configs in distributions/ point at.
SENSESIM_CERTS := $(BUILD_DIR)/sensesim-certs
sensesim-certs: sensesim
	@[ -f $(SENSESIM_CERTS)/root.pem ] || $(SENSESIM) certs -cert-dir $(SENSESIM_CERTS)

## lint: gofmt must report nothing, then go vet.
lint: fmt-check vet

# Skips build output, caches, VCS and testdata (as the go tool does).
fmt-check:
	@out="$$(find . -type d \( -name _build -o -name .cache -o -name .git -o -name testdata -o -name vendor \) -prune \
		-o -type f -name '*.go' -print0 | xargs -0 -r gofmt -l)"; \
	if [[ -n "$$out" ]]; then echo "gofmt -l reports unformatted files:"; echo "$$out"; exit 1; fi; \
	echo "gofmt: ok"

vet:
	$(GO) vet ./...

## generate: mdatagen for every metadata.yaml under $(METADATA_DIRS).
generate:
	@files="$(METADATA)"; \
	if [[ -z "$$files" ]]; then echo "generate: no metadata.yaml under $(METADATA_DIRS)"; exit 0; fi; \
	for f in $$files; do \
		echo "mdatagen $$f"; \
		$(MDATAGEN) "$$f"; \
	done

## bench: the end-to-end benchmark (cmd/sensebench, see cmd/sensebench/README.md).
## The recommended pipeline and the stock udp_log + regex_parser pipeline at
## stepped rates of the simulator's mix, collector pinned to CPU 0 and sensesim
## to CPU 1; prints a Markdown table with the targets' PASS/FAIL. About 3-5 minutes
## (at most ~10). Flags through BENCH_ARGS, e.g.
##   make bench BENCH_ARGS=-quick          smoke test, about 1 minute
##   make bench BENCH_ARGS='-runs 3'       medians of 3 runs per step
BENCH_ARGS ?=
bench: build sensesim
	$(GO) run ./cmd/sensebench $(BENCH_ARGS)

## bench-go: Go micro-benchmarks, no unit tests: the parser per message kind,
## the categorizer at 1/10/100 rules, the user agent processor with cache hits
## and misses, ... Output is benchstat's input format, e.g.
##   make bench-go BENCH_FLAGS='-count=10' > new.txt; benchstat old.txt new.txt
BENCH_FLAGS ?=
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem $(BENCH_FLAGS) ./...

clean:
	rm -rf $(BUILD_DIR)
