#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the browser tests.
# Under CI=true a missing browser that cannot be installed is an error; elsewhere a warning.
set -u
CHROMIUM="${TONGBAN_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || true
fi
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: chromium is required for the browser tests under CI and could not be installed" >&2
  exit 1
fi
echo "WARNING: chromium is not installed; browser tests will be skipped (install Debian's chromium)" >&2
exit 0
