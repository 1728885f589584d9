#!/usr/bin/env bash
# The browser tests drive Debian's Chromium: Playwright's own browser download needs a network
# this machine may not have. Install it when missing, with a Chinese font so that the test
# screenshots show text rather than empty boxes.
set -euo pipefail

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    if [[ ! -x /usr/bin/chromium ]]; then
        echo "ensure_chromium: /usr/bin/chromium is missing; install it (Debian: apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "ensure_chromium: no Chinese font; screenshots will show boxes (Debian: apt-get install fonts-wqy-microhei)" >&2
    exit 0
fi
echo "ensure_chromium: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
