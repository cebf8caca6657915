"""All options of one conversion, in one frozen dataclass built by converter/cli/convert.py (also for the API)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from converter.errors import BadInputError
from converter.client_options import ClientSignatureOptions

INPUT_DTYPES = {
    "float32": np.float32, "float16": np.float16, "float64": np.float64,
    "int64": np.int64, "int32": np.int32, "bool": np.bool_,
}
CHECKPOINT_FORMATS = ("auto", "state_dict", "pickled_module", "torchscript", "exported_program",
                      "torch_package", "onnx")


@dataclass(frozen=True)
class InputSpec:
    """One model input: name, dtype and the example shape used for export (dim 0 becomes the batch)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    low: int = 0    # integer inputs take values in [low, high)
    high: int = 2

    @classmethod
    def parse(cls, text: str) -> "InputSpec":
        """Parse `name:dtype:1x3x224x224`."""
        parts = text.split(":")
        if len(parts) != 3:
            raise BadInputError(f"--input {text!r}: expected name:dtype:shape, e.g. input_img:float32:1x3x224x224")
        name, dtype, shape_text = parts
        if dtype not in INPUT_DTYPES:
            raise BadInputError(f"--input {text!r}: dtype {dtype!r} is not one of {', '.join(INPUT_DTYPES)}")
        if not re.fullmatch(r"\d+(x\d+)*", shape_text):
            raise BadInputError(f"--input {text!r}: shape must be dims joined by 'x', e.g. 1x3x224x224")
        shape = tuple(int(d) for d in shape_text.split("x"))
        if not name:
            raise BadInputError(f"--input {text!r}: the input needs a name")
        return cls(name, dtype, shape)

    @property
    def np_dtype(self):
        return INPUT_DTYPES[self.dtype]

    def with_range(self, low: int, high: int) -> "InputSpec":
        if high <= low:
            raise BadInputError(f"--input-range for {self.name}: high ({high}) must be greater than low ({low})")
        return InputSpec(self.name, self.dtype, self.shape, low, high)


@dataclass(frozen=True)
class ConversionConfig:
    checkpoint: Path
    name: str
    inputs: tuple[InputSpec, ...] = ()
    outputs: tuple[str, ...] = ()
    checkpoint_format: str = "auto"
    model_class: str | None = None           # "module:Class"
    model_kwargs: dict = field(default_factory=dict)
    model_path: Path = Path(".")
    trust_checkpoint: bool = False
    package_resource: str | None = None      # "package/resource.pkl" inside a torch.package archive
    signature: str = "serving_default"
    serving_root: Path = Path("serving_models")
    version: int | None = None
    force: bool = False
    dynamic_axes: tuple[tuple[str, int, str], ...] = ()   # (input or output name, axis, symbol)
    opset: int = 18
    exporter: str = "auto"                   # auto | dynamo | torchscript
    atol: float = 1e-4
    rtol: float = 1e-3
    explicit_tolerance: bool = False         # the user set atol/rtol: strict, no noise-floor allowance
    verify_batch_sizes: tuple[int, ...] = (1, 3, 8)
    seed: int = 0
    variable_threshold_bytes: int = 1024     # initializers at least this big become tf.Variables
    backend: str = "native"                  # native | onnx-tf
    io_layout: str = "nchw"                  # nchw | nhwc (signature layout of 4D/5D image inputs)
    optimize_layout: bool = True             # run the NHWC layout pass
    batch_split: str = "off"                 # off | auto | N slices, opt-in (converter/savedmodel/batch_split.py)
    warmup_batch_sizes: tuple[int, ...] = (1, 8)
    batching: bool = False
    version_policy: str = "latest:1"         # TF Serving version policy: latest:N | all | specific:1,2
    version_labels: tuple[tuple[str, int], ...] = ()   # e.g. (("stable", 1), ("canary", 2))
    serving_version: str | None = None       # warn about ops newer than this TF Serving version
    diagnose: bool = False
    work_dir: Path | None = None             # where intermediate files go; default: a temp folder
    client: ClientSignatureOptions = field(default_factory=ClientSignatureOptions)  # image bytes, top-k, classify
    batching_auto: bool = False              # --batching auto: parameters from measured latency
    latency_budget_ms: float | None = None   # --latency-budget-ms for --batching auto

    def __post_init__(self):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", self.name):
            raise BadInputError(f"--name {self.name!r}: use letters, digits, '_', '.', '-' (it becomes a folder and a TF Serving model name)")
        if self.checkpoint_format not in CHECKPOINT_FORMATS:
            raise BadInputError(f"--format {self.checkpoint_format!r}: choose one of {', '.join(CHECKPOINT_FORMATS)}")
        if self.version is not None and self.version <= 0:
            raise BadInputError(f"--version {self.version}: TF Serving versions are positive integers")
        if not (self.batch_split in ("auto", "off") or (self.batch_split.isdigit() and int(self.batch_split) >= 1)):
            raise BadInputError(f"--batch-split {self.batch_split!r}: use auto, off, or a number of slices such as 2")
