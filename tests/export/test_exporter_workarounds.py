"""Real models that meet bugs of torch's exporters, and what the export does about them."""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch

from converter.export.dynamo import contiguous_before_reshape, export_dynamo


@pytest.mark.slow
def test_t5_encoder_saved_as_pt2_exports_despite_the_impossible_view(tmp_path):
    """transformers' T5 encoder (small config), torch.export-ed with a dynamic batch and saved as .pt2, as a
    user does: torch's decompositions turn the attention output's reshape of a transposed tensor into a view
    that cannot exist ("Cannot view a tensor with shape ..."), so the export used to fail (exit 3). With a
    contiguous copy before such reshapes the graph exports and matches PyTorch at other batch sizes."""
    from benchmarks.zoo.architectures import ZooModule

    torch.manual_seed(0)
    module = ZooModule("hf:t5_encoder").eval()
    example = (torch.randint(0, 1000, (2, 16)), torch.ones(2, 16, dtype=torch.long))
    batch = torch.export.Dim("batch", min=1, max=1024)
    path = tmp_path / "t5.pt2"
    torch.export.save(torch.export.export(module, example, dynamic_shapes=({0: batch}, {0: batch})), str(path))
    program = torch.export.load(str(path))

    onnx_path = tmp_path / "t5.onnx"
    export_dynamo(program, example, ["input_ids", "attention_mask"], ["last_hidden_state"], {}, 18, onnx_path, False)

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    for size in (1, 5):
        ids, mask = torch.randint(0, 1000, (size, 16)), torch.ones(size, 16, dtype=torch.long)
        got = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        with torch.no_grad():
            expected = module(ids, mask).numpy()
        assert got.shape == (size, 16, 64)
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-4)


def test_contiguous_copy_goes_before_reshapes_of_transposed_tensors_only():
    class Net(torch.nn.Module):
        def forward(self, x):
            y = x.transpose(1, 2).reshape(x.shape[0], -1)       # a reshape of a transposed tensor: copied
            w = x.transpose(1, 2).contiguous()                   # .contiguous() of one: an explicit copy
            z = (x + 1).reshape(x.shape[0], -1)                  # a reshape of anything else: left alone
            return y + z + w.reshape(x.shape[0], -1)

    x = torch.randn(2, 3, 4)
    program = torch.export.export(Net(), (x,), dynamic_shapes=({0: torch.export.Dim("batch")},), strict=False)
    assert contiguous_before_reshape(program) == 2
    clones = [n for n in program.graph.nodes if n.target == torch.ops.aten.clone.default]
    assert len(clones) == 2 and all(c.args[0].target == torch.ops.aten.transpose.int for c in clones)
    assert not [n for n in program.graph.nodes if n.target == torch.ops.aten.contiguous.default]
    x3 = torch.randn(3, 3, 4)
    torch.testing.assert_close(program.module()(x3), Net()(x3))

