"""FoldTransposeIntoMatMulPass: the key's transpose in attention (Q @ K^T) becomes the product's flag, on real
attention layers from transformers (BERT, GPT-2) and torchvision (Swin), exported by both exporters, with the
numbers of PyTorch at a batch other than the export's; and what it must leave alone (a transposed value read
twice, a remainder that still moves the innermost axis, a Reshape that changes the last two axes, a factor of
more than one number, a 2-D weight)."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from converter.backend import prepare
from converter.config import ConversionConfig
from converter.onnx_passes.fold_transpose_into_matmul import FoldTransposeIntoMatMulPass
from converter.onnx_passes.fused_reference import FUSED_REFERENCE_OPS
from converter.onnx_passes.pipeline import run_passes as pipeline_passes
from converter.tf_ops.fused import FUSED_DOMAIN
from tests.onnx_passes._helpers import export_module, run_passes, torchvision_importable

RNG = np.random.default_rng(0)


class Encoder(torch.nn.Module):
    """A transformers model of two small layers, fed embeddings (float input) and returning its hidden states."""

    def __init__(self, kind: str):
        super().__init__()
        torchvision_importable()       # transformers imports torchvision when it is installed
        import transformers
        if kind == "bert":
            config = transformers.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                             intermediate_size=64, attn_implementation="eager")
            self.model = transformers.BertModel(config)
        else:
            config = transformers.GPT2Config(n_embd=32, n_layer=2, n_head=4, attn_implementation="eager")
            self.model = transformers.GPT2Model(config)

    def forward(self, x):
        return self.model(inputs_embeds=x).last_hidden_state


class SwinBlock(torch.nn.Module):
    """torchvision's Swin-T block (shifted-window attention, relative position bias) on an 8x8 map."""

    def __init__(self):
        super().__init__()
        torchvision_importable()
        from torchvision.models.swin_transformer import SwinTransformerBlock
        self.block = SwinTransformerBlock(32, 4, window_size=[4, 4], shift_size=[2, 2])

    def forward(self, x):
        return self.block(x)


def _innermost_moving_transposes(model: onnx.ModelProto) -> list[list[int]]:
    """Of rank 3 or more (Swin's 2-D ones transpose its relative position index, not activations)."""
    perms = [list(n.attribute[0].ints) for n in model.graph.node if n.op_type == "Transpose" and n.domain == ""]
    return [p for p in perms if len(p) >= 3 and p[-1] != len(p) - 1]


def _folded_products(model: onnx.ModelProto) -> list[dict]:
    return [{a.name: a.i for a in n.attribute} for n in model.graph.node
            if n.domain == FUSED_DOMAIN and n.op_type == "MatMul"]


@pytest.mark.parametrize("dynamo", [True, False], ids=["torch.export", "torchscript"])
@pytest.mark.parametrize("kind, shape, layers", [("bert", (2, 6, 32), 2), ("gpt2", (2, 6, 32), 2),
                                                 ("swin", (2, 8, 8, 32), 1)])
def test_attention_keys_fold_with_the_numbers_of_pytorch(kind, shape, layers, dynamo):
    torch.manual_seed(0)
    module = (SwinBlock() if kind == "swin" else Encoder(kind)).eval()
    exported = export_module(module, torch.randn(shape), dynamo=dynamo, dynamic_batch=True)
    config = ConversionConfig(checkpoint="m.onnx", name="m")
    reference, translated, records = pipeline_passes(exported, config)
    assert _innermost_moving_transposes(reference)          # the key's transpose, as exported
    assert not _innermost_moving_transposes(translated)
    assert _folded_products(translated) == [{"transpose_b": 1}] * layers
    assert [r.modified for r in records if r.name == "FoldTransposeIntoMatMulPass"] == [True]

    x = RNG.standard_normal((3, *shape[1:])).astype(np.float32)         # batch 3, exported at 2
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(prepare(translated).run([x])[0], expected, rtol=1e-4, atol=1e-4)


def _product_graph(nodes, inputs, initializers=(), output_shape=None) -> onnx.ModelProto:
    values = [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in inputs]
    graph = helper.make_graph(nodes, "g", values, [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)],
                              list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    return onnx.shape_inference.infer_shapes(model)


def _fold(model: onnx.ModelProto) -> tuple[onnx.ModelProto, bool]:
    folded, (modified,) = run_passes(model, [FoldTransposeIntoMatMulPass()])
    feeds = {i.name: RNG.standard_normal([d.dim_value or 3 for d in i.type.tensor_type.shape.dim]).astype(np.float32)
             for i in model.graph.input}
    expected = ReferenceEvaluator(model).run(None, feeds)[0]
    np.testing.assert_allclose(ReferenceEvaluator(folded, new_ops=FUSED_REFERENCE_OPS).run(None, feeds)[0],
                               expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(prepare(folded).run(list(feeds.values()))[0], expected, rtol=1e-5, atol=1e-5)
    return folded, modified


def _scalar(name: str, value: float, shape=()) -> onnx.TensorProto:
    return numpy_helper.from_array(np.full(shape, value, np.float32), name)


def _shape(name: str, dims) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(dims, np.int64), name)


def test_a_scale_in_front_and_a_transposed_left_operand_fold_too():
    """Mul(scale, K^T) with the number first; A^T @ B (transpose_a); GPT-2's [0, 2, 3, 1] keeps [0, 2, 1, 3]."""
    nodes = [helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 3, 1]),
             helper.make_node("Mul", ["scale", "kt"], ["ks"]),
             helper.make_node("Transpose", ["q"], ["qt"], perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["qt", "ks"], ["y"])]
    model = _product_graph(nodes, [("q", ["b", 4, 8, 6]), ("k", ["b", 6, 4, 8])], [_scalar("scale", 0.5, [1])])
    folded, modified = _fold(model)
    assert modified and _folded_products(folded) == [{"transpose_a": 1, "transpose_b": 1}]
    assert [list(n.attribute[0].ints) for n in folded.graph.node if n.op_type == "Transpose"] == [[0, 2, 1, 3]]


def test_a_reshape_of_leading_axes_and_a_division_carry_the_swap():
    """BERT's key: [batch x heads, tokens, d] transposed, split into [batch, heads, d, tokens], scaled."""
    nodes = [helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
             helper.make_node("Reshape", ["kt", "heads"], ["k4"]),
             helper.make_node("Div", ["k4", "scale"], ["ks"]),
             helper.make_node("MatMul", ["q", "ks"], ["y"])]
    model = _product_graph(nodes, [("q", [3, 4, 5, 8]), ("k", [12, 5, 8])],
                           [_shape("heads", [-1, 4, 8, 5]), _scalar("scale", 2.0)])
    folded, modified = _fold(model)
    assert modified and _folded_products(folded) == [{"transpose_b": 1}]
    assert not [n for n in folded.graph.node if n.op_type == "Transpose"]
    reshape = next(n for n in folded.graph.node if n.op_type == "Reshape")
    target = next(i for i in folded.graph.initializer if i.name == reshape.input[1])
    assert numpy_helper.to_array(target).tolist() == [-1, 4, 5, 8]


@pytest.mark.parametrize("case", ["read twice", "remainder moves innermost", "reshape changes last axes",
                                  "factor of a row", "2-D weight"])
def test_left_alone(case):
    inputs, initializers = [("q", ["b", 4, 5, 8]), ("k", ["b", 4, 5, 8])], []
    nodes = [helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["q", "kt"], ["p"])]
    if case == "read twice":
        nodes.append(helper.make_node("Add", ["p", "kt"], ["y"]))
        inputs = [("q", ["b", 4, 8, 8]), ("k", ["b", 4, 8, 8])]
    elif case == "remainder moves innermost":          # EfficientFormerV2's [0, 3, 1, 2]: [0, 3, 2, 1] remains
        nodes[0] = helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 3, 1, 2])
        inputs = [("q", ["b", 8, 3, 4]), ("k", ["b", 4, 5, 8])]
    elif case == "reshape changes last axes":        # [b, 4, 6, 5] -> [b, 24, 5]: the 6 is merged away
        nodes[1:] = [helper.make_node("Reshape", ["kt", "flat"], ["kr"]), helper.make_node("MatMul", ["q", "kr"], ["y"])]
        inputs, initializers = [("q", ["b", 7, 24]), ("k", ["b", 4, 5, 6])], [_shape("flat", [-1, 24, 5])]
    elif case == "factor of a row":
        nodes[1:] = [helper.make_node("Mul", ["kt", "row"], ["ks"]), helper.make_node("MatMul", ["q", "ks"], ["y"])]
        initializers = [numpy_helper.from_array(RNG.standard_normal(5).astype(np.float32), "row")]
    else:
        weight = numpy_helper.from_array(RNG.standard_normal((6, 8)).astype(np.float32), "w")
        nodes = [helper.make_node("Transpose", ["w"], ["wt"], perm=[1, 0]), helper.make_node("MatMul", ["q", "wt"], ["y"])]
        inputs, initializers = [("q", ["b", 4, 5, 8])], [weight]
    if nodes[-1].output[0] != "y":
        nodes.append(helper.make_node("Identity", [nodes[-1].output[0]], ["y"]))
    folded, modified = _fold(_product_graph(nodes, inputs, initializers))
    assert not modified and not _folded_products(folded)
