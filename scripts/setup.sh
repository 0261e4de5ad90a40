#!/usr/bin/env bash
# Install everything stalkproof needs on a fresh Debian/Ubuntu machine: system packages (when run as root
# or with sudo), then a virtual environment in .venv with stalkproof and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
# gcc and python3-dev build the optional compiled WhatsApp loop (setup.py); without them the Python loop runs.
packages=(age postgresql gcc python3-dev tesseract-ocr tesseract-ocr-eng fonts-dejavu-core libimage-exiftool-perl poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium)
command -v npm >/dev/null || packages+=(npm)
python3 -m venv --help >/dev/null 2>&1 || packages+=(python3-venv python3-pip)
if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else sudo=(false); fi
if "${sudo[@]}" true 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
else
  echo "setup: not root and no sudo: install these Debian packages yourself: ${packages[*]}" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
# axe-core for the web app's accessibility tests, pinned by tests/web/package-lock.json.
if command -v npm >/dev/null; then
  npm ci --prefix tests/web --no-audit --no-fund --silent
else
  echo "setup: npm is missing, so the browser accessibility checks cannot run" >&2
fi
