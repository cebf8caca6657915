# Sourced by demo.sh, test.sh and serve.sh: make sure .venv exists with the pinned requirements and the
# project itself (editable, so .venv/bin/torch2serving runs this checkout), then use it.
# Reinstalls when a requirements file or pyproject.toml changed (a hash stamp in .venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON_BIN="${PYTHON:-$(command -v python3.11 || command -v python3)}"
# The optional onnx-tf backend (one small package, installed without its outdated dependency pins) is
# installed too, so that --backend onnx-tf and its tests work from both commands, and the model zoo's
# libraries (transformers, torchvision, timm), so that its fast subset runs as tests.
REQUIREMENTS=("$ROOT/requirements.txt" "$ROOT/requirements-zoo.txt" "$ROOT/requirements-onnx-tf.txt"
              "$ROOT/requirements-zoo-nodeps.txt")
STAMP="$VENV/.requirements.sha256"
WANT="$(cat "${REQUIREMENTS[@]}" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "setting up $VENV (first run: a few minutes) ..." >&2
  [ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt" >&2
  # transformers and its dependencies, held at requirements.txt's pins (it does not depend on torch).
  "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements-zoo.txt" -c "$ROOT/requirements.txt" >&2
  # onnx-tf's own dependency pins are outdated; everything it needs is in requirements.txt.
  "$VENV/bin/python" -m pip install --quiet --no-deps -r "$ROOT/requirements-onnx-tf.txt" >&2
  # torchvision's registry wheel pins a CUDA torch: without dependencies, the CPU torch above stays.
  "$VENV/bin/python" -m pip install --quiet --no-deps -r "$ROOT/requirements-zoo-nodeps.txt" >&2
  # the project itself: the `converter` package and the torch2serving command; its dependencies are the
  # pins above (pyproject.toml's ranges include them), so nothing is resolved again.
  "$VENV/bin/python" -m pip install --quiet --no-deps -e "$ROOT" >&2
  "$VENV/bin/python" -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.13.0') else \
    f'torch {torch.__version__} replaced the pinned 2.13.0: check the requirements files')" >&2
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
cd "$ROOT"
