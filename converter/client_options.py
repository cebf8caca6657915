"""Options of the signatures TF Serving clients call directly (issue 21): encoded images in, labelled
top-k out, the Classify / Regress APIs. Frozen and JSON-able: the translate child receives them."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from converter.errors import BadInputError

RESIZE_MODES = ("bilinear", "bicubic", "nearest")
SCORE_MODES = ("softmax", "sigmoid", "raw")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Signature names and keys (docs/serving.md shows each with curl).
IMAGE_SIGNATURE = "predict_image_bytes"
TOP_K_SIGNATURE = "predict_top_k"
CLASSIFY_SIGNATURE = "classify"
REGRESS_SIGNATURE = "regress"
IMAGE_BYTES_KEY = "image_bytes"
EXAMPLE_IMAGE_FEATURE = "image/encoded"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"


@dataclass(frozen=True)
class ImagePreprocess:
    """torchvision-style preprocessing: Resize -> CenterCrop -> to float (x * scale) -> Normalize.

    resize: (S,) resizes the shorter side to S (torchvision Resize(S)), (H, W) to that size, () none.
    scale: (numerator, denominator): x * num / den; torchvision's ToDtype(scale=True) is (1, 255).
    """

    resize: tuple[int, ...] = ()
    resize_mode: str = "bilinear"
    crop: tuple[int, int] | None = None
    scale: tuple[float, float] = (1.0, 255.0)
    mean: tuple[float, ...] = (0.0, 0.0, 0.0)
    std: tuple[float, ...] = (1.0, 1.0, 1.0)
    channels: str = "rgb"

    def __post_init__(self):
        if self.resize_mode not in RESIZE_MODES:
            raise BadInputError(f"--resize-mode {self.resize_mode!r}: choose one of {', '.join(RESIZE_MODES)}")
        if self.channels not in ("rgb", "bgr"):
            raise BadInputError(f"--channels {self.channels!r}: choose rgb or bgr")
        if len(self.resize) not in (0, 1, 2) or any(d < 1 for d in self.resize):
            raise BadInputError(f"--resize {self.resize}: give S (shorter side) or H,W with positive integers")
        if len(self.mean) != 3 or len(self.std) != 3 or any(s == 0 for s in self.std):
            raise BadInputError(f"--mean {self.mean} / --std {self.std}: give three values each, std non-zero")
        if self.crop is None and len(self.resize) != 2:
            raise BadInputError("--image-input: the images need one output size to form a batch; give --crop "
                                "center:H,W or --resize H,W (or --preprocess imagenet)")

    @property
    def output_size(self) -> tuple[int, int]:
        return tuple(self.crop) if self.crop is not None else tuple(self.resize)

    @classmethod
    def imagenet(cls) -> ImagePreprocess:
        """torchvision's ImageClassification preset (weights.transforms() of the classification models)."""
        return cls((256,), "bilinear", (224, 224), (1.0, 255.0), IMAGENET_MEAN, IMAGENET_STD, "rgb")

    @classmethod
    def from_dict(cls, data: dict) -> ImagePreprocess:
        return cls(tuple(data["resize"]), data["resize_mode"], tuple(data["crop"]) if data["crop"] else None,
                   tuple(data["scale"]), tuple(data["mean"]), tuple(data["std"]), data["channels"])


@dataclass(frozen=True)
class ClientSignatureOptions:
    image_input: str | None = None            # model input the encoded images feed
    preprocess: ImagePreprocess | None = None
    labels: tuple[str, ...] = ()
    top_k: int = 5
    scores: str = "softmax"
    classify: bool = False                    # classify (or regress, for a single-value output) signature
    label_output: str | None = None           # model output the labels index (default: the first)
    image_atol: float = 5e-2                  # image path vs PyTorch on torchvision-preprocessed images

    def __post_init__(self):
        if self.scores not in SCORE_MODES:
            raise BadInputError(f"--scores {self.scores!r}: choose one of {', '.join(SCORE_MODES)}")
        if self.top_k < 1:
            raise BadInputError(f"--top-k {self.top_k}: must be at least 1")
        if self.image_input and self.preprocess is None:
            raise BadInputError("--image-input needs a preprocessing: --preprocess imagenet, or --resize/--crop")

    @property
    def enabled(self) -> bool:
        return bool(self.image_input or self.labels or self.classify)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> ClientSignatureOptions:
        if not data:
            return cls()
        pre = data.get("preprocess")
        return cls(data.get("image_input"), ImagePreprocess.from_dict(pre) if pre else None,
                   tuple(data.get("labels", ())), data.get("top_k", 5), data.get("scores", "softmax"),
                   data.get("classify", False), data.get("label_output"), data.get("image_atol", 5e-2))


def parse_scale(text: str) -> tuple[float, float]:
    """`1/255` -> (1, 255) (divides, as torchvision does); `0.5` -> (0.5, 1)."""
    match = re.fullmatch(r"\s*([0-9.eE+-]+)\s*(?:/\s*([0-9.eE+-]+))?\s*", text)
    try:
        num, den = float(match.group(1)), float(match.group(2) or 1)
    except (AttributeError, ValueError):
        raise BadInputError(f"--scale {text!r}: give a number or a fraction such as 1/255") from None
    if den == 0:
        raise BadInputError(f"--scale {text!r}: the denominator is zero")
    return num, den


def parse_floats(text: str, flag: str, count: int = 3) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise BadInputError(f"{flag} {text!r}: give {count} numbers separated by commas") from None
    if len(values) != count:
        raise BadInputError(f"{flag} {text!r}: give {count} numbers separated by commas, e.g. 0.485,0.456,0.406")
    return values


def parse_size(text: str, flag: str) -> tuple[int, ...]:
    if not re.fullmatch(r"\d+(,\d+)?", text.strip()):
        raise BadInputError(f"{flag} {text!r}: give S or H,W, e.g. 256 or 224,224")
    return tuple(int(v) for v in text.split(","))


def parse_crop(text: str) -> tuple[int, int]:
    mode, _, size = text.partition(":")
    if mode != "center" or not re.fullmatch(r"\d+(,\d+)?", size):
        raise BadInputError(f"--crop {text!r}: give center:H,W (or center:S), e.g. center:224,224")
    dims = tuple(int(v) for v in size.split(","))
    return (dims[0], dims[0]) if len(dims) == 1 else dims
