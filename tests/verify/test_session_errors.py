"""A SavedModel of ours that fails when the TF Serving-style session runs it: the error keeps TF's own first
line (what went wrong) and the node, and is an internal error (exit 4), never blamed on the model.

TF's message puts the node marker ("[[{{node X}}]]") on its last line, after the cause; the verification
used to keep only that last line, so the user saw the node and not what went wrong."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from converter.backend import prepare
from converter.errors import InternalError
from converter.savedmodel.export import export_saved_model
from converter.verify import FeedSet, verify_saved_model
from converter.verify.session_runner import tf_error_line


def _reshape_to_four(tmp_path):
    """Reshape [N, 3] -> [-1, 4]: translates, and runs only when 3N is a multiple of 4."""
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="to_four")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    path = tmp_path / "saved"
    return path, export_saved_model(prepare(model).module, model, path)


def test_session_failure_keeps_tf_cause_and_node_and_is_internal(tmp_path):
    path, spec = _reshape_to_four(tmp_path)
    feeds = [FeedSet(1, "normal", {"x": np.ones((1, 3), np.float32)})]
    with pytest.raises(InternalError) as caught:
        verify_saved_model(path, "serving_default", spec, feeds, {"onnxruntime": [[np.ones((1, 4), np.float32)]]},
                           1e-4, 1e-3)
    message = str(caught.value)
    assert "\n" not in message
    assert ("loading the SavedModel in a TF Serving-style session failed: InvalidArgumentError: Input to reshape "
            "is a tensor with 3 values, but the requested shape requires a multiple of 4") in message, message
    assert "(node to_four/" in message, message
    assert caught.value.exit_code == 4 and InternalError.HINT in message


def test_tf_error_line_of_a_multi_root_error():
    """Session errors with several roots: the first root's cause without its "(0) CODE:" prefix."""

    class OpError(Exception):
        message = ("2 root error(s) found.\n  (0) INVALID_ARGUMENT: indices[3] = 9 is not in [0, 5)\n"
                   "\t [[{{node embed/Gather}}]]\n  (1) INVALID_ARGUMENT: indices[3] = 9 is not in [0, 5)\n"
                   "\t [[{{node embed/Gather}}]]\n\t [[Identity/_5]]\n0 successful operations.\n"
                   "0 derived errors ignored.")

    assert tf_error_line(OpError()) == "OpError: indices[3] = 9 is not in [0, 5) (node embed/Gather)"
