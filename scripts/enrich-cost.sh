#!/usr/bin/env bash
# Counts what enriching one mention costs, deterministically: instructions,
# misses of the 32 KiB L1 instruction and data caches and of a 1 MiB
# last-level cache (the sizes of this machine's per-core L1i, L1d and L2:
# lscpu's "64 KiB (2 instances)" is 32 KiB a core; until session 10 the
# script simulated a 64 KiB L1d), under valgrind's cachegrind, for the whole
# enrich chain (BenchmarkEnrichChain in cmd/earshot: every enricher, the
# bench enrich corpus, decode → enrich → encode). Wall-clock figures on a
# shared VM drift by up to ≈ 45 % within the hour; these counts do not, so
# two builds compare by them (docs/performance.md, "Comparing two builds").
#
# It runs the chain for 2,000 and for 8,000 mentions with the garbage
# collector off and prints the difference ÷ 6,000: start-up (loading the
# models, building the corpus) cancels out. ≈ 2 minutes.
#
# Usage: scripts/enrich-cost.sh [NAME]   (from the repository root; NAME
# labels the output and the files /tmp/enrich-cost-NAME-*.out, which
# cg_annotate and cg_diff read)
set -euo pipefail

name=${1:-$(git rev-parse --short HEAD 2>/dev/null || echo tree)}
if ! command -v valgrind >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "enrich-cost: installing valgrind with apt" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null
  else
    echo "enrich-cost: valgrind not found; install it (Debian: apt-get install valgrind)" >&2
    exit 1
  fi
fi

root=$(pwd)
bin=$(mktemp -d)/chain.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./cmd/earshot

declare -A ir i1 d1 ll
for n in 2000 8000; do
  out=/tmp/enrich-cost-$name-$n.out
  # The test binary runs in cmd/earshot, as go test would (it finds the
  # data sets beside the repository from there).
  res=$(cd "$root/cmd/earshot" && GOGC=off GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=yes \
    --I1=32768,8,64 --D1=32768,8,64 --LL=1048576,16,64 --cachegrind-out-file="$out" \
    "$bin" -test.run '^$' -test.bench '^BenchmarkEnrichChain$' -test.benchtime "${n}x" -test.cpu 1 2>&1)
  ir[$n]=$(awk '/I +refs:/ {gsub(",", "", $4); print $4}' <<<"$res")
  i1[$n]=$(awk '/I1 +misses:/ {gsub(",", "", $4); print $4}' <<<"$res")
  d1[$n]=$(awk '/D1 +misses:/ {gsub(",", "", $4); print $4}' <<<"$res")
  ll[$n]=$(awk '/LLd +misses:/ {gsub(",", "", $4); print $4}' <<<"$res")
  if [ -z "${ir[$n]}" ]; then
    echo "enrich-cost: no cachegrind summary; the run said:" >&2
    tail -20 <<<"$res" >&2
    exit 1
  fi
done
cg_diff "/tmp/enrich-cost-$name-2000.out" "/tmp/enrich-cost-$name-8000.out" >"/tmp/enrich-cost-$name-delta.out" 2>/dev/null || true
awk -v name="$name" -v i2="${ir[2000]}" -v i8="${ir[8000]}" -v j2="${i1[2000]}" -v j8="${i1[8000]}" -v d2="${d1[2000]}" -v d8="${d1[8000]}" -v l2="${ll[2000]}" -v l8="${ll[8000]}" 'BEGIN {
  printf "%s per mention: instructions=%.0f i1_misses=%.1f d1_misses=%.1f ll_1mib_misses=%.1f\n", name, (i8-i2)/6000, (j8-j2)/6000, (d8-d2)/6000, (l8-l2)/6000
}'
echo "per function: cg_annotate --sort=Ir /tmp/enrich-cost-$name-delta.out (6,000 mentions)" >&2
