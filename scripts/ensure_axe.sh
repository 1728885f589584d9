#!/usr/bin/env bash
# The accessibility tests run axe-core (the version pinned, with its checksum, in
# tests/axe/package-lock.json) in every page. Install it with npm into test-output/axe when
# what is there is not what the lock file names; npm itself is installed with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

target=test-output/axe
if [[ -f $target/node_modules/axe-core/axe.min.js ]] && cmp -s tests/axe/package-lock.json "$target/package-lock.json"; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "ensure_axe: npm is missing; install it (Debian: apt-get install npm)" >&2
        exit 1
    fi
    echo "ensure_axe: installing npm" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
mkdir -p "$target"
cp tests/axe/package.json tests/axe/package-lock.json "$target/"
npm ci --prefix "$target" --no-audit --no-fund --ignore-scripts --loglevel=error
