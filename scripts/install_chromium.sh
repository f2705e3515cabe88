#!/bin/sh
# Install Debian's headless-capable `chromium` when /usr/bin/chromium is absent.
# Used by tests/test_report.py (screenshot of the HTML report). Non-interactive and quiet.
# Exit status: 0 when chromium is available afterwards, non-zero otherwise.
set -eu

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: apt-get not found (not a Debian/Ubuntu system)" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install_chromium: need root or passwordless sudo to run apt-get" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
echo "install_chromium: apt-get finished but $CHROMIUM is still missing" >&2
exit 1
