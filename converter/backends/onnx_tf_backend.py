"""The classic onnx-tf 1.10.0 translator as a second backend (`--backend onnx-tf`).

    module = build_onnx_tf_module(onnx_model, work_dir)
    outputs = module.run({"input": tensor})        # ONNX output name -> tensor, usable in a tf.function

Steps:
1. pick the highest opset <= 15 at which onnx-tf implements every op of the model (it implements
   only listed versions, e.g. Squeeze 1 and 11 but not 13), down-convert to it with
   `onnx.version_converter`; if no opset works, one UnsupportedOpsError names the blocking ops;
2. give graph inputs/outputs identifier names (onnx-tf passes inputs as **kwargs; `input.1` breaks);
3. `onnx_tf.backend.prepare(model).export_graph(work_dir/onnx_tf_savedmodel)`;
4. load that SavedModel and wrap it in a tf.Module with the native `OnnxModule` interface
   (`input_names`, `output_names`, `run(feeds) -> dict`, all by the original ONNX names).

Known onnx-tf properties kept as they are (see docs/backends.md): weights become graph constants
built via Python lists (slow for big models, 2 GB protobuf ceiling), NCHW convs and pools are
wrapped in transposes, and `prepare` sets onnx-tf's own module-level logger and config.
"""
from __future__ import annotations

import copy
import logging
import re
import time
from collections import Counter
from pathlib import Path

import onnx
import tensorflow as tf
from onnx import defs, version_converter

from converter.backends import onnx_tf_adapter
from converter.errors import OpTranslationError, UnsupportedModelError, UnsupportedOpsError, first_line
from converter.onnx_nodes import iter_nodes, op_histogram
from converter.tf_ops.registry import normal_domain

logger = logging.getLogger(__name__)

ONNX_TF_MAX_OPSET = 15                     # newest ai.onnx opset onnx-tf 1.10.0 was written against
ONNX_TF_MIN_TARGET_OPSET = 9               # lowest opset we down-convert to looking for one it implements
SAVED_MODEL_DIRNAME = "onnx_tf_savedmodel"
_SIGNATURE = "serving_default"


def onnx_tf_available() -> tuple[bool, str]:
    """(True, version) when onnx-tf imports with the shims, else (False, what to install)."""
    if not onnx_tf_adapter.onnx_tf_installed():
        return False, onnx_tf_adapter.INSTALL_HINT
    try:
        onnx_tf_adapter.import_onnx_tf()
    except Exception as error:                               # noqa: BLE001 - report why, do not crash a --help
        return False, f"onnx-tf is installed but does not import ({type(error).__name__}: {error}); " \
                      f"{onnx_tf_adapter.INSTALL_HINT}"
    import onnx_tf
    return True, f"onnx-tf {onnx_tf.__version__}"


def build_onnx_tf_module(onnx_model: onnx.ModelProto, work_dir: Path) -> "OnnxTfModule":
    """Convert with onnx-tf into work_dir/onnx_tf_savedmodel and return the loaded, wrapped module."""
    backend = onnx_tf_adapter.import_onnx_tf()
    model = downconvert_for_onnx_tf(onnx_model)
    missing = ops_onnx_tf_lacks(model)
    if missing:
        raise UnsupportedOpsError(missing, "onnx-tf 1.10.0 does not implement these; use --backend native")
    model, input_names, output_names = with_identifier_io_names(model)
    saved_model_dir = Path(work_dir) / SAVED_MODEL_DIRNAME
    started = time.perf_counter()
    try:
        representation = backend.prepare(model, logging_level="WARNING")
        representation.export_graph(str(saved_model_dir))
    except Exception as error:
        raise OpTranslationError(f"onnx-tf failed to convert the model ({type(error).__name__}: "
                                 f"{_summary(error)}); try --backend native") from error
    logger.info("onnx-tf export took %.2f s -> %s", time.perf_counter() - started, saved_model_dir)
    return OnnxTfModule(saved_model_dir, input_names, output_names)


def with_identifier_io_names(model: onnx.ModelProto) -> tuple[onnx.ModelProto, dict, dict]:
    """A copy whose graph inputs/outputs are Python identifiers, joined to the original names by
    Identity nodes. onnx-tf passes inputs as **kwargs and loses names like `input.1` (KeyError).
    Returns (model, {onnx input: safe name}, {onnx output: safe name})."""
    model = copy.deepcopy(model)
    graph = model.graph
    initialized = {i.name for i in graph.initializer}
    taken = {v.name for v in (*graph.input, *graph.output)} | {o for n in graph.node for o in n.output}
    inputs, outputs, entry_nodes, exit_nodes = {}, {}, [], []
    for value in graph.input:
        if value.name in initialized:
            continue
        inputs[value.name] = safe = _identifier(value.name, taken)
        if safe != value.name:
            entry_nodes.append(onnx.helper.make_node("Identity", [safe], [value.name]))
            value.name = safe
    for value in graph.output:
        outputs[value.name] = safe = _identifier(value.name, taken)
        if safe != value.name:
            exit_nodes.append(onnx.helper.make_node("Identity", [value.name], [safe]))
            value.name = safe
    nodes = [*entry_nodes, *graph.node, *exit_nodes]
    del graph.node[:]
    graph.node.extend(nodes)
    return model, inputs, outputs


def _identifier(name: str, taken: set[str]) -> str:
    if name.isidentifier() and not name.startswith("_"):
        return name
    base = "v_" + re.sub(r"\W", "_", name)
    safe, suffix = base, 1
    while safe in taken:
        safe, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(safe)
    return safe


def downconvert_for_onnx_tf(model: onnx.ModelProto, target: int | None = None) -> onnx.ModelProto:
    """The model at an opset where onnx-tf implements all its ops (see choose_target_opset)."""
    opset = _default_opset(model)
    target = choose_target_opset(model) if target is None else target
    if opset <= target:
        return model
    try:
        converted = version_converter.convert_version(model, target)
    except Exception as error:
        raise UnsupportedModelError(f"onnx.version_converter cannot take the model from opset {opset} to "
                                    f"{target} for onnx-tf ({_summary(error)}); use --backend native") from error
    _drop_attributes_newer_than(converted, opset, target)
    logger.info("down-converted the model from opset %d to %d for onnx-tf", opset, target)
    return converted


def choose_target_opset(model: onnx.ModelProto) -> int:
    """The highest opset <= min(model opset, 15) at which onnx-tf implements every op of the model.

    onnx-tf implements an op only at the versions it lists (e.g. Squeeze/Unsqueeze 1 and 11, not 13),
    so a lower opset can succeed where 15 fails. UnsupportedOpsError names the ops no candidate fixes."""
    opset = _default_opset(model)
    top = min(opset, ONNX_TF_MAX_OPSET)
    candidates = range(top, min(top, ONNX_TF_MIN_TARGET_OPSET) - 1, -1)
    used = op_histogram(model, key=_op_key)
    gaps = {target: _gaps_at(used, target) for target in candidates}
    for target in candidates:
        if not gaps[target]:
            return target
    always = set.intersection(*(set(g) for g in gaps.values()))
    if always:
        hint = (f"onnx-tf 1.10.0 implements none of the versions these ops have at opsets {candidates[-1]}..{top}, "
                f"so no down-conversion of this opset-{opset} model helps")
        raise _refusal(always, used, opset, hint)
    best = min(candidates, key=lambda t: (len(gaps[t]), -t))
    hint = (f"no opset in {candidates[-1]}..{top} has onnx-tf handlers for all of them together (at opset {top} it "
            f"lacks {_names(gaps[top])}, at opset {best} {_names(gaps[best])})")
    raise _refusal(gaps[top] | gaps[best], used, opset, hint)


def _refusal(pairs, used: Counter, opset: int, hint: str) -> UnsupportedOpsError:
    blocking = {(domain, op, _since(op, opset) if domain == "" and _exists_at(op, opset) else opset): used[(domain, op)]
                for domain, op in pairs}
    return UnsupportedOpsError(blocking, f"{hint}; use --backend native")


def _names(pairs) -> str:
    return ", ".join(sorted(op for _, op in pairs))


def _gaps_at(used: Counter, target: int) -> set[tuple[str, str]]:
    """(domain, op) pairs onnx-tf cannot run at `target`: other domains, ops absent or not implemented."""
    from onnx_tf.opset_version import backend_opset_version
    return {(domain, op) for domain, op in used
            if domain != "" or not _exists_at(op, target) or _since(op, target) not in backend_opset_version.get(op, [])}


def _drop_attributes_newer_than(model: onnx.ModelProto, source: int, target: int) -> None:
    """Remove attributes the target-opset schema lacks when they hold the newer schema's default.

    onnx.version_converter leaves them behind (ReduceMean 18 -> 13 keeps `noop_with_empty_axes=0`,
    which the checker then rejects); a non-default value changes semantics, so it is an error."""
    for node in iter_nodes(model.graph):
        if node.domain not in ("", "ai.onnx") or not _exists_at(node.op_type, target):
            continue
        old = defs.get_schema(node.op_type, max_inclusive_version=target, domain="").attributes
        new = defs.get_schema(node.op_type, max_inclusive_version=source, domain="").attributes
        for attribute in [a for a in node.attribute if a.name not in old]:
            default = new[attribute.name].default_value if attribute.name in new else None
            if default is None or not default.name or \
                    onnx.helper.get_attribute_value(default) != onnx.helper.get_attribute_value(attribute):
                raise UnsupportedModelError(f"node '{node.name}' ({node.op_type}) sets attribute "
                                            f"'{attribute.name}', which opset {target} lacks, so onnx-tf "
                                            "cannot express it; use --backend native")
            node.attribute.remove(attribute)


def ops_onnx_tf_lacks(model: onnx.ModelProto) -> dict[tuple[str, str, int], int]:
    """(domain, op, since_version) -> node count for every node onnx-tf has no handler version for."""
    opset = _default_opset(model)
    used = op_histogram(model, key=_op_key)
    return {(domain, op, _since(op, opset) if domain == "" and _exists_at(op, opset) else opset): used[(domain, op)]
            for domain, op in _gaps_at(used, opset)}


class OnnxTfModule(tf.Module):
    """A loaded onnx-tf SavedModel with the native OnnxModule interface.

    Tracks the loaded object, so tf.saved_model.save of a wrapper around it keeps its constants/variables.
    """

    def __init__(self, saved_model_dir: Path, inputs: dict[str, str], outputs: dict[str, str]):
        """inputs/outputs: ONNX name -> the name onnx-tf saw (see with_identifier_io_names)."""
        super().__init__(name="onnx_tf_model")
        self.saved_model_dir = Path(saved_model_dir)
        self.loaded = tf.saved_model.load(str(saved_model_dir))
        self._names = (tuple(inputs), tuple(outputs))    # a tuple: not wrapped by tf.Module tracking
        signature = self.loaded.signatures[_SIGNATURE]
        self._input_keys = _match_keys(inputs, signature.structured_input_signature[1], "input")
        self._output_keys = _match_keys(outputs, signature.structured_outputs, "output")

    @property
    def input_names(self) -> list[str]:
        return list(self._names[0])

    @property
    def output_names(self) -> list[str]:
        return list(self._names[1])

    def run(self, feeds: dict) -> dict:
        """ONNX input name -> tensor in, ONNX output name -> tensor out (inside a tf.function or eager)."""
        signature = self.loaded.signatures[_SIGNATURE]
        results = signature(**{self._input_keys[name]: feeds[name] for name in self.input_names})
        return {name: results[self._output_keys[name]] for name in self.output_names}


def _match_keys(names: dict[str, str], signature_entries: dict, kind: str) -> dict[str, str]:
    """ONNX name -> signature key (onnx-tf keys its signature by the identifier names it was given)."""
    missing = [safe for safe in names.values() if safe not in signature_entries]
    if missing:
        raise OpTranslationError(f"onnx-tf SavedModel lacks signature {kind}s {missing} "
                                 f"(has {sorted(signature_entries)}); try --backend native")
    return dict(names)


def _default_opset(model: onnx.ModelProto) -> int:
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return entry.version
    return 1


def _exists_at(op_type: str, opset: int) -> bool:
    try:
        defs.get_schema(op_type, max_inclusive_version=opset, domain="")
        return True
    except defs.SchemaError:
        return False


def _since(op_type: str, opset: int) -> int:
    return defs.get_schema(op_type, max_inclusive_version=opset, domain="").since_version


def _op_key(node: onnx.NodeProto) -> tuple[str, str]:
    return normal_domain(node.domain), node.op_type


def _summary(error: Exception) -> str:
    return (first_line(error, last_too=True) or type(error).__name__)[:400]

