"""onnx-tf is an optional extra: without it these tests FAIL with the install command (never skip)."""
import pytest

from converter.backends.onnx_tf_adapter import INSTALL_HINT, onnx_tf_installed


@pytest.fixture(autouse=True)
def _require_onnx_tf():
    if not onnx_tf_installed():
        pytest.fail(f"onnx-tf is not installed; {INSTALL_HINT}", pytrace=False)
