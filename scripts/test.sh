#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only Python and pip: creates .venv, installs glasslog with its
# test extras, installs Debian's chromium for the browser tests when it is missing, checks style, runs pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/query -x).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet -e '.[test]' 2>&1 | grep -v -e '^WARNING: Location' -e '^$' || true
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "installing Debian's chromium for the browser tests…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will be skipped"
  else
    echo "warning: /usr/bin/chromium missing and not root; run: sudo apt-get install chromium"
  fi
fi
.venv/bin/ruff check src tests bench
exec .venv/bin/python -m pytest "$@"
