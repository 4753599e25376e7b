#!/usr/bin/env bash
# Installs every pinned package the vendor runs and the SDK tests use, each
# into its own directory: Portkey and the Node SDK from the npm registry,
# TensorZero, LiteLLM and the Python SDK from PyPI (each in a virtual
# environment). Run from anywhere; `cargo test --workspace` then runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix adapters/portkey
adapters/tensorzero/setup.sh
adapters/litellm/setup.sh
adapters/common/setup-venv.sh clients/python openai
npm ci --prefix clients/node
