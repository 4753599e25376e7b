#!/usr/bin/env bash
# Installs the TensorZero adapter's pinned packages (requirements.txt) into
# adapters/tensorzero/.venv. Run once before the vendor run:
#   adapters/tensorzero/setup.sh && cargo test --test vendors -- tensorzero
exec "$(dirname "$0")/../common/setup-venv.sh" "$(dirname "$0")" tensorzero
