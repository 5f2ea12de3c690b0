#!/usr/bin/env bash
# Installs the pinned real Salesforce clients that 16_real_clients runs: simple-salesforce in a
# Python venv (.venv, from requirements.txt) and jsforce (node_modules, `npm ci` from
# package-lock.json). Does nothing when they are installed with the current pins; quiet on
# success, the installer's output on failure. Needs python3 with venv (Debian: python3-venv),
# npm, and the PyPI and npm registries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

fail() {
  echo "real-clients install: $1 failed:" >&2
  cat "$log" >&2
  exit 1
}

if ! cmp -s requirements.txt .venv/installed-requirements.txt \
   || ! .venv/bin/python -c 'import simple_salesforce' 2>/dev/null; then
  rm -rf .venv
  python3 -m venv .venv >"$log" 2>&1 || { rm -rf .venv; fail "python3 -m venv"; }
  .venv/bin/pip install --quiet --disable-pip-version-check --no-input -r requirements.txt \
    >"$log" 2>&1 || { rm -rf .venv; fail "pip install"; }
  cp requirements.txt .venv/installed-requirements.txt
fi

if ! cmp -s package-lock.json node_modules/.installed-package-lock.json; then
  npm ci --no-audit --no-fund >"$log" 2>&1 || fail "npm ci"
  cp package-lock.json node_modules/.installed-package-lock.json
fi
