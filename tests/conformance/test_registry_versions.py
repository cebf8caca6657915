"""The floor lookup runs our newest handler for every newer opset, which would hide a semantic change.

For every op of the default domain with at least one handler, each version the installed onnx
defines above our newest handler must be either
- a signature-identical version: same attributes (names, types, defaults, required), same inputs and
  outputs (names, optionality) as the version before it. ONNX bumps versions this way to add types
  (bfloat16, float8, int4...), which the handlers take as they come. Limitation: a change described
  only in prose with an unchanged signature (e.g. negative axes allowed in opset 11) is not caught;
- or listed in REVIEWED below, with why our handler is still right: only after reading the
  changelog (onnx/docs/Changelog.md) and checking the handler covers the new attribute/input.
Ops handled only by function expansion need no entry: expansion picks the body of the model's opset.
"""
from __future__ import annotations

import collections

import onnx
import pytest

from converter.tf_ops import load_default_registry

REVIEWED: dict[tuple[str, int], str] = {
    ("ArgMax", 12): "select_last_index added; the since-1 handler reads it (op_arg_max.py)",
    ("ArgMin", 12): "select_last_index added; the since-1 handler reads it (op_arg_min.py)",
    ("Attention", 24): "nonpad_kv_seqlen input added; handler reads input 6 (op_attention.py)",
    ("Attention", 25): "left/right_window_size added; read in _attention_mask.py",
    ("AveragePool", 7): "count_include_pad added; read by op_average_pool.py",
    ("AveragePool", 10): "ceil_mode added; read by op_average_pool.py",
    ("AveragePool", 19): "dilations added; read by op_average_pool.py",
    ("Cast", 19): "saturate added (float8); read by op_cast.py",
    ("Cast", 24): "round_mode added; it applies only to float8e8m0, which TF cannot hold (op_cast.py docstring)",
    ("CastLike", 19): "saturate added; passed to cast_to by op_cast_like.py",
    ("CastLike", 24): "round_mode added; it applies only to float8e8m0, which TF cannot hold",
    ("Constant", 11): "sparse_value attribute added; read by op_constant.py",
    ("Constant", 12): "value_float/value_int/... attributes added; read by op_constant.py",
    ("DepthToSpace", 11): "mode (DCR/CRD) added; read by op_depth_to_space.py",
    ("GRU", 14): "layout added; handled in _rnn.py",
    ("LSTM", 14): "layout added; handled in _rnn.py",
    ("RNN", 14): "layout added; handled in _rnn.py",
    ("GatherND", 12): "batch_dims added; read by op_gather_nd.py",
    ("Gemm", 7): "legacy broadcast attribute removed (always broadcasts); handler broadcasts",
    ("Gemm", 11): "C became optional; op_gemm.py reads it with node.input(2)",
    ("GlobalLpPool", 2): "p became an int attribute (was float); read by op_global_lp_pool.py",
    ("GridSample", 20): "mode values renamed (linear/cubic) and N-d; op_grid_sample.py handles the names",
    ("LpPool", 2): "p became an int attribute; read by op_lp_pool.py",
    ("LpPool", 18): "ceil_mode and dilations added; read by op_lp_pool.py",
    ("Max", 6): "legacy consumed_inputs attribute removed; it never affected results",
    ("Min", 6): "legacy consumed_inputs attribute removed; it never affected results",
    ("Mean", 6): "legacy consumed_inputs attribute removed; it never affected results",
    ("Sum", 6): "legacy consumed_inputs attribute removed; it never affected results",
    ("MaxPool", 8): "storage_order and the Indices output added; read by op_max_pool.py",
    ("MaxPool", 10): "ceil_mode and dilations added; read by op_max_pool.py",
    ("OptionalHasElement", 18): "input may be a plain tensor/sequence or omitted; handler returns "
                                "whether input 0 is present, covering both (op_optional_has_element.py)",
    ("Pad", 18): "axes input added; op_pad.py reads input 3",
    ("Reshape", 14): "allowzero added; read by op_reshape.py",
    ("Resize", 13): "roi and scales became optional; op_resize.py reads inputs by index with None",
    ("Resize", 18): "antialias, axes, keep_aspect_ratio_policy added; read by op_resize.py",
    ("RoiAlign", 16): "coordinate_transformation_mode added; read by op_roi_align.py",
    ("ScatterElements", 16): "reduction added; read by op_scatter_elements.py",
    ("ScatterND", 16): "reduction added; read by op_scatter_nd.py",
    ("Shape", 15): "start/end added; read by op_shape.py",
    ("SpaceToDepth", 28): "mode (DCR/CRD) added; read by op_space_to_depth.py",
    ("TopK", 11): "largest and sorted added; read by op_top_k.py",
    ("Upsample", 9): "scales moved from attribute to input; op_upsample.py handles both forms",
}


def _signature(schema) -> tuple:
    attributes = tuple(sorted((name, int(a.type), a.required, a.default_value.SerializeToString())
                              for name, a in schema.attributes.items()))
    inputs = tuple((i.name, int(i.option)) for i in schema.inputs)
    outputs = tuple((o.name, int(o.option)) for o in schema.outputs)
    return attributes, inputs, outputs


def _unreviewed_versions() -> dict[str, list[str]]:
    registry = load_default_registry()
    newest_defined = onnx.defs.onnx_opset_version()
    versions = collections.defaultdict(set)
    for schema in onnx.defs.get_all_schemas_with_history():
        if schema.domain == "" and schema.since_version <= newest_defined:
            versions[schema.name].add(schema.since_version)
    problems: dict[str, list[str]] = {}
    for op, defined in sorted(versions.items()):
        handled = registry.versions(op)
        if not handled:
            continue
        for version in sorted(v for v in defined if v > max(handled)):
            previous = onnx.defs.get_schema(op, version - 1)
            if _signature(previous) == _signature(onnx.defs.get_schema(op, version)):
                continue                                 # types added, same attributes and inputs
            if (op, version) not in REVIEWED:
                problems.setdefault(op, []).append(
                    f"{op}-{version} changed attributes/inputs/outputs; newest handler is since {max(handled)}")
    return problems


def test_every_newer_op_version_is_handled_or_reviewed():
    problems = _unreviewed_versions()
    assert not problems, ("review these (add a handler `since=` or a REVIEWED entry with a reason):\n"
                          + "\n".join(line for lines in problems.values() for line in lines))


def test_reviewed_entries_are_still_needed():
    """A REVIEWED pair that a new handler now covers (or that onnx no longer defines) is stale."""
    registry = load_default_registry()
    stale = []
    for op, version in REVIEWED:
        handled = registry.versions(op)
        try:
            defined = onnx.defs.get_schema(op, version).since_version == version
        except onnx.defs.SchemaError:
            defined = False
        if not defined or (handled and max(handled) >= version):
            stale.append(f"{op}-{version}")
    if stale:
        pytest.fail("stale REVIEWED entries (remove them): " + ", ".join(stale))
