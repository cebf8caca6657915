# Sourced by demo.sh and test.sh: make sure .venv exists with the pinned requirements, then use it.
# Reinstalls when a requirements file changed (a hash stamp in .venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON_BIN="${PYTHON:-$(command -v python3.11 || command -v python3)}"
# The optional onnx-tf backend (one small package, installed without its outdated dependency pins) is
# installed too, so that --backend onnx-tf and its tests work from both commands.
REQUIREMENTS=("$ROOT/requirements.txt" "$ROOT/requirements-onnx-tf.txt")
STAMP="$VENV/.requirements.sha256"
WANT="$(cat "${REQUIREMENTS[@]}" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "setting up $VENV (first run: a few minutes) ..." >&2
  [ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt" >&2
  # onnx-tf's own dependency pins are outdated; everything it needs is in requirements.txt.
  "$VENV/bin/python" -m pip install --quiet --no-deps -r "$ROOT/requirements-onnx-tf.txt" >&2
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
cd "$ROOT"
