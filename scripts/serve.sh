#!/usr/bin/env bash
# `torch2serving serve` (converter/cli/serve.py), kept so existing command lines keep working:
#   scripts/serve.sh [--root DIR] [--batching] [--local | --docker] [--image-version 2.21.0]
# tensorflow_model_server from PATH if there, else Docker (serving/docker-compose.yml); gRPC 8500, REST 8501.
# The root defaults to this checkout's serving_models/ (a --root given here wins: the last one counts).
CALLER_DIR="$PWD"
source "$(dirname "$0")/_venv.sh"
cd "$CALLER_DIR"
exec torch2serving serve --root "$ROOT/serving_models" "$@"
