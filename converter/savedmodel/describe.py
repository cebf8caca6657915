"""Read saved_model.pb (the one parser of it in the TensorFlow process) and print a SavedModel's
signatures the way `saved_model_cli show --all` does.

(converter/serving/load_child.py parses it too, with TF's protos loaded without TensorFlow's Python
layer: that child must not import this package, whose __init__ imports TensorFlow.)
"""
from __future__ import annotations

from pathlib import Path

from tensorflow.core.framework import types_pb2
from tensorflow.core.protobuf import saved_model_pb2


def read_saved_model(saved_model_dir: Path) -> saved_model_pb2.SavedModel:
    return saved_model_pb2.SavedModel.FromString((Path(saved_model_dir) / "saved_model.pb").read_bytes())


def meta_graph_with_tag(saved_model_dir: Path, tag: str = "serve"):
    """The first MetaGraphDef carrying `tag`; KeyError when none does."""
    for meta_graph in read_saved_model(saved_model_dir).meta_graphs:
        if tag in meta_graph.meta_info_def.tags:
            return meta_graph
    raise KeyError(f"no MetaGraph with tag {tag!r} in {saved_model_dir}")


def read_signature_defs(saved_model_dir: Path, tag: str = "serve") -> dict:
    return dict(meta_graph_with_tag(saved_model_dir, tag).signature_def)


def describe_signatures(saved_model_dir: Path, tag: str = "serve") -> str:
    return signature_lines(read_signature_defs(saved_model_dir, tag))


def signature_lines(signature_defs) -> str:
    """`saved_model_cli show --all`'s text for a MetaGraphDef's signature_def map."""
    lines = []
    for name, signature in sorted(signature_defs.items()):
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
