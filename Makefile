# earshot — build, test and run targets. `make test` is the project's test
# command (CI runs it through .ci/run); `make demo` runs earshot end to end.

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

GO        ?= go
BIN       ?= bin/earshot
FUZZTIME  ?= 10s
BENCHTIME ?= 1s
TEST_TIMEOUT ?= 20m
PKGS      ?= ./...
CHDB_DIR  ?= .earshot/chdb

.DEFAULT_GOAL := build
.PHONY: build chdb test demo stack-up stack-down stack-status lint fmt-check vet fuzz-short bench deps clean

## build: compile the earshot binary into bin/earshot
build:
	$(GO) build -o $(BIN) ./cmd/earshot

## deps: install missing Debian packages (quick when everything is present)
deps:
	@scripts/install-deps.sh

## fmt-check: fail when a Go file is not gofmt-formatted
fmt-check:
	@out=$$(gofmt -l $$($(GO) list -f '{{.Dir}}' ./...)); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$out"; exit 1; fi

## vet: go vet every package
vet:
	$(GO) vet ./...

## lint: gofmt check, go vet, and staticcheck when it is installed
lint: fmt-check vet
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; \
	else echo "lint: staticcheck not installed; skipped (go install honnef.co/go/tools/cmd/staticcheck@latest)"; fi

## chdb: install chDB (current ClickHouse, in-process) for the dialect check under CHDB_DIR
chdb:
	@scripts/install-chdb.sh $(CHDB_DIR)

## test: gofmt, vet, build, chDB, local stack up, race tests of every package (PKGS), stack down (always)
test: deps fmt-check vet chdb
	$(GO) build ./...
	$(GO) build -o $(BIN) ./cmd/earshot
	@rc=0; \
	trap '$(BIN) stack down || true' EXIT; \
	$(BIN) stack up >/dev/null || exit $$?; \
	EARSHOT_CHDB_NODE_PATH=$(abspath $(CHDB_DIR))/node_modules EARSHOT_REQUIRE_CHDB=1 \
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(PKGS) || rc=$$?; \
	exit $$rc

## demo: run earshot end to end on this machine (local stack, dev broker, a simulated week)
demo: deps build
	$(BIN) demo

## stack-up: start the local ClickHouse, Prometheus and Alertmanager; prints export lines
stack-up: build
	@$(BIN) stack up

## stack-down: stop the local stack (data is kept in .earshot/stack)
stack-down: build
	@$(BIN) stack down

## stack-status: show the local stack's servers
stack-status: build
	@$(BIN) stack status

## fuzz-short: run every Fuzz* function of every package for FUZZTIME (default 10s)
fuzz-short:
	@set -euo pipefail; \
	for pkg in $$($(GO) list $(PKGS)); do \
		for fn in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz' || true); do \
			echo ">> $$pkg $$fn ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
		done; \
	done

## bench: run every benchmark once (the local stack is brought up for ClickHouse benchmarks, then down)
bench: deps build
	@rc=0; \
	trap '$(BIN) stack down || true' EXIT; \
	$(BIN) stack up --only clickhouse >/dev/null || exit $$?; \
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count=1 -timeout $(TEST_TIMEOUT) $(PKGS) || rc=$$?; \
	exit $$rc

## clean: remove build output (not the stack's data; see stack-down)
clean:
	rm -rf bin
