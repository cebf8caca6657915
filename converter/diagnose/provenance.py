"""Which PyTorch module (and source line) an ONNX node came from, as the exporters recorded it."""
from __future__ import annotations

import ast
import re

import onnx


def torch_module_of(node: onnx.NodeProto) -> str:
    """`layer1.0.conv1 (torch.nn.modules.conv.Conv2d)` from the dynamo exporter's metadata, or the
    module path encoded in a TorchScript-exporter node name (`/layer1/conv1/Conv`); "" when unknown."""
    meta = {p.key: p.value for p in node.metadata_props}
    scopes = _literal_list(meta.get("pkg.torch.onnx.name_scopes"))
    classes = _literal_list(meta.get("pkg.torch.onnx.class_hierarchy"))
    if scopes:
        path = [s for s in scopes[:-1] if s]
        owner = classes[-2] if len(classes) >= 2 else (classes[-1] if classes else "")
        label = ".".join(path) or "<top level>"
        return f"{label} ({owner})" if owner else label
    if node.name.startswith("/") and node.name.count("/") >= 2:
        return ".".join(part for part in node.name.strip("/").split("/")[:-1])
    return ""


def source_line_of(node: onnx.NodeProto) -> str:
    """The innermost `File "...", line N` of the recorded stack trace, or ""."""
    meta = {p.key: p.value for p in node.metadata_props}
    frames = re.findall(r'File "([^"]+)", line (\d+)', meta.get("pkg.torch.onnx.stack_trace", ""))
    return f"{frames[-1][0]}:{frames[-1][1]}" if frames else ""


def _literal_list(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []
