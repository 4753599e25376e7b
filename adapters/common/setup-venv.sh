#!/usr/bin/env bash
# Installs a Python adapter's pinned packages (its requirements.txt, from
# PyPI) into its own virtual environment, <adapter>/.venv:
#   adapters/common/setup-venv.sh <adapter directory> <package to report>
set -euo pipefail
dir="$1" package="$2"
cd "$dir"
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "$(basename "$dir") adapter: python3 with venv is required (Debian: apt-get install python3-venv)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --require-virtualenv -r requirements.txt
.venv/bin/python -c "import importlib.metadata as m; print('$package', m.version('$package'), 'installed in $dir/.venv')"
