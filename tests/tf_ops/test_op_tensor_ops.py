"""Tensor manipulation / indexing ops against onnxruntime, translated with a None batch dimension."""
import numpy as np
import pytest

from tests.tf_ops._tensor_case import assert_matches_onnxruntime, single_node_model

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5)).astype(np.float32)
I64 = np.int64


def _i(*values):
    return np.array(values, I64)


CASES = [
    # (id, op, inputs, constants, outputs, opset, attrs)
    ("reshape_zero_minus_one", "Reshape", {"x": X}, {"shape": _i(0, -1)}, ["y"], 19, {}),
    ("reshape_allowzero_off", "Reshape", {"x": X}, {"shape": _i(0, 5, 4)}, ["y"], 19, {"allowzero": 0}),
    ("transpose", "Transpose", {"x": X}, {}, ["y"], 13, {"perm": [0, 2, 1]}),
    ("transpose_inner_axis_kept", "Transpose", {"x": RNG.standard_normal((3, 4, 8)).astype(np.float32)}, {}, ["y"],
     13, {"perm": [1, 0, 2]}),
    ("concat_axis_neg", "Concat", {"a": X, "b": X * 2}, {}, ["y"], 13, {"axis": -1}),
    ("split_uneven_num_outputs", "Split", {"x": X}, {}, ["a", "b"], 18, {"axis": 2, "num_outputs": 2}),
    ("split_sizes_input", "Split", {"x": X}, {"split": _i(1, 3)}, ["a", "b"], 13, {"axis": 1}),
    ("slice_negative_steps_clamped", "Slice", {"x": X}, {"starts": _i(-1, 10), "ends": _i(-2**63, 0),
     "axes": _i(2, 1), "steps": _i(-2, -1)}, ["y"], 13, {}),
    ("slice_int_max_end", "Slice", {"x": X}, {"starts": _i(1), "ends": _i(2**63 - 1), "axes": _i(-1)}, ["y"], 13, {}),
    ("gather_negative", "Gather", {"x": X}, {"i": _i(-1, 0, 2)}, ["y"], 13, {"axis": 1}),
    ("gather_elements", "GatherElements", {"x": X}, {"i": RNG.integers(-5, 5, (3, 4, 2))}, ["y"], 13, {"axis": 2}),
    # along the last axis one batched gather, the data cut to the index's smaller leading sizes first
    ("gather_elements_smaller_leading", "GatherElements", {"x": X}, {"i": RNG.integers(-5, 5, (2, 3, 7))}, ["y"], 13,
     {"axis": -1}),
    ("gather_elements_axis1", "GatherElements", {"x": X}, {"i": RNG.integers(-4, 4, (3, 2, 5))}, ["y"], 13, {"axis": 1}),
    ("gather_nd_batch_dims", "GatherND", {"x": X}, {"i": _i([1, -1], [0, 2], [3, 4]).reshape(3, 1, 2)}, ["y"], 13,
     {"batch_dims": 1}),
    ("scatter_elements_mul", "ScatterElements", {"x": X}, {"i": _i(0, 0, 1, 3).reshape(1, 4, 1).repeat(3, 0),
     "u": np.full((3, 4, 1), 2.0, np.float32)}, ["y"], 18, {"axis": 1, "reduction": "mul"}),
    ("scatter_nd_add", "ScatterND", {"x": X}, {"i": _i([0, 1], [0, 1], [2, 3]), "u": np.ones((3, 5), np.float32)},
     ["y"], 18, {"reduction": "add"}),
    ("pad_reflect_axes", "Pad", {"x": X}, {"pads": _i(2, 1, 3, 0), "value": np.float32(0), "axes": _i(1, 2)}, ["y"], 19,
     {"mode": "reflect", "node_inputs": ["x", "pads", "", "axes"]}),
    ("pad_edge", "Pad", {"x": X}, {"pads": _i(0, 2, 1, 0, 0, 3)}, ["y"], 18, {"mode": "edge"}),
    ("pad_wrap", "Pad", {"x": X}, {"pads": _i(0, 1, 2, 0, 3, 1)}, ["y"], 19, {"mode": "wrap"}),
    ("pad_constant_negative", "Pad", {"x": X}, {"pads": _i(0, -1, 2, 0, 1, -2), "value": np.float32(7)}, ["y"], 18,
     {"mode": "constant"}),
    ("tile", "Tile", {"x": X}, {"r": _i(1, 2, 3)}, ["y"], 13, {}),
    ("expand", "Expand", {"x": X[:, :1, :]}, {"s": _i(1, 4, 1)}, ["y"], 13, {}),
    ("squeeze_unsqueeze", "Unsqueeze", {"x": X}, {"axes": _i(-1, 1)}, ["y"], 13, {}),
    ("squeeze", "Squeeze", {"x": X[:, :1, :, None]}, {"axes": _i(1, -1)}, ["y"], 13, {}),
    ("flatten", "Flatten", {"x": X}, {}, ["y"], 13, {"axis": 2}),
    ("shape_start_end", "Shape", {"x": X}, {}, ["y"], 15, {"start": -2, "end": 10}),
    ("size", "Size", {"x": X}, {}, ["y"], 13, {}),
    ("nonzero", "NonZero", {"x": (X > 0.5).astype(np.int32)}, {}, ["y"], 13, {}),
    ("top_k_smallest_axis1", "TopK", {"x": np.round(X * 2)}, {"k": _i(3)}, ["v", "i"], 11, {"axis": 1, "largest": 0}),
    ("top_k_int_ties", "TopK", {"x": RNG.integers(0, 3, (3, 6)).astype(np.int64)}, {"k": _i(4)}, ["v", "i"], 11, {}),
    ("depth_to_space_crd", "DepthToSpace", {"x": RNG.standard_normal((2, 8, 3, 2)).astype(np.float32)}, {}, ["y"], 13,
     {"blocksize": 2, "mode": "CRD"}),
    ("depth_to_space_dcr", "DepthToSpace", {"x": RNG.standard_normal((2, 8, 3, 2)).astype(np.float32)}, {}, ["y"], 13,
     {"blocksize": 2}),
    ("space_to_depth", "SpaceToDepth", {"x": RNG.standard_normal((2, 2, 4, 6)).astype(np.float32)}, {}, ["y"], 13,
     {"blocksize": 2}),
    ("one_hot_negative", "OneHot", {"i": _i(-1, 0, 2, 5, -4)}, {"d": np.float32(4), "v": np.float32([0, 3])}, ["y"], 11,
     {"axis": 0}),
    ("compress_short_condition", "Compress", {"x": X}, {"c": np.array([True, False, True])}, ["y"], 11, {"axis": 1}),
    ("unique_sorted_axis", "Unique", {"x": np.array([[2, 1], [0, 3], [2, 1], [0, 3], [1, 1]], np.float32)}, {},
     ["y", "i", "inv", "c"], 11, {"axis": 0}),
    ("reverse_sequence", "ReverseSequence", {"x": X.transpose(1, 0, 2).copy()}, {"l": _i(1, 3, 2)}, ["y"], 10,
     {"time_axis": 0, "batch_axis": 1}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_onnxruntime_with_dynamic_batch(case):
    _, op, inputs, constants, outputs, opset, attrs = case
    model = single_node_model(op, inputs, outputs, opset, constants, **dict(attrs))
    assert_matches_onnxruntime(model, inputs)


def test_top_k_uint64_orders_like_unsigned_values():
    values = np.array([[1, 2**63 + 5, 7, 2**64 - 1, 0]], np.uint64)
    model = single_node_model("TopK", {"x": values}, ["v", "i"], 11, {"k": _i(3)})
    from tests.tf_ops._tensor_case import run_translated
    top, index = run_translated(model, {"x": values})
    np.testing.assert_array_equal(top, [[2**64 - 1, 2**63 + 5, 7]])
    np.testing.assert_array_equal(index, [[3, 1, 2]])


LEGACY_CASES = [
    # attribute forms of inputs that became inputs later
    ("slice_attrs_opset9", "Slice", {"x": X}, ["y"], 9, {"starts": [1, -3], "ends": [3, 100], "axes": [1, 2]}),
    ("split_attr_opset11", "Split", {"x": X}, ["a", "b"], 11, {"axis": -1, "split": [2, 3]}),
    ("split_equal_opset11", "Split", {"x": X[:, :, :4]}, ["a", "b"], 11, {"axis": 2}),
    ("squeeze_attr_opset11", "Squeeze", {"x": X[:, :1, :, None]}, ["y"], 11, {"axes": [-1, 1]}),
    ("unsqueeze_attr_opset11", "Unsqueeze", {"x": X}, ["y"], 11, {"axes": [1, -1]}),
    ("pad_attr_opset10", "Pad", {"x": X}, ["y"], 10, {"pads": [0, 1, 2, 0, 0, 1], "mode": "constant", "value": 1.5}),
    ("pad_attr_reflect_opset10", "Pad", {"x": X}, ["y"], 10, {"pads": [0, 1, 2, 0, 3, 1], "mode": "reflect"}),
    ("top_k_attr_opset9", "TopK", {"x": X}, ["v", "i"], 9, {"k": 2, "axis": 1}),
    ("upsample_attr_linear_opset7", "Upsample", {"x": X[:, None]}, ["y"], 7, {"scales": [1.0, 1.0, 2.0, 1.5],
                                                                              "mode": "linear"}),
    ("reshape_attr_opset1_via_5", "Reshape", {"x": X}, ["y"], 5, {}),
]


@pytest.mark.parametrize("case", LEGACY_CASES, ids=[c[0] for c in LEGACY_CASES])
def test_legacy_opsets_match_onnxruntime(case):
    _, op, inputs, outputs, opset, attrs = case
    constants = {"shape": _i(0, -1, 5)} if op == "Reshape" else None
    model = single_node_model(op, inputs, outputs, opset, constants, **dict(attrs))
    assert_matches_onnxruntime(model, inputs)
