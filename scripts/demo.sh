#!/usr/bin/env bash
# Newcomer command 1: install everything, then build the fictional demo case in a fresh embedded vault.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
unset STALKPROOF_DATABASE_URL
.venv/bin/stalkproof demo "$@"
