"""Helpers shared by the fusion pass tests: a module exported by either exporter, passes run in order."""
from __future__ import annotations

import io

import onnx
import onnx_ir as ir
import torch


def export_module(module: torch.nn.Module, x: torch.Tensor, dynamo: bool, dynamic_batch: bool = False
                  ) -> onnx.ModelProto:
    """torch.export at opset 18, or the TorchScript exporter at 17: they spell the same layers differently.
    `dynamic_batch` as the conversion exports: sizes read from the input's shape stay run-time values."""
    if dynamo:
        shapes = ({0: torch.export.Dim("batch")},) if dynamic_batch else None   # whatever forward names it
        return torch.onnx.export(module, (x,), dynamo=True, opset_version=18, input_names=["x"],
                                 dynamic_shapes=shapes).model_proto
    buffer = io.BytesIO()
    torch.onnx.export(module, (x,), buffer, dynamo=False, opset_version=17, input_names=["x"],
                      dynamic_axes={"x": {0: "batch"}} if dynamic_batch else None)
    return onnx.load_from_string(buffer.getvalue())


def torchvision_importable() -> None:
    """transformers and timm import torchvision when it is installed; the zoo's shim lets that import succeed
    with the CPU wheels here (benchmarks/zoo/torchvision_shim.py)."""
    from benchmarks.zoo import torchvision_shim
    torchvision_shim.install()


def randomise_batch_norms(module: torch.nn.Module) -> torch.nn.Module:
    """Running statistics and affine parameters away from the identity (every norm different, so a wrong fold
    shows and no exporter can share two norms of one input); the module in eval mode."""
    for norm in [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]:
        norm.running_mean.uniform_(-1, 1)
        norm.running_var.uniform_(0.5, 2.0)
        norm.weight.data.uniform_(0.5, 1.5)
        norm.bias.data.uniform_(-0.5, 0.5)
    return module.eval()


def run_passes(model: onnx.ModelProto, passes) -> tuple[onnx.ModelProto, list[bool]]:
    """The model after `passes`, and whether each one changed it."""
    ir_model = ir.serde.deserialize_model(model)
    modified = []
    for graph_pass in passes:
        result = graph_pass(ir_model)
        ir_model = result.model
        modified.append(result.modified)
    return ir.serde.serialize_model(ir_model), modified


class ShuffleUnits(torch.nn.Module):
    """A stem conv, then stride-1 units of torchvision's ShuffleNetV2: chunk, 1x1 conv + ReLU, depthwise 3x3,
    1x1 conv + ReLU on one half, concat, channel shuffle with sizes read from the tensor (`channels // groups`,
    traced as Div and Cast), as torchvision writes it."""

    def __init__(self, channels: int = 8, units: int = 2):
        super().__init__()
        half = channels // 2
        self.stem = torch.nn.Conv2d(channels, channels, 1)
        self.branches = torch.nn.ModuleList(torch.nn.Sequential(
            torch.nn.Conv2d(half, half, 1), torch.nn.ReLU(), torch.nn.Conv2d(half, half, 3, padding=1, groups=half),
            torch.nn.Conv2d(half, half, 1), torch.nn.ReLU()) for _ in range(units))

    def forward(self, x):
        x = torch.relu(self.stem(x))
        for branch in self.branches:
            kept, changed = x.chunk(2, dim=1)
            x = torch.cat((kept, branch(changed)), dim=1)
            batch, channels, height, width = x.size()
            x = x.view(batch, 2, channels // 2, height, width).transpose(1, 2).contiguous()
            x = x.view(batch, -1, height, width)
        return x
