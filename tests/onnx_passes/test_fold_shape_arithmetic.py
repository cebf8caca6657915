"""FoldShapeArithmeticPass on the shape chains exporters write: each rewritten graph runs in onnxruntime (or,
with the Resize `axes` it adds, in our translation) at batch sizes other than the one the chain was written
for, with the original graph's numbers."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from converter.backend import prepare
from converter.onnx_passes.fold_shape_arithmetic import FoldShapeArithmeticPass, Vector, _arithmetic
from tests.onnx_passes._helpers import ShuffleUnits, export_module, run_passes
from tests.tf_ops._tensor_case import run_onnxruntime

RNG = np.random.default_rng(5)


def _model(nodes, x_shape, initializers, opset=18, dynamic_dims=("N",)):
    dims = [*dynamic_dims, *x_shape[len(dynamic_dims):]]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
                              [helper.make_empty_tensor_value_info("y")],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    return onnx.shape_inference.infer_shapes(model)


def _window_partition():
    """x.view(B, 2, 4, 6) written as Swin writes it: the batch read from Shape at run time."""
    nodes = [helper.make_node("Shape", ["x"], ["shape"]),
             helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
             helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"]),
             helper.make_node("Gather", ["shape", "two"], ["width"], axis=0),       # static: 6
             helper.make_node("Unsqueeze", ["width", "axes0"], ["width1"]),
             helper.make_node("Concat", ["batch1", "parts", "width1"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["y"])]
    constants = {"zero": np.int64(0), "two": np.int64(2), "axes0": np.int64([0]), "parts": np.int64([2, 4])}
    return _model(nodes, (3, 8, 6), constants)


def test_a_reshape_target_with_one_run_time_entry_becomes_a_constant_with_minus_one():
    model = _window_partition()
    rewritten, (modified,) = run_passes(model, [FoldShapeArithmeticPass()])
    assert modified
    assert [n.op_type for n in rewritten.graph.node] == ["Reshape"]
    target = numpy_helper.to_array(next(t for t in rewritten.graph.initializer
                                        if t.name == rewritten.graph.node[0].input[1]))
    assert target.tolist() == [-1, 2, 4, 6]
    for batch in (1, 5):
        x = RNG.standard_normal((batch, 8, 6)).astype(np.float32)
        np.testing.assert_array_equal(run_onnxruntime(rewritten, {"x": x})[0], run_onnxruntime(model, {"x": x})[0])


def test_a_batch_from_shape_beside_a_minus_one_fixes_the_minus_one():
    """EfficientFormerV2's `q.reshape(B, heads, -1, N)`: B is the data's own run-time dim, so -1 is static."""
    nodes = [helper.make_node("Shape", ["x"], ["shape"], end=1),
             helper.make_node("Concat", ["shape", "rest"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["y"])]
    model = _model(nodes, (3, 24, 7, 7), {"rest": np.int64([4, -1, 49])})
    rewritten, (modified,) = run_passes(model, [FoldShapeArithmeticPass()])
    assert modified and [n.op_type for n in rewritten.graph.node] == ["Reshape"]
    target = numpy_helper.to_array(next(t for t in rewritten.graph.initializer
                                        if t.name == rewritten.graph.node[0].input[1]))
    assert target.tolist() == [-1, 4, 6, 49]
    for batch in (1, 5):
        x = RNG.standard_normal((batch, 24, 7, 7)).astype(np.float32)
        np.testing.assert_array_equal(run_onnxruntime(rewritten, {"x": x})[0], run_onnxruntime(model, {"x": x})[0])


def test_two_run_time_entries_are_left_to_run_time():
    nodes = [helper.make_node("Shape", ["x"], ["shape"], end=2),
             helper.make_node("Concat", ["shape", "rest"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["y"])]
    model = _model(nodes, (3, 4, 6), {"rest": np.int64([2, 3])}, dynamic_dims=("N", "S"))
    rewritten, (modified,) = run_passes(model, [FoldShapeArithmeticPass()])
    assert not modified
    assert [n.op_type for n in rewritten.graph.node] == ["Shape", "Concat", "Reshape"]


def test_a_chain_of_static_sizes_becomes_an_initializer():
    nodes = [helper.make_node("Shape", ["x"], ["shape"], start=1),
             helper.make_node("Slice", ["shape", "start", "end"], ["tail"]),
             helper.make_node("Cast", ["tail"], ["tail32"], to=TensorProto.INT32),
             helper.make_node("Cast", ["tail32"], ["tail64"], to=TensorProto.INT64),
             helper.make_node("Expand", ["x", "tail64"], ["y"])]
    model = _model(nodes, (3, 4, 6), {"start": np.int64([1]), "end": np.int64([2])})
    rewritten, _ = run_passes(model, [FoldShapeArithmeticPass()])
    assert [n.op_type for n in rewritten.graph.node] == ["Expand"]
    x = RNG.standard_normal((2, 4, 6)).astype(np.float32)
    np.testing.assert_array_equal(run_onnxruntime(rewritten, {"x": x})[0], run_onnxruntime(model, {"x": x})[0])


def _resize_to_fixed_size(opset: int):
    """F.interpolate(x, size=(9, 5)) as exporters write it: sizes = Concat(Shape(x)[:2], [9, 5])."""
    nodes = [helper.make_node("Shape", ["x"], ["lead"], end=2),
             helper.make_node("Concat", ["lead", "hw"], ["sizes"], axis=0),
             helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
                              coordinate_transformation_mode="half_pixel")]
    return _model(nodes, (2, 3, 6, 8), {"hw": np.int64([9, 5])}, opset=opset)


@pytest.mark.parametrize("opset,axes", [(18, [2, 3]), (17, None)])
def test_resize_sizes_from_the_data_shape_name_the_resized_axes(opset, axes):
    """Opset 18 has Resize's `axes`: the kept axes drop out of `sizes`; before it the sizes stay run-time."""
    model = _resize_to_fixed_size(opset)
    rewritten, _ = run_passes(model, [FoldShapeArithmeticPass()])
    resize = rewritten.graph.node[-1]
    written = {a.name: list(a.ints) for a in resize.attribute if a.name == "axes"}
    assert written.get("axes") == axes
    x = RNG.standard_normal((3, 3, 6, 8)).astype(np.float32)
    np.testing.assert_allclose(prepare(rewritten).run([x])[0], run_onnxruntime(model, {"x": x})[0],
                               rtol=1e-5, atol=1e-6)


def test_channel_shuffle_sizes_fold_through_consecutive_units():
    """The second unit's sizes are only static once the first unit's reshape target is folded and shape
    inference has carried its sizes on."""
    torch.manual_seed(0)
    module = ShuffleUnits().eval()
    model = export_module(module, torch.randn(2, 8, 6, 6), dynamo=False, dynamic_batch=True)
    arithmetic = {"Shape", "Gather", "Div", "Cast", "Unsqueeze", "Mul"}
    assert arithmetic & {n.op_type for n in model.graph.node}            # what the exporter wrote
    rewritten, (modified,) = run_passes(model, [FoldShapeArithmeticPass()])
    assert modified
    assert not arithmetic & {n.op_type for n in rewritten.graph.node}, [n.op_type for n in rewritten.graph.node]
    shapes = {v.name: [d.dim_value or None for d in v.type.tensor_type.shape.dim] for v in rewritten.graph.value_info}
    conv_inputs = [shapes.get(n.input[0]) for n in rewritten.graph.node if n.op_type == "Conv"]
    assert conv_inputs[1:] == [[None, 4, 6, 6]] * 6          # spatial sizes static in both units
    for batch in (1, 5):
        x = RNG.standard_normal((batch, 8, 6, 6)).astype(np.float32)
        with torch.no_grad():
            expected = module(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(run_onnxruntime(rewritten, {"x": x})[0], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
def test_integer_arithmetic_folds_as_onnx_runtime_computes_it(op):
    """Division of negative sizes rounds toward zero in ONNX (Python's // rounds down)."""
    left, right = np.int64([7, -7, 9, 0]), np.int64([2, 2, -4, 3])
    graph = helper.make_graph([helper.make_node(op, ["a", "b"], ["c"])], "g", [],
                              [helper.make_tensor_value_info("c", TensorProto.INT64, [4])],
                              [numpy_helper.from_array(left, "a"), numpy_helper.from_array(right, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    expected = run_onnxruntime(model, {})[0]
    folded = _arithmetic(op, Vector([int(v) for v in left]), Vector([int(v) for v in right]))
    assert folded.entries == expected.tolist()
