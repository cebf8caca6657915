"""Resize / Upsample against onnxruntime (and torch for the modes PyTorch exports), with a None batch."""
import numpy as np
import pytest
import torch

from tests.tf_ops._tensor_case import assert_matches_onnxruntime, run_translated, single_node_model

RNG = np.random.default_rng(1)
IMAGE = RNG.standard_normal((2, 3, 6, 8)).astype(np.float32)
EMPTY = np.zeros([0], np.float32)


def _resize(scales=None, sizes=None, opset=19, roi=None, **attrs):
    constants = {"roi": EMPTY if roi is None else np.asarray(roi, np.float32)}
    names = ["x", "roi"]
    if scales is not None:
        constants["scales"] = np.asarray(scales, np.float32)
        names.append("scales")
    else:
        constants["sizes"] = np.asarray(sizes, np.int64)
        names += ["", "sizes"]
    return single_node_model("Resize", {"x": IMAGE}, ["y"], opset, constants, node_inputs=names, **attrs)


CASES = [
    ("nearest_x2_default", dict(scales=[1, 1, 2, 2], mode="nearest")),
    ("nearest_asymmetric_floor", dict(scales=[1, 1, 1.5, 0.5], mode="nearest",
                                      coordinate_transformation_mode="asymmetric", nearest_mode="floor")),
    ("nearest_round_prefer_ceil_axes", dict(sizes=[9, 5], axes=[2, 3], mode="nearest",
                                            nearest_mode="round_prefer_ceil")),
    ("linear_half_pixel", dict(scales=[1, 1, 2, 2], mode="linear")),
    ("linear_align_corners_sizes_axes", dict(sizes=[11, 3], axes=[2, 3], mode="linear",
                                             coordinate_transformation_mode="align_corners")),
    ("linear_pytorch_half_pixel_down", dict(sizes=[3, 1], axes=[2, 3], mode="linear",
                                            coordinate_transformation_mode="pytorch_half_pixel")),
    ("linear_half_pixel_symmetric", dict(scales=[1, 1, 1.7, 0.6], mode="linear",
                                         coordinate_transformation_mode="half_pixel_symmetric")),
    ("cubic_exclude_outside", dict(scales=[1, 1, 2, 1.5], mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1)),
    ("nearest_tf_half_pixel_for_nn_opset11", dict(scales=[1, 1, 1.5, 0.7], opset=11, mode="nearest",
                                                  coordinate_transformation_mode="tf_half_pixel_for_nn")),
    ("cubic_asymmetric", dict(scales=[1, 1, 0.5, 2], mode="cubic", coordinate_transformation_mode="asymmetric")),
    ("linear_antialias_down", dict(scales=[1, 1, 0.5, 0.4], mode="linear", antialias=1)),
    ("cubic_antialias_down", dict(sizes=[4, 3], axes=[2, 3], mode="cubic", antialias=1)),
    ("keep_aspect_not_larger", dict(sizes=[12, 12], axes=[2, 3], mode="nearest",
                                    keep_aspect_ratio_policy="not_larger")),
    ("tf_crop_and_resize", dict(sizes=[4, 5], axes=[2, 3], roi=[0.2, 0.1, 1.1, 0.8], mode="linear",
                                coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-3.0)),
]


@pytest.mark.parametrize("attrs", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_resize_matches_onnxruntime_with_dynamic_batch(attrs):
    assert_matches_onnxruntime(_resize(**attrs), {"x": IMAGE}, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("bilinear", False), ("bilinear", True), ("bicubic", False)])
def test_resize_matches_torch_interpolate(mode, align):
    """The Resize attributes torch's ONNX export uses for F.interpolate(scale_factor=2)."""
    attrs = {"nearest": dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
             "bilinear": dict(mode="linear", coordinate_transformation_mode="align_corners" if align
                              else "pytorch_half_pixel"),
             "bicubic": dict(mode="cubic", coordinate_transformation_mode="pytorch_half_pixel")}[mode]
    expected = torch.nn.functional.interpolate(torch.from_numpy(IMAGE), scale_factor=2, mode=mode,
                                               align_corners=align).numpy()
    (actual,) = run_translated(_resize(scales=[1, 1, 2, 2], **attrs), {"x": IMAGE})
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


def test_resize_keeps_integer_dtype_and_rounds():
    image = RNG.integers(0, 255, (1, 1, 4, 4)).astype(np.uint8)
    constants = {"roi": EMPTY, "scales": np.float32([1, 1, 2, 2])}
    model = single_node_model("Resize", {"x": image}, ["y"], 19, constants, mode="linear")
    assert_matches_onnxruntime(model, {"x": image}, rtol=0, atol=1)


def test_upsample_nearest_integer_scales():
    model = single_node_model("Upsample", {"x": IMAGE}, ["y"], 9, {"s": np.float32([1, 1, 2, 3])}, mode="nearest")
    (actual,) = run_translated(model, {"x": IMAGE})
    np.testing.assert_array_equal(actual, IMAGE.repeat(2, axis=2).repeat(3, axis=3))


def test_resize_output_keeps_a_dynamic_batch():
    model = _resize(scales=[1, 1, 2, 2], mode="nearest")
    (actual,) = run_translated(model, {"x": IMAGE[:1]})
    assert actual.shape == (1, 3, 12, 16)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize_opset10_matches_onnxruntime(mode):
    """Opset 10 has no coordinate/nearest attributes: asymmetric coordinates; nearest floors when enlarging
    and ceils when shrinking, as onnxruntime does."""
    model = single_node_model("Resize", {"x": IMAGE}, ["y"], 10, {"scales": np.float32([1, 1, 1.5, 0.6])}, mode=mode)
    assert_matches_onnxruntime(model, {"x": IMAGE})


def test_resize_with_run_time_sizes_and_dynamic_batch():
    """sizes computed in the graph (Concat of Shape(x)[:2] and constants), as exporters emit for size=..."""
    from onnx import helper, numpy_helper
    from tests.tf_ops._tensor_case import run_onnxruntime
    nodes = [helper.make_node("Shape", ["x"], ["s"], end=2),
             helper.make_node("Concat", ["s", "hw"], ["sizes"], axis=0),
             helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
                              coordinate_transformation_mode="pytorch_half_pixel")]
    graph = helper.make_graph(nodes, "resize_sizes", [helper.make_tensor_value_info("x", 1, ["N", 3, 6, 8])],
                              [helper.make_empty_tensor_value_info("y")],
                              [numpy_helper.from_array(np.int64([9, 5]), "hw")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    (actual,) = run_translated(model, {"x": IMAGE})
    (expected,) = run_onnxruntime(model, {"x": IMAGE})
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
