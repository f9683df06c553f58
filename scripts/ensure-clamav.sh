#!/usr/bin/env bash
# Make sure ClamAV's daemon (Debian's clamav-daemon) is installed for the upload-scanning tests: they
# start their own clamd with a test signature. The package's own service is not needed or started.
# Under CI=true a missing clamd that cannot be installed is an error; elsewhere a warning.
set -u
CLAMD="${TONGBAN_CLAMD:-/usr/sbin/clamd}"
if [ -x "$CLAMD" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's clamav-daemon for the upload-scanning tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon) >/dev/null 2>&1 || true
fi
if [ -x "$CLAMD" ]; then exit 0; fi
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: clamd is required for the upload-scanning tests under CI and could not be installed" >&2
  exit 1
fi
echo "WARNING: clamd is not installed; the upload-scanning tests will be skipped (apt-get install clamav-daemon)" >&2
exit 0
