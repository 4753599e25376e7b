#!/usr/bin/env bash
# Installs the TensorZero adapter's pinned packages (requirements.txt, from
# PyPI) into adapters/tensorzero/.venv. Run once before the vendor run:
#   adapters/tensorzero/setup.sh && cargo test --test vendor_tensorzero
set -euo pipefail
cd "$(dirname "$0")"
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "tensorzero adapter: python3 with venv is required (Debian: apt-get install python3-venv)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --require-virtualenv -r requirements.txt
.venv/bin/python -c 'import importlib.metadata as m; print("tensorzero", m.version("tensorzero"), "installed in adapters/tensorzero/.venv")'
