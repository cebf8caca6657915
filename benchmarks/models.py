"""Models the benchmark converts, built here with random weights (torchvision is not a dependency):
a ResNet-50-sized CNN and a BERT-base-sized encoder, plus `--quick` miniatures of both.

Each `BenchModel` says how scripts/convert.py calls it (--model-class, --input, --output, ranges).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1):
        super().__init__()
        out_ch = width * self.expansion
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.down = None
        if stride != 1 or in_ch != out_ch:
            self.down = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False), nn.BatchNorm2d(out_ch))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


class ResNet50(nn.Module):
    """torchvision's ResNet-50 layout (7x7 stem, 3x3 max pool, bottlenecks [3, 4, 6, 3], 1000 classes)."""

    def __init__(self, blocks=(3, 4, 6, 3), base: int = 64, num_classes: int = 1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, base, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(base),
                                  nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1))
        layers, in_ch = [], base
        for stage, count in enumerate(blocks):
            width = base * 2 ** stage
            for index in range(count):
                layers.append(Bottleneck(in_ch, width, stride=2 if index == 0 and stage > 0 else 1))
                in_ch = width * Bottleneck.expansion
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(in_ch, num_classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class BertBaseEncoder(nn.Module):
    """Token embedding + learned positions + nn.TransformerEncoder (BERT-base: 12 x d768, 12 heads,
    ff 3072, GELU) + tanh pooler over the first token."""

    def __init__(self, vocab: int = 30522, d_model: int = 768, heads: int = 12, ff: int = 3072,
                 layers: int = 12, max_len: int = 512):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.0, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.pooler = nn.Linear(d_model, d_model)

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        hidden = self.norm(self.tokens(input_ids) + self.positions(positions))
        hidden = self.encoder(hidden)
        return torch.tanh(self.pooler(hidden[:, 0]))


@dataclass(frozen=True)
class BenchModel:
    name: str
    model_class: str                   # module:Class for --model-class
    inputs: tuple[str, ...]            # name:dtype:shape with batch 1
    outputs: tuple[str, ...]
    input_ranges: dict = field(default_factory=dict)
    model_kwargs: dict = field(default_factory=dict)
    kind: str = "cnn"                  # cnn | encoder | other: which target applies


FULL_MODELS = [
    BenchModel("resnet50", "benchmarks.models:ResNet50", ("image:float32:1x3x224x224",), ("logits",)),
    BenchModel("bert_base_encoder", "benchmarks.models:BertBaseEncoder", ("input_ids:int64:1x128",), ("pooled",),
               {"input_ids": (0, 30522)}, kind="encoder"),
]

QUICK_MODELS = [
    BenchModel("resnet_mini", "benchmarks.models:ResNet50", ("image:float32:1x3x64x64",), ("logits",),
               model_kwargs={"blocks": [1, 1, 1, 1], "base": 8, "num_classes": 10}),
    BenchModel("encoder_mini", "benchmarks.models:BertBaseEncoder", ("input_ids:int64:1x16",), ("pooled",),
               {"input_ids": (0, 100)}, {"vocab": 100, "d_model": 32, "heads": 2, "ff": 64, "layers": 2,
                                         "max_len": 32}, kind="encoder"),
]


def example_models(quick: bool) -> list[BenchModel]:
    """The project's examples (examples/models.py), when that module is present."""
    try:
        from examples.models import EXAMPLES
    except ImportError:
        return []
    names = ["TinyResNet"] if quick else list(EXAMPLES)
    kinds = {"TinyResNet": "cnn", "TinyTransformerEncoder": "encoder"}
    return [BenchModel(f"example_{name}", spec.model_class, tuple(spec.inputs), tuple(spec.outputs),
                       dict(spec.input_ranges), dict(spec.model_kwargs), kinds.get(name, "other"))
            for name, spec in EXAMPLES.items() if name in names]


def build(model: BenchModel, seed: int = 0) -> nn.Module:
    """A seeded eval-mode instance with non-trivial BatchNorm statistics."""
    module_name, class_name = model.model_class.split(":")
    module = __import__(module_name, fromlist=[class_name])
    torch.manual_seed(seed)
    instance = getattr(module, class_name)(**model.model_kwargs)
    for sub in instance.modules():
        if isinstance(sub, nn.BatchNorm2d):
            sub.running_mean.uniform_(-0.5, 0.5)
            sub.running_var.uniform_(0.5, 1.5)
    return instance.eval()
