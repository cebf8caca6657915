"""A user's input/output name that an exporter already gave an inner tensor (issue 17: `--output embedding`
failed onnx.checker's SSA rule and was reported as an unsupported model)."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from converter.errors import BadInputError
from converter.export import export_to_onnx
from converter.export.example_inputs import make_feeds
from tests.export.test_export import _identity_onnx, config, loaded, specs


class TokenPooler(torch.nn.Module):
    """aten.embedding, aten.linear and aten.relu: the dynamo exporter names their outputs after the ops."""

    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Embedding(50, 8)
        self.head = torch.nn.Linear(8, 4)

    def forward(self, ids):
        return self.head(torch.relu(self.tok(ids))).mean(1)


@pytest.mark.parametrize("exporter", ["dynamo", "torchscript"])
@pytest.mark.parametrize("output_name", ["embedding", "linear", "relu"])
def test_output_named_like_an_inner_op_exports_and_matches_torch(tmp_path, exporter, output_name):
    torch.manual_seed(0)
    module = TokenPooler().eval()
    inputs = specs("ids:int64:2x5", ranges={"ids": (0, 50)})
    result = export_to_onnx(loaded(module), config(inputs, [output_name], exporter=exporter), tmp_path)
    onnx.checker.check_model(str(result.onnx_path))
    assert [o.name for o in result.model.graph.output] == [output_name]
    produced = [name for node in result.model.graph.node for name in node.output]
    assert produced.count(output_name) == 1          # single static assignment
    feeds = make_feeds(inputs, 3, seed=5)
    got = ort.InferenceSession(str(result.onnx_path)).run([output_name], feeds)[0]
    with torch.no_grad():
        want = module(torch.from_numpy(feeds["ids"])).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_onnx_file_output_renamed_to_an_inner_tensor_name(tmp_path):
    path = tmp_path / "two.onnx"
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Relu", ["a"], ["hidden"]), onnx.helper.make_node("Neg", ["hidden"], ["b"])], "g",
        [onnx.helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, ["n", 3])],
        [onnx.helper.make_tensor_value_info("b", onnx.TensorProto.FLOAT, ["n", 3])])
    onnx.save(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 18)], ir_version=10), str(path))
    from converter.checkpoint import LoadedCheckpoint
    source = LoadedCheckpoint("onnx", path, None, onnx.load(str(path)))
    result = export_to_onnx(source, config(specs("a:float32:2x3"), ["hidden"]), tmp_path / "w")
    onnx.checker.check_model(result.model)
    x = np.array([[-1, 0, 2]], np.float32)
    np.testing.assert_array_equal(ort.InferenceSession(str(result.onnx_path)).run(["hidden"], {"a": x})[0],
                                  [[0, 0, -2]])


def test_repeated_output_names_are_bad_input(tmp_path):
    with pytest.raises(BadInputError, match="needs its own name"):
        export_to_onnx(_identity_onnx(tmp_path / "r.onnx"), config(specs("a:float32:2x3"), ["a"]), tmp_path / "w")
    module = torch.nn.Sequential(torch.nn.Linear(3, 2))
    with pytest.raises(BadInputError, match="needs its own name"):
        export_to_onnx(loaded(module), config(specs("x:float32:2x3"), ["x"]), tmp_path / "w2")
