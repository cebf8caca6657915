"""The layout passes know every converter.fused op: each one the fusion passes write has a reference
implementation and a layout rule (None where a transpose must stop, as at MatMul); transposes move through
a fused Gelu between two convolutions as through ONNX's own Gelu, with the same numbers."""
from __future__ import annotations

import numpy as np
import onnx
import onnx_ir as ir
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.onnx_passes._layout_ops import FUSED_LAYOUT_OPS
from converter.onnx_passes.cancel_transposes import CancelTransposesPass, count_transposes
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.fused_reference import FUSED_REFERENCE_OPS
from converter.onnx_passes.nhwc_reference import NHWC_REFERENCE_OPS
from converter.tf_ops import load_default_registry
from converter.tf_ops.fused import FUSED_DOMAIN


def test_every_fused_op_has_a_layout_rule_a_reference_and_a_translation():
    fused_ops = set(load_default_registry().op_types(FUSED_DOMAIN))
    assert set(FUSED_LAYOUT_OPS) == fused_ops
    assert {op.__name__ for op in FUSED_REFERENCE_OPS} == fused_ops


def _conv_gelu_conv() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    weights = [numpy_helper.from_array(rng.standard_normal((4, c, 3, 3)).astype(np.float32), f"w{i}")
               for i, c in enumerate((3, 4))]
    nodes = [helper.make_node("Conv", ["x", "w0"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Gelu", ["c"], ["g"], domain=FUSED_DOMAIN, approximate="tanh"),
             helper.make_node("Conv", ["g", "w1"], ["y"], pads=[1, 1, 1, 1])]
    shape = ["batch", 4, 6, 6]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], weights,
                              value_info=[helper.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n in "cg"])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid(FUSED_DOMAIN, 1)])


def test_transposes_move_through_a_fused_gelu():
    model = _conv_gelu_conv()
    ir_model = ir.serde.deserialize_model(model)
    ir_model = ConvertToNhwcPass()(ir_model).model
    wrapped = count_transposes(ir_model)
    ir_model = CancelTransposesPass()(ir_model).model
    assert (wrapped, count_transposes(ir_model)) == (4, 2)      # only at the input and the output
    rewritten = ir.serde.serialize_model(ir_model)
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32)
    expected = ReferenceEvaluator(model, new_ops=FUSED_REFERENCE_OPS).run(None, {"x": x})[0]
    after = ReferenceEvaluator(rewritten, new_ops=FUSED_REFERENCE_OPS + NHWC_REFERENCE_OPS).run(None, {"x": x})[0]
    np.testing.assert_allclose(after, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(prepare(rewritten).run([x])[0], expected, rtol=1e-5, atol=1e-5)
