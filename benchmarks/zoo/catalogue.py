"""The zoo's models: which architecture, in which checkpoint format, with which CLI inputs and outputs.

Every model is exported at batch 2 (the verification compares batches 1, 3 and 8, none of them the export
batch). `fast` marks the subset the tests run; `keras` names the `keras.applications` twin, if any."""
from __future__ import annotations

from dataclasses import dataclass, field

EXPORT_BATCH = 2
FORMATS = ("trace", "pt2", "onnx", "state_dict")


@dataclass(frozen=True)
class ZooModel:
    name: str
    library: str                      # torchvision | timm | transformers
    arch: str                         # key into benchmarks.zoo.architectures
    format: str                       # one of FORMATS
    inputs: tuple[str, ...]           # NAME:DTYPE:SHAPE at the export batch, as --input takes them
    outputs: tuple[str, ...]
    family: str = ""
    input_ranges: dict = field(default_factory=dict)      # integer inputs: name -> (low, high)
    keras: str | None = None          # keras.applications class with the same architecture
    fast: bool = False

    def cli_args(self) -> list[str]:
        """The flags a user would pass for this model, beyond --checkpoint/--name/--serving-root."""
        args = []
        for spec in self.inputs:
            args += ["--input", spec]
        for name, (low, high) in self.input_ranges.items():
            args += ["--input-range", f"{name}:{low}:{high}"]
        for name in self.outputs:
            args += ["--output", name]
        return args


def _image(size: int = 224, name: str = "pixel_values") -> tuple[str, ...]:
    return (f"{name}:float32:{EXPORT_BATCH}x3x{size}x{size}",)


def _tv(name, fmt, family, size=224, keras=None, outputs=("logits",), fast=False, arch=None):
    return ZooModel(name, "torchvision", arch or f"torchvision:{name}", fmt, _image(size), outputs, family,
                    keras=keras, fast=fast)


def _timm(name, fmt, family, size=224, fast=False):
    return ZooModel(name, "timm", f"timm:{name}", fmt, _image(size), ("logits",), family, fast=fast)


def _text(name, fmt, family, vocab, outputs=("logits",), mask=True, seq=16, extra=(), fast=False):
    inputs = [f"input_ids:int64:{EXPORT_BATCH}x{seq}"] + ([f"attention_mask:int64:{EXPORT_BATCH}x{seq}"] if mask else [])
    ranges = {"input_ids": (0, vocab)}
    if mask:
        ranges["attention_mask"] = (1, 2)     # all ones: a fully masked row is undefined in every runtime
    for spec, low_high in extra:
        inputs.append(spec)
        ranges[spec.split(":")[0]] = low_high
    return ZooModel(name, "transformers", f"hf:{name}", fmt, tuple(inputs), tuple(outputs), family,
                    input_ranges=ranges, fast=fast)


VOCAB = 1000          # every small transformers config uses this vocabulary size

MODELS: tuple[ZooModel, ...] = (
    # torchvision classification (real depth, random weights, calibrated BatchNorm)
    _tv("resnet50", "trace", "residual CNN", keras="ResNet50"),
    _tv("resnet18", "state_dict", "residual CNN"),
    _tv("densenet121", "pt2", "dense CNN", keras="DenseNet121"),
    _tv("inception_v3", "trace", "inception", size=299, keras="InceptionV3"),
    _tv("googlenet", "pt2", "inception"),
    _tv("efficientnet_b0", "trace", "depthwise CNN (SE)", keras="EfficientNetB0"),
    _tv("regnet_y_400mf", "onnx", "grouped CNN (SE)"),
    _tv("convnext_tiny", "state_dict", "modern CNN", keras="ConvNeXtTiny"),
    _tv("vit_b_16", "pt2", "vision transformer"),
    _tv("swin_t", "trace", "window attention"),
    _tv("maxvit_t", "onnx", "hybrid attention"),
    _tv("shufflenet_v2_x1_0", "trace", "channel shuffle"),
    _tv("mnasnet0_5", "state_dict", "depthwise CNN"),
    _tv("mobilenet_v2", "pt2", "depthwise CNN", keras="MobileNetV2"),
    _tv("mobilenet_v3_small", "trace", "depthwise CNN (SE, hardswish)", keras="MobileNetV3Small", fast=True),
    _tv("mobilenet_v3_large", "onnx", "depthwise CNN (SE, hardswish)", keras="MobileNetV3Large"),
    # torchvision segmentation and video
    _tv("deeplabv3_mobilenet_v3_large", "pt2", "segmentation (ASPP)", outputs=("out",)),
    _tv("lraspp_mobilenet_v3_large", "trace", "segmentation", outputs=("out",)),
    _tv("fcn_resnet50", "onnx", "segmentation", outputs=("out",)),
    ZooModel("r3d_18", "torchvision", "torchvision:r3d_18", "state_dict", (f"video:float32:{EXPORT_BATCH}x3x8x112x112",),
             ("logits",), "video (3-D CNN)"),
    # timm families torchvision does not have
    _timm("coatnet_0_rw_224", "pt2", "hybrid conv/attention"),
    _timm("efficientformerv2_s0", "trace", "hybrid conv/attention"),
    _timm("mobilevit_xxs", "onnx", "hybrid conv/attention", size=256),
    _timm("levit_128s", "state_dict", "attention with BatchNorm"),
    _timm("mixer_s16_224", "trace", "MLP-only"),
    _timm("resmlp_12_224", "state_dict", "MLP-only (affine norm)"),
    _timm("poolformer_s12", "pt2", "pooling-only token mixer", fast=True),
    _timm("repvgg_a0", "trace", "re-parameterised"),
    _timm("mobileone_s0", "onnx", "re-parameterised"),
    _timm("hrnet_w18_small", "pt2", "multi-resolution"),
    _timm("ghostnet_100", "trace", "ghost modules"),
    _timm("cspresnet50", "state_dict", "cross-stage partial"),
    _timm("fastvit_t8", "pt2", "re-parameterised hybrid"),
    _timm("edgenext_xx_small", "onnx", "hybrid (transposed attention)"),
    # transformers (small configs, random weights)
    _text("bert", "onnx", "encoder, absolute positions", VOCAB, fast=True),
    _text("deberta_v2", "trace", "encoder, relative positions", VOCAB),
    _text("t5_encoder", "pt2", "T5 encoder (relative bias)", VOCAB, outputs=("last_hidden_state",)),
    _text("sentence_embedding", "pt2", "encoder + mean pooling", VOCAB, outputs=("embedding",)),
    _text("gpt2", "trace", "causal LM, learned positions", VOCAB, mask=False),
    _text("llama", "pt2", "causal LM, rotary + GQA", VOCAB, mask=False, fast=True),
    _text("mistral", "onnx", "causal LM, sliding window", VOCAB, mask=False),
    _text("qwen2", "trace", "causal LM, rotary + GQA + bias", VOCAB, mask=False),
    _text("bart", "trace", "encoder-decoder", VOCAB,
          extra=((f"decoder_input_ids:int64:{EXPORT_BATCH}x8", (0, VOCAB)),)),
    _text("t5", "onnx", "encoder-decoder, relative bias", VOCAB,
          extra=((f"decoder_input_ids:int64:{EXPORT_BATCH}x8", (0, VOCAB)),)),
    ZooModel("hf_vit", "transformers", "hf:hf_vit", "state_dict", _image(64), ("logits",), "vision transformer",
             fast=True),
    ZooModel("wav2vec2", "transformers", "hf:wav2vec2", "onnx", (f"input_values:float32:{EXPORT_BATCH}x4000",),
             ("logits",), "audio from raw waveform"),
    ZooModel("whisper_encoder", "transformers", "hf:whisper_encoder", "pt2",
             (f"input_features:float32:{EXPORT_BATCH}x80x200",), ("logits",), "audio from log-mel features"),
    ZooModel("clip", "transformers", "hf:clip", "trace",
             (f"input_ids:int64:{EXPORT_BATCH}x16", f"attention_mask:int64:{EXPORT_BATCH}x16",
              f"pixel_values:float32:{EXPORT_BATCH}x3x64x64"),
             ("logits_per_image",), "multimodal (text + image)",
             input_ranges={"input_ids": (0, VOCAB), "attention_mask": (1, 2)}),
)

BY_NAME = {m.name: m for m in MODELS}


def select(models: str | None = None, subset: str | None = None) -> list[ZooModel]:
    """`--models a,b` (catalogue names) and/or `--subset fast`; everything when neither is given."""
    chosen = list(MODELS)
    if subset == "fast":
        chosen = [m for m in chosen if m.fast]
    elif subset not in (None, "all"):
        raise ValueError(f"unknown subset {subset!r} (known: fast, all)")
    if models:
        names = [n.strip() for n in models.split(",") if n.strip()]
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            raise ValueError(f"unknown zoo models {unknown}; known: {', '.join(BY_NAME)}")
        chosen = [m for m in chosen if m.name in names]
    return chosen
