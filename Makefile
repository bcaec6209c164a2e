# earshot — build, test and run targets. `make test` is the project's test
# command (CI runs it through .ci/run); `make demo` runs earshot end to end.

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

GO        ?= go
BIN       ?= bin/earshot
FUZZTIME  ?= 10s
FUZZ_CI_BUDGET ?= 84
FUZZ_CI_MAX    ?= 10
BENCHTIME ?= 1s
TEST_TIMEOUT ?= 20m
PKGS      ?= ./...
CHDB_DIR  ?= .earshot/chdb
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.DEFAULT_GOAL := build
.PHONY: build chdb test demo stack-up stack-down stack-status lint fmt-check vet staticcheck fuzz-short fuzz-ci bench deps clean

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

## staticcheck: run staticcheck (pinned version, fetched through the module proxy on first use)
staticcheck:
	$(GO) run $(STATICCHECK) ./...

## lint: gofmt check, go vet and staticcheck
lint: fmt-check vet staticcheck

## chdb: install chDB (current ClickHouse, in-process) for the dialect check under CHDB_DIR
chdb:
	@scripts/install-chdb.sh $(CHDB_DIR)

## test: gofmt, vet, staticcheck, build, chDB, local stack up, race tests of every package (PKGS), stack down (always)
test: deps lint chdb fuzz-ci
	$(GO) build ./...
	$(GO) build -o $(BIN) ./cmd/earshot
	@rc=0; \
	trap '$(BIN) stack down || true' EXIT; \
	$(BIN) stack up >/dev/null || exit $$?; \
	EARSHOT_CHDB_NODE_PATH=$(abspath $(CHDB_DIR))/node_modules EARSHOT_REQUIRE_CHDB=1 EARSHOT_REQUIRE_CLUSTER=1 \
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

## fuzz-ci: every Fuzz target for a bounded time: FUZZ_CI_BUDGET seconds in all (2..FUZZ_CI_MAX s each);
## the kept corpus (testdata/fuzz/<target>/ of each package) runs first, a crasher is written there
fuzz-ci:
	@set -euo pipefail; \
	targets=$$(grep -rHo --include='*_test.go' --exclude-dir=.earshot --exclude-dir=node_modules '^func Fuzz[A-Za-z0-9_]*' . \
		| sed -e 's|^\(.*\)/[^/]*_test\.go:func |\1 |' | sort -u); \
	n=$$(printf '%s\n' "$$targets" | grep -c . || true); \
	if [ "$$n" -eq 0 ]; then echo "fuzz-ci: no Fuzz targets found"; exit 1; fi; \
	per=$$(( $(FUZZ_CI_BUDGET) / n )); per=$$(( per < 2 ? 2 : (per > $(FUZZ_CI_MAX) ? $(FUZZ_CI_MAX) : per) )); \
	echo "fuzz-ci: $$n targets, $${per}s each"; \
	log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	printf '%s\n' "$$targets" | while read -r dir fn; do \
		echo ">> $$dir $$fn"; \
		ok=0; for try in 1 2; do \
			if $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $${per}s "$$dir" >"$$log" 2>&1; then ok=1; break; fi; \
			grep -q 'Failing input written' "$$log" && break; \
			grep -q 'context deadline exceeded' "$$log" || break; \
			echo "   $$fn: the fuzz engine timed out stopping a worker (no failing input; a known go test -fuzz flake under load); once more"; \
		done; \
		if [ $$ok -ne 1 ]; then cat "$$log"; echo "fuzz-ci: $$dir $$fn failed (a failing input is kept in $$dir/testdata/fuzz/$$fn/)"; exit 1; fi; \
	done; \
	echo "fuzz-ci: $$n targets passed"

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
