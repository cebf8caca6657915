#!/usr/bin/env bash
# The whole test suite (what CI runs), or with --fast the quick tier: no official conformance suites and
# no slow end-to-end conversions (pytest markers `conformance` and `slow`). Creates .venv from the
# requirements files if missing. Other arguments go to pytest (./scripts/test.sh --fast tests/cli).
source "$(dirname "$0")/_venv.sh"
if [ "${1:-}" = "--fast" ]; then
  shift
  set -- -m "not conformance and not slow" "$@"
fi
exec python -m pytest -n "${TEST_WORKERS:-2}" -q -p no:warnings "$@"
