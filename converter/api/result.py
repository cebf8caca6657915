"""What convert() returns: the published version, its signatures as TF Serving sees them, parity, report."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from converter.verify.compare import ParityReport


@dataclass(frozen=True)
class TensorInfo:
    key: str
    dtype: str                         # TF dtype name: float32, int64, string, ...
    shape: tuple[int, ...] | None      # -1 for a dynamic dim (the batch); None for an unknown rank


@dataclass(frozen=True)
class Signature:
    name: str
    method_name: str                   # tensorflow/serving/predict (classify, regress for client signatures)
    inputs: dict[str, TensorInfo]
    outputs: dict[str, TensorInfo]


@dataclass(frozen=True)
class ConversionResult:
    version: int
    version_dir: Path                  # serving_root/name/version: the verified, published SavedModel
    signatures: dict[str, Signature]   # read back from the published saved_model.pb
    parity: ParityReport               # str(parity): the table; parity.rows: one OutputDiff per compared output
    report: dict = field(repr=False)   # what assets.extra/conversion_report.json holds

    @property
    def report_path(self) -> Path:
        return self.version_dir / "assets.extra" / "conversion_report.json"

    def __str__(self) -> str:
        lines = [f"published {self.version_dir} (version {self.version})"]
        for signature in self.signatures.values():
            lines.append(f"  {signature.name}: {_listed(signature.inputs)} -> {_listed(signature.outputs)}")
        return "\n".join([*lines, "", str(self.parity)])


def _listed(tensors: dict[str, TensorInfo]) -> str:
    return ", ".join(f"{key} {info.dtype}{list(info.shape) if info.shape is not None else '[?]'}"
                     for key, info in tensors.items())


def read_signatures(version_dir: Path) -> dict[str, Signature]:
    """The serving signatures of a SavedModel folder (TF's init-op entries left out)."""
    import tensorflow as tf

    from converter.savedmodel.describe import read_signature_defs

    def tensors(infos) -> dict[str, TensorInfo]:
        return {key: TensorInfo(key, tf.dtypes.as_dtype(info.dtype).name,
                                None if info.tensor_shape.unknown_rank
                                else tuple(d.size for d in info.tensor_shape.dim))
                for key, info in sorted(infos.items())}

    return {name: Signature(name, definition.method_name, tensors(definition.inputs), tensors(definition.outputs))
            for name, definition in sorted(read_signature_defs(version_dir).items()) if not name.startswith("__")}
