"""Input/output names and symbolic dim names of an ONNX graph."""
from __future__ import annotations

import logging

import onnx

from converter.errors import BadInputError

logger = logging.getLogger(__name__)


def graph_input_names(model: onnx.ModelProto) -> list[str]:
    """Real inputs (initializers listed as inputs by old exporters excluded)."""
    initializers = {t.name for t in model.graph.initializer}
    return [i.name for i in model.graph.input if i.name not in initializers]


def _value_infos(graph: onnx.GraphProto):
    return list(graph.input) + list(graph.output) + list(graph.value_info)


def rename_dim_params(model: onnx.ModelProto, wanted: dict[tuple[str, int], str]) -> list[str]:
    """Give symbolic dims the names the user asked for: {(tensor name, axis): symbol}.

    The exporter calls them s0, s43...; a renamed symbol is renamed everywhere it occurs so
    that dims the exporter proved equal stay equal. Returns `tensor[axis]=size` for every
    dim that was static and is now marked symbolic (verification at other sizes must prove it).
    """
    by_name = {vi.name: vi for vi in _value_infos(model.graph)}
    mapping: dict[str, str] = {}
    was_static = []
    for (tensor, axis), symbol in wanted.items():
        info = by_name.get(tensor)
        if info is None or axis >= len(info.type.tensor_type.shape.dim):
            continue
        dim = info.type.tensor_type.shape.dim[axis]
        if dim.HasField("dim_param") and dim.dim_param not in mapping:
            mapping[dim.dim_param] = symbol
        elif not dim.HasField("dim_param"):
            was_static.append(f"{tensor}[{axis}]={dim.dim_value}")
            dim.dim_param = symbol     # the exporter left it static: verification must prove it dynamic
    for info in _value_infos(model.graph):
        for dim in info.type.tensor_type.shape.dim:
            if dim.HasField("dim_param") and dim.dim_param in mapping:
                dim.dim_param = mapping[dim.dim_param]
    return was_static


def _rename_everywhere(graph: onnx.GraphProto, old: str, new: str) -> None:
    for node in graph.node:
        node.input[:] = [new if name == old else name for name in node.input]
        node.output[:] = [new if name == old else name for name in node.output]
        for attr in node.attribute:            # outer-scope names used inside If/Loop bodies
            subgraphs = list(attr.graphs) + ([attr.g] if attr.HasField("g") else [])
            for sub in subgraphs:
                _rename_everywhere(sub, old, new)
    for info in _value_infos(graph):
        if info.name == old:
            info.name = new


def _tensor_names(graph: onnx.GraphProto) -> set[str]:
    names = {t.name for t in graph.initializer} | {vi.name for vi in _value_infos(graph)}
    for node in graph.node:
        names.update(node.output)
    return names


def _fresh_name(name: str, taken: set[str]) -> str:
    index = 1
    while f"{name}__{index}" in taken:
        index += 1
    return f"{name}__{index}"


def rename_tensors(graph: onnx.GraphProto, mapping: dict[str, str]) -> None:
    """Rename tensors old -> new everywhere (graph inputs/outputs, node inputs/outputs, subgraph uses).

    An internal tensor that already carries one of the new names (the dynamo exporter names values
    after their aten op: `embedding`, `linear`...) is renamed out of the way first: a user's name for an
    input or output never fails. Renames go through temporary names, so swaps work."""
    mapping = {old: new for old, new in mapping.items() if old != new}
    if not mapping:
        return
    taken = _tensor_names(graph) | {i.name for i in graph.input} | {o.name for o in graph.output}
    wanted = set(mapping.values())
    for clash in sorted((wanted & taken) - set(mapping)):
        moved = _fresh_name(clash, taken | wanted)
        taken.add(moved)
        _rename_everywhere(graph, clash, moved)
    temporary = {old: _fresh_name(f"__rename_{index}", taken) for index, old in enumerate(mapping)}
    for old, temp in temporary.items():
        _rename_everywhere(graph, old, temp)
    for old, temp in temporary.items():
        _rename_everywhere(graph, temp, mapping[old])


def apply_io_names(model: onnx.ModelProto, inputs: list[str], outputs: list[str], source: str) -> list[str]:
    """Rename graph inputs/outputs positionally to the names asked for; returns notes."""
    notes = []
    current_inputs, current_outputs = graph_input_names(model), [o.name for o in model.graph.output]
    final = list(inputs or current_inputs) + list(outputs or current_outputs)
    repeated = sorted({name for index, name in enumerate(final) if name in final[:index]})
    if repeated:
        raise BadInputError(f"{source}: {', '.join(repeated)} would name more than one input or output; "
                            "each input and output of the model needs its own name")
    for kind, current, asked in (("inputs", current_inputs, inputs), ("outputs", current_outputs, outputs)):
        if not asked or current == list(asked):
            continue
        if len(current) != len(asked):
            flag = "--input" if kind == "inputs" else "--output"
            raise BadInputError(f"{source}: the ONNX graph has {len(current)} {kind} ({', '.join(current)}) "
                                f"but {flag} gives {len(asked)} ({', '.join(asked)})")
        rename_tensors(model.graph, dict(zip(current, asked)))
        notes.append(f"renamed ONNX {kind} {current} to {list(asked)}")
    return notes
