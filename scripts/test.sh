#!/usr/bin/env bash
# The whole test suite. Creates .venv from the requirements files if missing. Extra arguments go to pytest.
source "$(dirname "$0")/_venv.sh"
exec python -m pytest -n "${TEST_WORKERS:-2}" -q -p no:warnings "$@"
