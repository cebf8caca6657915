"""When parity fails, say where: per-node divergence between ONNX Runtime and our TF translation."""
from converter.diagnose.localise import Diagnosis, NodeDiff, localise_divergence, write_diagnosis

__all__ = ["Diagnosis", "NodeDiff", "localise_divergence", "write_diagnosis"]
