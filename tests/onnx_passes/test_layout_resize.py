"""Resize in the channels-last layout: the layout passes move transposes through it (its per-axis scales,
sizes and roi follow the axes; sizes computed from Shape are resolved by FoldShapeArithmeticPass first), and there the translation runs TF's own ResizeBilinear / ResizeNearestNeighbor
where they sample exactly as ONNX does (gathers otherwise). Checked against torch's F.interpolate as users
write it, through both exporters, and against onnxruntime on channels-last single-node models."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from converter.backend import prepare
from converter.onnx_passes.cancel_transposes import CancelTransposesPass
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.fold_shape_arithmetic import FoldShapeArithmeticPass
from tests.onnx_passes._helpers import export_module, run_passes
from tests.tf_ops._tensor_case import assert_matches_onnxruntime, single_node_model, translated_op_counts


def _random(shape) -> np.ndarray:
    """The same data for a test whichever tests ran before it in its worker (pytest-xdist splits them)."""
    return np.random.default_rng(3).standard_normal(shape).astype(np.float32)


class ConvResizeConv(torch.nn.Module):
    def __init__(self, **interpolate):
        super().__init__()
        self.first, self.second = torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.Conv2d(8, 4, 3, padding=1)
        self.interpolate = interpolate

    def forward(self, x):
        return self.second(F.interpolate(torch.relu(self.first(x)), **self.interpolate))


INTERPOLATE = [  # (F.interpolate arguments, the TF kernel expected, or None: the gather form)
    (dict(scale_factor=2, mode="bilinear", align_corners=False), "ResizeBilinear"),
    (dict(size=(11, 7), mode="bilinear", align_corners=False), "ResizeBilinear"),
    (dict(scale_factor=2, mode="bilinear", align_corners=True), "ResizeBilinear"),
    (dict(scale_factor=0.5, mode="bilinear", align_corners=False), "ResizeBilinear"),
    (dict(scale_factor=2, mode="nearest"), "ResizeNearestNeighbor"),
    (dict(scale_factor=4, mode="nearest"), "ResizeNearestNeighbor"),
    (dict(scale_factor=3, mode="nearest"), None),        # TF's float32 index math is exact at powers of two only
    (dict(scale_factor=2, mode="bicubic", align_corners=False), None),
]


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("interpolate,kernel", INTERPOLATE, ids=[str(i[0]) for i in INTERPOLATE])
def test_resize_runs_channels_last_with_torch_numbers(interpolate, kernel, dynamo):
    torch.manual_seed(0)
    module = ConvResizeConv(**interpolate).eval()
    x = _random((2, 3, 10, 12))
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    rewritten, _ = run_passes(export_module(module, torch.from_numpy(x), dynamo, dynamic_batch=True),
                              [FoldShapeArithmeticPass(), ConvertToNhwcPass(), CancelTransposesPass()])
    transposes = [n for n in rewritten.graph.node if n.op_type == "Transpose"]
    if "size" in interpolate and not dynamo:   # sizes from Shape at run time; opset 17 has no Resize `axes`
        kernel, borders = None, 4
    else:
        borders = 2                            # only at the graph's input and output: Resize runs channels-last
    assert len(transposes) == borders
    np.testing.assert_allclose(prepare(rewritten).run([x])[0], expected, rtol=1e-4, atol=2e-5)
    op_types = set(translated_op_counts(rewritten, {"x": x}))
    if kernel:
        assert kernel in op_types and "GatherV2" not in op_types
    else:
        assert not {"ResizeBilinear", "ResizeNearestNeighbor"} & op_types


CHANNELS_LAST = [  # Resize over axes 1 and 2 of an NHWC tensor, the attributes torch and others export
    dict(sizes=[9, 13], mode="linear", coordinate_transformation_mode="half_pixel"),
    dict(sizes=[12, 16], mode="linear", coordinate_transformation_mode="pytorch_half_pixel"),
    dict(sizes=[11, 5], mode="linear", coordinate_transformation_mode="align_corners"),
    dict(sizes=[12, 4], mode="linear", coordinate_transformation_mode="asymmetric"),
    dict(sizes=[12, 16], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
    dict(sizes=[12, 16], mode="nearest"),                                  # half_pixel, round: the gathers
    dict(sizes=[7, 13], mode="linear", coordinate_transformation_mode="half_pixel_symmetric"),
]


@pytest.mark.parametrize("attrs", CHANNELS_LAST, ids=lambda a: f"{a['mode']}-{a.get('coordinate_transformation_mode')}")
def test_channels_last_resize_matches_onnxruntime(attrs):
    image = _random((2, 6, 8, 3))
    constants = {"sizes": np.int64(attrs.pop("sizes"))}
    model = single_node_model("Resize", {"x": image}, ["y"], 19, constants, node_inputs=["x", "", "", "sizes"],
                              axes=[1, 2], **attrs)
    assert_matches_onnxruntime(model, {"x": image}, rtol=1e-5, atol=1e-6)


CHANNELS_FIRST = [  # a Resize the layout pass leaves channels-first (EfficientFormerV2's attention upsample)
    (dict(scales=[1, 1, 2, 2], mode="linear"), "ResizeBilinear"),
    (dict(scales=[1, 1, 2, 2], mode="linear", coordinate_transformation_mode="pytorch_half_pixel"), "ResizeBilinear"),
    (dict(scales=[1, 1, 2, 4], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
     "ResizeNearestNeighbor"),
    (dict(scales=[1, 1, 2, 2], mode="cubic"), None),
]


@pytest.mark.parametrize("attrs,kernel", CHANNELS_FIRST, ids=[f"{a['mode']}-{k}" for a, k in CHANNELS_FIRST])
def test_channels_first_resize_runs_tf_kernel_between_transposes(attrs, kernel):
    """Two transposes around TF's kernel cost less than the gathers along W (measured 3-5x on [8, 1024, 7, 7])."""
    image = _random((2, 16, 7, 5))
    constants = {"roi": np.zeros([0], np.float32), "scales": np.float32(attrs.pop("scales"))}
    model = single_node_model("Resize", {"x": image}, ["y"], 19, constants, node_inputs=["x", "roi", "scales"],
                              **attrs)
    assert_matches_onnxruntime(model, {"x": image}, rtol=1e-5, atol=2e-6)
    op_types = set(translated_op_counts(model, {"x": image}))
    if kernel:
        assert kernel in op_types and "Transpose" in op_types and "GatherV2" not in op_types
    else:
        assert "GatherV2" in op_types and not {"ResizeBilinear", "ResizeNearestNeighbor"} & op_types
