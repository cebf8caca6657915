"""Small, fast example models written for this project (all TorchScript-scriptable).

`EXAMPLES` describes how to call each one (input specs in `--input` syntax, output names,
integer input ranges), so the demo, the tests and `make_checkpoints.py` agree.
"""
# No `from __future__ import annotations`: dataclasses then break inside torch.package archives.

import math
from dataclasses import dataclass, field
from typing import Dict, Tuple

import torch
from torch import nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    """conv-bn-relu-conv-bn plus a (possibly projected) shortcut, then ReLU."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class TinyResNet(nn.Module):
    """ResNet-style CNN for 3x32x32 images: stem, MaxPool, 3 residual blocks, AvgPool, Linear."""

    def __init__(self, num_classes: int = 10, width: int = 16):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU())
        self.pool = nn.MaxPool2d(2)                               # 32 -> 16
        self.layer1 = BasicBlock(width, width)
        self.layer2 = BasicBlock(width, 2 * width, stride=2)      # 16 -> 8
        self.layer3 = BasicBlock(2 * width, 4 * width, stride=2)  # 8 -> 4
        self.avgpool = nn.AvgPool2d(2)                            # 4 -> 2
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.stem(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.gap(self.avgpool(x))
        return self.fc(torch.flatten(x, 1))


class EncoderLayer(nn.Module):
    """Pre-norm transformer layer with hand-written multi-head attention."""

    def __init__(self, dim: int, heads: int, ff: int):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ff1 = nn.Linear(dim, ff)
        self.ff2 = nn.Linear(ff, dim)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        batch, seq, dim = x.shape[0], x.shape[1], x.shape[2]
        qkv = self.qkv(self.norm1(x)).reshape(batch, seq, 3, self.heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)            # each (batch, heads, seq, head_dim)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        # keep: (batch, seq) bool; masked keys get a large negative score (not -inf: no NaN rows)
        scores = scores.masked_fill(~keep[:, None, None, :], -1e9)
        attn = torch.matmul(torch.softmax(scores, dim=-1), v)
        x = x + self.proj(attn.transpose(1, 2).reshape(batch, seq, dim))
        return x + self.ff2(F.gelu(self.ff1(self.norm2(x))))


class TinyTransformerEncoder(nn.Module):
    """Token ids (int64) + attention mask (bool or int64, 1 = real token) -> class logits."""

    def __init__(self, vocab_size: int = 100, dim: int = 32, heads: int = 4, layers: int = 2,
                 max_len: int = 16, num_classes: int = 4):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.randn(1, max_len, dim) * 0.02)
        self.layers = nn.ModuleList([EncoderLayer(dim, heads, 2 * dim) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        keep = attention_mask.to(torch.bool)
        x = self.embed(input_ids) + self.pos[:, :input_ids.shape[1]]
        for layer in self.layers:
            x = layer(x, keep)
        weights = keep.to(x.dtype).unsqueeze(-1)
        pooled = (self.norm(x) * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.head(pooled)


class TwoInTwoOut(nn.Module):
    """Two inputs (B,8) and (B,4), two outputs returned as a tuple (scores, features)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 6)
        self.b = nn.Linear(4, 6)
        self.head = nn.Linear(6, 2)

    def features(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.a(x)) * torch.sigmoid(self.b(y))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        mixed = self.features(x, y)
        return self.head(mixed), mixed


class TwoInTwoOutDict(TwoInTwoOut):
    """Same weights and maths as TwoInTwoOut, outputs returned as a dict {scores, features}."""

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> Dict[str, torch.Tensor]:  # type: ignore[override]
        mixed = self.features(x, y)
        return {"scores": self.head(mixed), "features": mixed}


class SequenceClassifierLSTM(nn.Module):
    """Float sequences (B, T, 8), batch_first 2-layer LSTM, last step -> 3 class logits."""

    def __init__(self, features: int = 8, hidden: int = 16, num_classes: int = 3, layers: int = 2):
        super().__init__()
        self.rnn = nn.LSTM(features, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class SequenceClassifierGRU(nn.Module):
    """Float sequences (B, T, 8), batch_first GRU, last step -> 3 class logits."""

    def __init__(self, features: int = 8, hidden: int = 16, num_classes: int = 3):
        super().__init__()
        self.rnn = nn.GRU(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


@dataclass(frozen=True)
class ExampleSpec:
    """How to call an example model: `--input` specs, output names, `--input-range` per input."""

    model_class: str                       # "examples.models:Class" for --model-class
    inputs: Tuple[str, ...]                # name:dtype:shape
    outputs: Tuple[str, ...]
    input_ranges: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    model_kwargs: Dict[str, object] = field(default_factory=dict)


EXAMPLES: Dict[str, ExampleSpec] = {
    "TinyResNet": ExampleSpec("examples.models:TinyResNet", ("input_img:float32:1x3x32x32",),
                              ("confidences",)),
    "TinyTransformerEncoder": ExampleSpec(
        "examples.models:TinyTransformerEncoder",
        ("input_ids:int64:2x16", "attention_mask:int64:2x16"), ("logits",),
        input_ranges={"input_ids": (0, 100), "attention_mask": (0, 2)}),
    "TwoInTwoOut": ExampleSpec("examples.models:TwoInTwoOut", ("x:float32:2x8", "y:float32:2x4"),
                               ("scores", "features")),
    "TwoInTwoOutDict": ExampleSpec("examples.models:TwoInTwoOutDict",
                                   ("x:float32:2x8", "y:float32:2x4"), ("scores", "features")),
    "SequenceClassifierLSTM": ExampleSpec("examples.models:SequenceClassifierLSTM",
                                          ("sequence:float32:2x12x8",), ("logits",)),
    "SequenceClassifierGRU": ExampleSpec("examples.models:SequenceClassifierGRU",
                                         ("sequence:float32:2x12x8",), ("logits",)),
}


def build(name: str, seed: int = 0) -> nn.Module:
    """A seeded, eval-mode instance of example `name` (BatchNorm statistics made non-trivial)."""
    torch.manual_seed(seed)
    model = globals()[name](**EXAMPLES[name].model_kwargs)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):      # non-default stats so a wrong BN shows in parity
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    return model.eval()
