"""torch.diff and a boolean cumsum through the TorchScript-based exporter (a traced checkpoint's path):
transformers' causal LMs compute `(torch.diff(position_ids, prepend=...) != 1).cumsum(-1)`, so traced GPT-2
and Qwen2 failed to export (exit 3, "Exporting the operator 'aten::diff' to ONNX opset version 18 is not
supported"), and then exported a CumSum of booleans that ONNX Runtime refuses. Exported, translated and run
as TF Serving runs it, compared with PyTorch at a batch size other than the export's."""
from __future__ import annotations

import numpy as np
import torch

from tests.tf_ops._served import served_and_eager


class PackedSequenceIndices(torch.nn.Module):
    """transformers' find_packed_sequence_indices on float "positions", plus a second-order and an appended
    diff, a boolean diff and a boolean cumsum to a given dtype."""

    def forward(self, x):
        first = torch.diff(x, prepend=x[:, :1] - 1, dim=-1)
        second = torch.diff(x, n=2, dim=1, append=x[:, -1:])
        flips = torch.diff(x > 0, dim=-1).to(x.dtype)
        packed = (first != 1).cumsum(-1)                               # int64, as PyTorch sums booleans
        positive = (x > 0).cumsum(1, dtype=torch.int32)
        return torch.cat([packed.to(x.dtype), first, second, flips, positive.to(x.dtype)], dim=-1)


def test_diff_exports_and_runs_served(tmp_path):
    served, eager = served_and_eager(PackedSequenceIndices(), "x:float32:2x6", 3, tmp_path, exporter="torchscript")
    np.testing.assert_allclose(served[0], eager[0], rtol=1e-6, atol=1e-6)
