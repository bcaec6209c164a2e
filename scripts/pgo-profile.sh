#!/usr/bin/env bash
# Regenerates cmd/earshot/default.pgo, the CPU profile that the Go
# toolchain uses for profile-guided optimisation of the earshot binary
# (go build -pgo=auto, the default, picks a main package's default.pgo up:
# `make build`, the Dockerfile and `go install` all do). PGO inlines and
# lays out the hot calls by the profile: ≈ 5 % fewer instructions per
# enriched mention (scripts/enrich-cost.sh) with the same outputs.
#
# The profile is the real workload: `earshot bench e2e --profile` at a
# paced rate on the local stack (dev broker, ingest, enrich, sink,
# ClickHouse), CPU profiles of the three workers over the trial, merged
# with `go tool pprof -proto`. Regenerate it after large changes to the
# hot paths (an old profile still helps where the code it names is
# unchanged; the toolchain ignores what no longer matches).
#
# Usage: scripts/pgo-profile.sh   (from the repository root; RATE and
# DURATION override the trial, defaults 16000 and 30s; needs ClickHouse:
# the local stack's is started, or EARSHOT_CLICKHOUSE_ADDR is used)
set -euo pipefail

rate=${RATE:-16000}
duration=${DURATION:-30s}
go build -o bin/earshot ./cmd/earshot
if [ -z "${EARSHOT_CLICKHOUSE_ADDR:-}" ]; then
  env=$(bin/earshot stack up --only clickhouse)
  eval "$env"
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bin/earshot bench e2e --rate "$rate" --duration "$duration" --profile --ceiling-rows 0 --dir "$dir" |
  grep -E '^trial1_(sustained_mentions_per_sec|cpu_profiles|.*_cpu_cores)='
profiles=$(find "$dir" -name 'cpu-*.pprof' | sort)
if [ "$(wc -l <<<"$profiles")" -ne 3 ]; then
  echo "pgo-profile: expected the profiles of ingest, enrich and the sink; found: $profiles" >&2
  exit 1
fi
# shellcheck disable=SC2086 # one path per line, no spaces (mktemp)
go tool pprof -proto $profiles >cmd/earshot/default.pgo.tmp
mv cmd/earshot/default.pgo.tmp cmd/earshot/default.pgo
echo "pgo-profile: wrote cmd/earshot/default.pgo ($(wc -c <cmd/earshot/default.pgo) bytes) from $rate/s × $duration; rebuild with make build"
