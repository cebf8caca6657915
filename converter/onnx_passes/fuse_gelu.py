"""FuseGeluPass: the elementwise GELU that exporters write below opset 20 becomes one converter.fused::Gelu.

    exact:  x * 0.5 * (1 + Erf(x / sqrt(2)))                          (or x * (1/sqrt(2)) inside Erf)
    tanh:   x * 0.5 * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))   (x^3 as Pow(x, 3) or x * x * x)

The product of x, 0.5 and (1 + ...) is matched in any order and grouping (the torch.export and the
TorchScript exporters write different ones). The translation then runs TF's own gelu right after the
linear layer's MatMul + bias, which grappler's remapper fuses into one oneDNN kernel
(_FusedMatMul[BiasAdd, GeluExact] or [BiasAdd, GeluApproximate]) instead of five to eight passes over the
activations per layer.
Intermediate values used anywhere else (or graph outputs) leave the pattern untouched.
"""
from __future__ import annotations

import logging
import math

import onnx_ir as ir

from converter.onnx_passes._layout import constant_array, fresh_name, redirect_uses
from converter.onnx_passes._match import fusion_result, is_private, is_standard, other_input, sole_user
from converter.tf_ops.fused import FUSED_DOMAIN

__all__ = ["FuseGeluPass", "FUSED_DOMAIN"]

logger = logging.getLogger(__name__)

_CORES = ("Erf", "Tanh")


class FuseGeluPass(ir.passes.InPlacePass):
    def call(self, model: ir.Model) -> ir.passes.PassResult:
        graph = model.graph
        fused = 0
        for node in list(graph):
            if is_standard(node, *_CORES) and node.graph is graph:
                fused += _fuse(graph, node)
        return fusion_result(model, fused, logger, "FuseGeluPass: %d GELU patterns fused")


def _fuse(graph: ir.Graph, core: ir.Node) -> bool:
    matched = _erf_argument(core) if core.op_type == "Erf" else _tanh_argument(core)
    if matched is None:
        return False
    x, inner_nodes = matched
    one_plus = _sole_user(core.outputs[0], "Add")
    if one_plus is None or not _is_constant(other_input(one_plus, core.outputs[0]), 1.0):
        return False
    tail = _times_x_and_half(one_plus.outputs[0], x)
    if tail is None:
        return False
    output, tail_nodes = tail
    # Named after the layer it follows: grappler's arithmetic optimizer breaks ties between same-shaped
    # operands by node name when it regroups the tanh form's products, and only when the layer's ops sort
    # first does the result match the remapper's pattern (MatMul + bias + GeluApproximate, measured).
    producer = x.producer()
    stem = f"{producer.name}_gelu" if producer is not None and producer.name else "gelu"
    gelu = ir.Node(FUSED_DOMAIN, "Gelu", [x], [ir.AttrString("approximate", "none" if core.op_type == "Erf" else "tanh")],
                   name=fresh_name(graph, stem))
    gelu.outputs[0].name = fresh_name(graph, "gelu_out")
    gelu.outputs[0].shape, gelu.outputs[0].type = output.shape, output.type
    graph.insert_before(output.producer(), gelu)
    redirect_uses(graph, output, gelu.outputs[0])
    graph.remove([*tail_nodes[::-1], one_plus, core, *inner_nodes], safe=True)
    return True


def _erf_argument(erf: ir.Node):
    """x for Erf(x / sqrt(2)) or Erf(x * (1/sqrt(2))), with the scaling node."""
    divide = _producer(erf.inputs[0], "Div")
    if divide is not None:
        return (divide.inputs[0], [divide]) if _is_constant(divide.inputs[1], math.sqrt(2.0)) else None
    scale = _producer(erf.inputs[0], "Mul")
    x = _operand_beside_constant(scale, 1.0 / math.sqrt(2.0))
    return (x, [scale]) if x is not None else None


def _tanh_argument(tanh: ir.Node):
    """x for Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)), with the nodes computing the argument."""
    scale = _producer(tanh.inputs[0], "Mul")
    add = _producer(_operand_beside_constant(scale, math.sqrt(2.0 / math.pi)), "Add")
    if add is None:
        return None
    for x, cubic_term in (tuple(add.inputs), tuple(add.inputs)[::-1]):
        weight = _producer(cubic_term, "Mul")
        cube = _operand_beside_constant(weight, 0.044715)
        cube_nodes = _cube_nodes(cube, x) if cube is not None else None
        if cube_nodes is not None:
            return x, [scale, add, weight, *cube_nodes]
    return None


def _cube_nodes(value: ir.Value, x: ir.Value):
    """The nodes computing x^3 as Pow(x, 3) or x * (x * x) in either order, or None."""
    node = value.producer() if is_private(value) else None
    if not is_standard(node, "Pow", "Mul"):
        return None
    if node.op_type == "Pow":
        return [node] if node.inputs[0] is x and _is_constant(node.inputs[1], 3.0) else None
    if x not in node.inputs:
        return None
    square = _producer(other_input(node, x), "Mul")
    return [node, square] if square is not None and list(square.inputs) == [x, x] else None


def _times_x_and_half(factor: ir.Value, x: ir.Value):
    """(output, nodes) of the Muls that multiply `factor` by x and by 0.5, in any order and grouping."""
    first = _sole_user(factor, "Mul")
    if first is None:
        return None
    partner = other_input(first, factor)
    if partner is x or _is_constant(partner, 0.5):
        second = _sole_user(first.outputs[0], "Mul")
        last = other_input(second, first.outputs[0])           # the factor `partner` was not
        complete = last is not None and (_is_constant(last, 0.5) if partner is x else last is x)
        return (second.outputs[0], [first, second]) if complete else None
    half_x = _producer(partner, "Mul")                      # factor * (x * 0.5)
    if half_x is not None and _operand_beside_constant(half_x, 0.5) is x:
        return first.outputs[0], [first, half_x]
    return None


def _producer(value: ir.Value | None, op_type: str) -> ir.Node | None:
    """The default-domain `op_type` node producing `value`, if `value` feeds nothing else."""
    node = value.producer() if value is not None and is_private(value) else None
    return node if is_standard(node, op_type) else None


def _sole_user(value: ir.Value, op_type: str) -> ir.Node | None:
    user = sole_user(value)
    return user if is_standard(user, op_type) and len(user.inputs) == 2 else None


def _operand_beside_constant(node: ir.Node | None, constant: float) -> ir.Value | None:
    """For a binary node with one scalar-constant operand equal to `constant`, the other operand."""
    if node is None or len(node.inputs) != 2:
        return None
    a, b = node.inputs
    if _is_constant(b, constant):
        return a
    return b if _is_constant(a, constant) else None


def _is_constant(value: ir.Value | None, expected: float) -> bool:
    """A one-element constant within float32 rounding of `expected` (exporters round sqrt(2) etc.)."""
    array = constant_array(value)
    if array is None or array.size != 1 or array.dtype.kind not in "fiu":
        return False
    return abs(float(array.reshape(-1)[0]) - expected) <= 1e-6 * max(1.0, abs(expected))
