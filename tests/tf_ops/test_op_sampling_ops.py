"""Sampling / detection ops (GridSample, AffineGrid, RoiAlign, MaxRoiPool, NonMaxSuppression, Col2Im,
CenterCropPad, TensorScatter) against onnxruntime, translated with a None batch dimension."""
import numpy as np
import pytest

from tests.tf_ops._tensor_case import assert_matches_onnxruntime, run_translated, single_node_model

RNG = np.random.default_rng(2)
FEATURES = RNG.standard_normal((2, 3, 7, 9)).astype(np.float32)


GRID_CASES = [(mode, padding, (i + j) % 2) for i, mode in enumerate(["linear", "nearest", "cubic"])
              for j, padding in enumerate(["zeros", "border", "reflection"])]


@pytest.mark.parametrize("mode,padding,align", GRID_CASES)
def test_grid_sample(mode, padding, align):
    grid = RNG.uniform(-1.3, 1.3, (2, 4, 5, 2)).astype(np.float32)
    model = single_node_model("GridSample", {"x": FEATURES, "grid": grid}, ["y"], 20, mode=mode,
                              padding_mode=padding, align_corners=align)
    assert_matches_onnxruntime(model, {"x": FEATURES, "grid": grid}, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("align", [0, 1])
def test_affine_grid_matches_torch(align):
    import torch
    theta = RNG.standard_normal((2, 2, 3)).astype(np.float32)
    model = single_node_model("AffineGrid", {"theta": theta}, ["grid"], 20, {"size": np.int64([2, 3, 4, 5])},
                              align_corners=align)
    (actual,) = run_translated(model, {"theta": theta})
    expected = torch.nn.functional.affine_grid(torch.from_numpy(theta), [2, 3, 4, 5], align_corners=bool(align))
    np.testing.assert_allclose(actual, expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,ratio,transform", [("avg", 2, "half_pixel"), ("avg", 0, "output_half_pixel"),
                                                  ("max", 2, "half_pixel")])
def test_roi_align(mode, ratio, transform):
    rois = np.float32([[0, 0, 8, 6], [1.5, 2.2, 4.1, 6.9], [-1, -2, 3, 3]])
    model = single_node_model("RoiAlign", {"x": FEATURES}, ["y"], 16, {"rois": rois, "batch": np.int64([0, 1, 1])},
                              mode=mode, sampling_ratio=ratio, coordinate_transformation_mode=transform,
                              output_height=3, output_width=2, spatial_scale=0.9)
    assert_matches_onnxruntime(model, {"x": FEATURES}, rtol=1e-4, atol=1e-5)


def test_max_roi_pool():
    rois = np.float32([[0, 0, 0, 8, 6], [1, 1.4, 2.2, 4.1, 6.9], [1, 3, 3, 3, 3]])
    model = single_node_model("MaxRoiPool", {"x": FEATURES}, ["y"], 1, {"rois": rois}, pooled_shape=[2, 3],
                              spatial_scale=1.0)
    assert_matches_onnxruntime(model, {"x": FEATURES})


@pytest.mark.parametrize("center", [0, 1])
def test_non_max_suppression(center):
    boxes = RNG.uniform(0, 10, (2, 12, 4)).astype(np.float32)
    if not center:
        boxes[..., 2:] = boxes[..., :2] + RNG.uniform(1, 4, (2, 12, 2))
    scores = RNG.uniform(0, 1, (2, 3, 12)).astype(np.float32)
    constants = {"max": np.int64([4]), "iou": np.float32([0.3]), "score": np.float32([0.2])}
    model = single_node_model("NonMaxSuppression", {"boxes": boxes, "scores": scores}, ["selected"], 11, constants,
                              center_point_box=center)
    assert_matches_onnxruntime(model, {"boxes": boxes, "scores": scores})


def test_col2im_with_strides_pads_dilations():
    columns = RNG.standard_normal((2, 3 * 2 * 2, 15)).astype(np.float32)
    constants = {"image": np.int64([5, 6]), "block": np.int64([2, 2])}
    model = single_node_model("Col2Im", {"x": columns}, ["y"], 18, constants, strides=[2, 1], dilations=[1, 2],
                              pads=[1, 0, 0, 1])
    assert_matches_onnxruntime(model, {"x": columns})


def test_center_crop_pad():
    model = single_node_model("CenterCropPad", {"x": FEATURES}, ["y"], 18, {"shape": np.int64([4, 12])}, axes=[2, -1])
    assert_matches_onnxruntime(model, {"x": FEATURES})


@pytest.mark.parametrize("mode", ["linear", "circular"])
def test_tensor_scatter_kv_cache(mode):
    cache = RNG.standard_normal((2, 3, 6, 4)).astype(np.float32)
    update = RNG.standard_normal((2, 3, 2, 4)).astype(np.float32)
    starts = np.int64([1, 5 if mode == "circular" else 4])
    model = single_node_model("TensorScatter", {"cache": cache, "update": update}, ["y"], 24, {"starts": starts},
                              mode=mode, axis=-2)
    (actual,) = run_translated(model, {"cache": cache, "update": update})
    expected = cache.copy()
    for b in range(2):
        for s in range(2):
            expected[b, :, (starts[b] + s) % 6] = update[b, :, s]
    np.testing.assert_array_equal(actual, expected)
