#!/usr/bin/env bash
# Installs the Debian packages earshot's build, tests and local stack need:
# ClickHouse (server and client), Prometheus, Alertmanager, a C compiler for
# cgo (the dev Kafka broker), make, git, CA certificates, and Chromium and
# poppler-utils (the weekly report's PDF and its tests).
#
# Idempotent and quick when everything is present (no apt-get update then).
# Installs only as root on Debian/Ubuntu; otherwise it names what is
# missing and exits 1. Go itself is not installed here: earshot needs the
# Go version in go.mod (see README), from https://go.dev/dl/ into /usr/local/go.
#
# Usage: scripts/install-deps.sh [--check]   (--check: report, never install)
set -euo pipefail

PACKAGES=(clickhouse-server clickhouse-client prometheus prometheus-alertmanager gcc make git ca-certificates chromium poppler-utils zookeeper docker-compose yamllint)

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# installed PKG: is the Debian package installed? Without dpkg (not
# Debian), fall back to looking for the package's main command.
installed() {
  local pkg=$1
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'
    return
  fi
  case "$pkg" in
    clickhouse-server) [ -x /usr/sbin/clickhouse-server ] || command -v clickhouse-server >/dev/null 2>&1 ;;
    prometheus-alertmanager) command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 ;;
    ca-certificates) [ -e /etc/ssl/certs/ca-certificates.crt ] ;;
    zookeeper) [ -e /usr/share/java/zookeeper.jar ] ;;
    *) command -v "$pkg" >/dev/null 2>&1 ;;
  esac
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: missing packages: ${missing[*]}" >&2
if $check_only; then
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: no apt-get here; install the equivalents of: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root to install them, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update" >&2
apt-get update -q
echo "install-deps: apt-get install ${missing[*]}" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do
  installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
  echo "install-deps: still missing after apt-get install: ${still[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${missing[*]}" >&2
