#!/usr/bin/env bash
# Installs the LiteLLM adapter's pinned packages (requirements.txt: litellm[proxy]
# 1.99.4 and everything it needs, each pinned) into adapters/litellm/.venv.
# Run once before the vendor run:
#   adapters/litellm/setup.sh && cargo test --test vendors -- litellm
exec "$(dirname "$0")/../common/setup-venv.sh" "$(dirname "$0")" litellm
