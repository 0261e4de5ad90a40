#!/usr/bin/env bash
# Newcomer command 2 (and what CI runs): install everything, start PostgreSQL, then lint, type-check and
# run the whole test suite on both backends (the embedded SQLCipher vault and PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
  STALKPROOF_TEST_POSTGRES=$(${SUDO:-} scripts/start-postgres.sh)
  export STALKPROOF_TEST_POSTGRES
fi
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
if [ -x ../shared/tools/contract-smoke ]; then PATH="$PWD/.venv/bin:$PATH" ../shared/tools/contract-smoke; fi
.venv/bin/python -m pytest -n 2 "$@"
# The demo's evidence pack, checked with standard tools only (sha256sum, openssl), not through Python.
scripts/check-pack.sh
