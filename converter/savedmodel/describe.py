"""Print a SavedModel's signatures the way `saved_model_cli show --all` does."""
from __future__ import annotations

from pathlib import Path

from tensorflow.core.framework import types_pb2
from tensorflow.core.protobuf import saved_model_pb2


def read_signature_defs(saved_model_dir: Path, tag: str = "serve") -> dict:
    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString((Path(saved_model_dir) / "saved_model.pb").read_bytes())
    for meta_graph in saved_model.meta_graphs:
        if tag in meta_graph.meta_info_def.tags:
            return dict(meta_graph.signature_def)
    raise KeyError(f"no MetaGraph with tag {tag!r} in {saved_model_dir}")


def describe_signatures(saved_model_dir: Path, tag: str = "serve") -> str:
    lines = []
    for name, signature in sorted(read_signature_defs(saved_model_dir, tag).items()):
        if name.startswith("__"):
            continue
        lines.append(f"signature_def['{name}']:")
        for direction, tensors in (("input", signature.inputs), ("output", signature.outputs)):
            lines.append(f"  The given SavedModel SignatureDef contains the following {direction}(s):")
            for key, info in sorted(tensors.items()):
                dims = [d.size for d in info.tensor_shape.dim]
                shape = "unknown_rank" if info.tensor_shape.unknown_rank else f"({', '.join(map(str, dims))}{',' if len(dims) == 1 else ''})"
                lines += [f"    {direction}s['{key}'] tensor_info:",
                          f"        dtype: {types_pb2.DataType.Name(info.dtype)}",
                          f"        shape: {shape}",
                          f"        name: {info.name}"]
        lines.append(f"  Method name is: {signature.method_name}")
    return "\n".join(lines)
