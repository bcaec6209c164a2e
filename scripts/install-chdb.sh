#!/usr/bin/env bash
# Installs chDB (the npm package chdb: current ClickHouse, in-process) into a
# project-local directory, for the test that runs every migration and
# analytics query on current ClickHouse as well as on the Debian 18.16
# server. Quick when it is already there.
#
# Usage: scripts/install-chdb.sh DIR   (the package lands in DIR/node_modules/chdb)
set -euo pipefail

dir=${1:?usage: $0 DIR}
version=3.4.0

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-chdb: installing nodejs and npm with apt" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  else
    echo "install-chdb: npm not found; install Node.js and npm" >&2
    exit 1
  fi
fi

if [ -f "$dir/node_modules/chdb/package.json" ] &&
   grep -q "\"version\": \"$version\"" "$dir/node_modules/chdb/package.json"; then
  exit 0
fi
mkdir -p "$dir"
echo "install-chdb: npm install chdb@$version into $dir" >&2
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "chdb@$version" >&2
