"""A small PyTorch module using the tensor-manipulation family (reflect pad, interpolate, pixel_shuffle,
permute/view, topk, gather, chunk/cat, repeat/expand, strided slice, squeeze), exported with a dynamic
batch and translated with a None batch: outputs must match torch at two batch sizes."""
import io
import warnings

import numpy as np
import onnx
import pytest
import torch

from tests.tf_ops._tensor_case import run_translated


class _TensorOps(torch.nn.Module):
    def forward(self, x):
        batch = x.shape[0]
        y = torch.nn.functional.pad(x, (1, 2, 2, 1), mode="reflect")
        y = torch.nn.functional.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        y = torch.nn.functional.pixel_shuffle(y[:, :4], 2)
        flat = y.permute(0, 2, 3, 1).reshape(batch, -1)
        values, indices = torch.topk(flat, 5, dim=1)
        gathered = torch.gather(flat, 1, indices.flip(1))
        first, second = flat.chunk(2, dim=1)
        stacked = torch.cat([first.unsqueeze(1), second.unsqueeze(1)], 1).flatten(1)
        nearest = torch.nn.functional.interpolate(x, size=(7, 9), mode="nearest")
        return values + gathered, stacked[:, ::3].squeeze(), nearest.repeat(1, 2, 1, 1).expand(-1, -1, -1, -1)


def _export(dynamo: bool) -> onnx.ModelProto:
    buffer = io.BytesIO()
    example = (torch.randn(3, 4, 6, 6),)
    kwargs = dict(input_names=["x"], output_names=["a", "b", "c"], opset_version=18)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(_TensorOps(), example, buffer, dynamo=True, verbose=False,
                              dynamic_shapes={"x": {0: torch.export.Dim("batch", min=2)}}, **kwargs)
        else:
            torch.onnx.export(_TensorOps(), example, buffer, dynamo=False, dynamic_axes={"x": {0: "N"}}, **kwargs)
    return onnx.load_from_string(buffer.getvalue())


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript_exporter", "dynamo_exporter"])
def test_exported_tensor_ops_match_torch_with_dynamic_batch(dynamo):
    model = _export(dynamo)
    for batch in (2, 5):
        x = torch.randn(batch, 4, 6, 6)
        expected = [t.numpy() for t in _TensorOps()(x)]
        actual = run_translated(model, {"x": x.numpy()})
        for got, want in zip(actual, expected):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
