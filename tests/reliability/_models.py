"""Small models for the reliability tests and the >2 GB benchmark (importable as --model-class)."""
from __future__ import annotations

import torch
from torch import nn


class LinearStack(nn.Module):
    """`depth` square Linear layers with ReLU between them: width*width*4 bytes of weights per layer."""

    def __init__(self, width: int = 64, depth: int = 3):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index < len(self.layers) - 1:
                x = torch.relu(x)
        return x


class NonFinite(nn.Module):
    """log of its input: NaN/-Inf for the non-positive values a random verification input contains."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(x)
