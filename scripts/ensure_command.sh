#!/usr/bin/env bash
# Make sure a command that a Debian package provides is installed: `bash scripts/ensure_command.sh
# jq` (the README's walkthrough reads answers with it), `... wrk` (tests/test_metrics_load.py and
# `make bench` load the server with it). A missing one is installed with apt when running as root
# on Debian/Ubuntu; anything else is reported with what to install.
set -euo pipefail

command=$1
package=${2:-$1}
command -v "$command" >/dev/null && exit 0

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "ensure_command: $command is missing; install it (Debian: apt-get install $package)" >&2
    exit 1
fi
echo "ensure_command: installing $package" >&2
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }
# Package lists that are missing or too old to name the package's current file: fetch them first.
install 2>/dev/null || { apt-get update -qq && install; } \
    || { echo "ensure_command: apt-get install $package failed" >&2; exit 1; }
