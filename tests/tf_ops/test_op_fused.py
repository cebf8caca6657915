"""The converter.fused ops' own translations, beyond what the fusion pass tests run (tests/onnx_passes/
test_fuse_*.py): ResidualAdd runs as AddN only where TF's static shapes are equal, since AddN cannot
broadcast."""
from __future__ import annotations

import pytest
import tensorflow as tf
from onnx import TensorProto, helper

from converter.tf_ops.fused import FUSED_DOMAIN
from converter.tf_ops.module import OnnxModule


def _tf_ops_of_residual_add(a_shape: list, b_shape: list) -> set[str]:
    node = helper.make_node("ResidualAdd", ["a", "b"], ["y"], domain=FUSED_DOMAIN)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, a_shape),
                                            helper.make_tensor_value_info("b", TensorProto.FLOAT, b_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid(FUSED_DOMAIN, 1)])
    return _op_types(_traced(model, {"a": a_shape, "b": b_shape}))


def _traced(model, shapes: dict[str, list]):
    """The model's translation traced for inputs of `shapes` (a name for a size TF does not know): a concrete
    function from {input name: tensor} to {output name: tensor}."""
    specs = {name: tf.TensorSpec([d if isinstance(d, int) else None for d in shape], tf.float32)
             for name, shape in shapes.items()}
    module = OnnxModule(model)
    return tf.function(lambda feeds: module.run(feeds)).get_concrete_function(specs)


def _op_types(concrete) -> set[str]:
    return {op.type for op in concrete.graph.get_operations()}


@pytest.mark.parametrize("a_shape, b_shape, kernel", [
    (["n", 4, 4, 3], ["n", 4, 4, 3], "AddN"),
    (["n", 4, 4, 3], [1, 4, 4, 3], "AddV2"),         # batch 1 against an unknown batch: may broadcast
    (["n", "h", 4, 3], ["n", "h", 4, 3], "AddV2"),    # an unknown dimension besides the batch
], ids=["equal", "batch-1", "unknown-height"])
def test_translation_runs_addn_only_on_statically_equal_shapes(a_shape, b_shape, kernel):
    ops = _tf_ops_of_residual_add(a_shape, b_shape)
    assert kernel in ops and not ({"AddN", "AddV2"} - {kernel}) & ops, ops


@pytest.mark.parametrize("x_shape", [["n", 7, 5, 6], ["n", "h", "w", 6], ["n", "h", "w", "c"]],
                         ids=["static", "run-time-sizes", "run-time-width-too"])
def test_linear_runs_as_one_2d_matmul_whatever_the_leading_sizes(x_shape):
    """Swin's MLPs act on [B, H, W, C] tensors whose sizes the exporter computes at run time: as TF's
    broadcasting BatchMatMulV2 they ran one small product per leading index (3.7x ONNX Runtime)."""
    import numpy as np
    from onnx import numpy_helper

    rng = np.random.default_rng(0)
    weight, bias = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    node = helper.make_node("Linear", ["x", "w", "b"], ["y"], domain=FUSED_DOMAIN, activation="Relu")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid(FUSED_DOMAIN, 1)])
    run = _traced(model, {"x": x_shape})
    ops = _op_types(run)
    assert "MatMul" in ops and "BatchMatMulV2" not in ops, ops
    x = rng.standard_normal((2, 7, 5, 6)).astype(np.float32)
    actual = run({"x": tf.constant(x)})["y"]
    np.testing.assert_allclose(actual.numpy(), np.maximum(x @ weight + bias, 0), rtol=1e-5, atol=1e-6)
    assert actual.shape == (2, 7, 5, 3)
