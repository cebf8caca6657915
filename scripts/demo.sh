#!/usr/bin/env bash
# The main job on the bundled example: creates .venv if missing, builds the example checkpoint
# (a compact ResNet-style CNN written for this project), converts it, verifies it, publishes it
# to serving_models/tiny_resnet/<N>/ and prints the signature, the parity table and the summary.
source "$(dirname "$0")/_venv.sh"
CHECKPOINTS="$ROOT/examples/checkpoints/TinyResNet"
if [ ! -f "$CHECKPOINTS/state_dict.pt" ]; then
  echo "building the example checkpoints in $CHECKPOINTS ..." >&2
  python -m examples.make_checkpoints --model TinyResNet --out "$CHECKPOINTS" >&2
fi
torch2serving convert \
  --checkpoint "$CHECKPOINTS/state_dict.pt" \
  --model-class examples.models:TinyResNet \
  --input input_img:float32:1x3x32x32 \
  --output confidences \
  --name tiny_resnet \
  --signature predict_images \
  "$@"
