#!/usr/bin/env bash
# The multi-host tests (tests/test_hosts.py) put a private nginx, run from Debian's package, in
# front of the app hosts. Install it when missing. The tests never use the system nginx: they
# start their own with a generated configuration on a spare port.
set -euo pipefail

[[ -x /usr/sbin/nginx ]] && exit 0

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "ensure_nginx: /usr/sbin/nginx is missing; install it (Debian: apt-get install nginx)" >&2
    exit 1
fi
echo "ensure_nginx: installing nginx" >&2
[[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]] || apt-get update -qq
# The package starts the system's nginx on port 80 where it can; should that fail (port 80
# taken, no init system), the binary is still installed, which is all the tests need.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
    || [[ -x /usr/sbin/nginx ]] \
    || { echo "ensure_nginx: apt-get install nginx failed" >&2; exit 1; }
