#!/usr/bin/env bash
# Run TF Serving on serving_models/: with docker (official image) or a local tensorflow_model_server.
#   scripts/serve.sh [--batching] [--root DIR] [--image-version 2.21.0] [--local]
# gRPC on 8500, REST on 8501; models.config is re-read every 30 s (--model_config_file_poll_wait_seconds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVING_ROOT="$ROOT/serving_models"
IMAGE_VERSION="${TF_SERVING_VERSION:-2.21.0}"
BATCHING=0
LOCAL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --batching) BATCHING=1 ;;
    --root) SERVING_ROOT="$(cd "$2" && pwd)"; shift ;;
    --image-version) IMAGE_VERSION="$2"; shift ;;
    --local) LOCAL=1 ;;
    -h|--help) sed -n 2,4p "$0"; exit 0 ;;
    *) echo "serve.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ ! -f "$SERVING_ROOT/models.config" ]; then
  echo "serve.sh: $SERVING_ROOT/models.config missing; convert a model first (scripts/convert.py)" >&2
  exit 2
fi
if [ "$BATCHING" = 1 ] && [ ! -f "$SERVING_ROOT/batching_parameters.txt" ]; then
  echo "serve.sh: --batching needs $SERVING_ROOT/batching_parameters.txt; convert with --batching" >&2
  exit 2
fi

if [ "$LOCAL" = 1 ] && ! command -v tensorflow_model_server >/dev/null; then
  echo "serve.sh: --local needs tensorflow_model_server on PATH (apt package tensorflow-model-server)" >&2
  exit 2
fi
if [ "$LOCAL" = 0 ] && ! command -v docker >/dev/null; then
  echo "serve.sh: docker not found; install Docker or use --local with tensorflow_model_server" >&2
  exit 2
fi
# oneDNN builds of TF: cache each kernel's re-laid-out weights instead of redoing it on every request
# (a served model's variables never change after loading); see docs/serving.md.
export TF_ONEDNN_ASSUME_FROZEN_WEIGHTS="${TF_ONEDNN_ASSUME_FROZEN_WEIGHTS:-1}"
if [ "$LOCAL" = 1 ]; then
  # A local binary sees the real paths, not /models: write a config with absolute base paths.
  CONFIG="$(mktemp --suffix=.models.config)"
  PYTHONPATH="$ROOT" "${PYTHON:-$ROOT/.venv/bin/python}" - "$SERVING_ROOT" "$CONFIG" <<'PY'
import sys
from pathlib import Path
from google.protobuf import text_format
from converter.serving.model_config import build_models_config, read_models_config, ModelPolicy
root = Path(sys.argv[1])
policies = {c.name: ModelPolicy.from_proto(c) for c in read_models_config(root / "models.config").model_config_list.config}
Path(sys.argv[2]).write_text(text_format.MessageToString(build_models_config(root, policies, str(root))))
PY
  FLAGS=(--port=8500 --rest_api_port=8501 --model_config_file="$CONFIG" --model_config_file_poll_wait_seconds=30)
  [ "$BATCHING" = 1 ] && FLAGS+=(--enable_batching --batching_parameters_file="$SERVING_ROOT/batching_parameters.txt")
  exec tensorflow_model_server "${FLAGS[@]}"
fi

FLAGS=(--port=8500 --rest_api_port=8501 --model_config_file=/models/models.config --model_config_file_poll_wait_seconds=30)
[ "$BATCHING" = 1 ] && FLAGS+=(--enable_batching --batching_parameters_file=/models/batching_parameters.txt)
exec docker run --rm -p 8500:8500 -p 8501:8501 -v "$SERVING_ROOT:/models:ro" \
  -e TF_ONEDNN_ASSUME_FROZEN_WEIGHTS="$TF_ONEDNN_ASSUME_FROZEN_WEIGHTS" \
  --entrypoint tensorflow_model_server "tensorflow/serving:$IMAGE_VERSION" "${FLAGS[@]}"
