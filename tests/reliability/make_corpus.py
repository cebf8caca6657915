"""Malformed inputs for the converter, generated (never committed as binaries).

    python -m tests.reliability.make_corpus OUT_DIR   # writes the files and prints the cases

Each case: the file, the convert.py arguments, the exit code expected (2 bad input, 3 unsupported)
and words the one-line error must contain (to name the problem).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 18)]


@dataclass
class Case:
    label: str
    checkpoint: Path
    args: list[str]
    code: int
    words: tuple[str, ...] = ()        # each must appear in the error line (case-insensitive)
    any_words: tuple[str, ...] = field(default_factory=tuple)   # at least one must appear


def _valid_graph_model() -> onnx.ModelProto:
    """x (N,4) -> MatMul W (4,3) -> Relu -> y."""
    weight = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3) / 10, "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["h"], name="matmul"),
         helper.make_node("Relu", ["h"], ["y"], name="relu")],
        "valid", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], [weight])
    return helper.make_model(graph, opset_imports=OPSET)


def _save_unchecked(model: onnx.ModelProto, path: Path) -> Path:
    path.write_bytes(model.SerializeToString())
    return path


def _graph_case(out: Path, label: str, nodes, inputs, outputs, initializers=(), value_info=()) -> Path:
    graph = helper.make_graph(nodes, label, inputs, outputs, list(initializers), value_info=list(value_info))
    return _save_unchecked(helper.make_model(graph, opset_imports=OPSET), out / f"{label}.onnx")


def _float(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def onnx_cases(out: Path) -> list[Case]:
    rng = np.random.default_rng(0)
    valid = _valid_graph_model()
    valid_path = _save_unchecked(valid, out / "valid.onnx")
    blob = valid.SerializeToString()
    x_in = ["--input", "x:float32:2x4"]
    cases = [
        Case("truncated_onnx", _write(out / "truncated.onnx", blob[: len(blob) // 2]), x_in, 2, ("truncated.onnx",)),
        Case("random_onnx", _write(out / "random.onnx", rng.bytes(4096)), x_in, 2, ("random.onnx",)),
        Case("cycle", _graph_case(out, "cycle", [helper.make_node("Add", ["x", "b"], ["a"], name="add"),
                                                 helper.make_node("Relu", ["a"], ["b"], name="relu")],
                                  [_float("x", ["N", 4])], [_float("b", ["N", 4])]), x_in, 2, (),
             ("cycle",)),
        Case("missing_initializer", _graph_case(out, "missing_initializer",
                                                [helper.make_node("MatMul", ["x", "W"], ["y"], name="matmul")],
                                                [_float("x", ["N", 4])], [_float("y", ["N", 3])],
                                                value_info=[_float("W", [4, 3])]),
             x_in, 2, ("W", "initializer")),
        Case("dangling_input", _graph_case(out, "dangling",
                                           [helper.make_node("Add", ["x", "nowhere"], ["y"], name="add")],
                                           [_float("x", ["N", 4])], [_float("y", ["N", 4])]),
             x_in, 2, ("nowhere", "dangling")),
        Case("type_mismatch", _graph_case(out, "type_mismatch",
                                          [helper.make_node("Add", ["x", "k"], ["y"], name="add")],
                                          [_float("x", ["N", 4])], [_float("y", ["N", 4])],
                                          [numpy_helper.from_array(np.ones(4, np.int64), "k")]), x_in, 2, (),
             ("type", "int64", "tensor(float)")),
        Case("empty_graph", _graph_case(out, "empty", [], [_float("x", ["N", 4])], []), x_in, 2, (),
             ("no output", "no node", "empty")),
        Case("missing_external_data", _external_without_data(out), x_in, 2, (), ("W", "external", ".data")),
        Case("input_rank_mismatch", valid_path, ["--input", "x:float32:2x4x1"], 2, ("x",), ("rank",)),
        Case("input_dtype_mismatch", valid_path, ["--input", "x:int64:2x4"], 2, ("x",), ("int64", "dtype")),
        Case("nan_outputs", _graph_case(out, "log", [helper.make_node("Log", ["x"], ["y"], name="log")],
                                        [_float("x", ["N", 4])], [_float("y", ["N", 4])]), x_in, 2, (),
             ("nan", "inf", "finite")),
    ]
    return cases


def _external_without_data(out: Path) -> Path:
    """The valid graph with W in external data 'gone.onnx.data', which does not exist."""
    model = _valid_graph_model()
    weight = model.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "gone.onnx.data"), ("offset", "0"), ("length", "48")):
        weight.external_data.add(key=key, value=value)
    return _save_unchecked(model, out / "gone.onnx")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def state_dict_cases(out: Path, state_dict_path: Path) -> list[Case]:
    """Bad checkpoints for examples.models:TwoInTwoOut (inputs x:2x8, y:2x4)."""
    import torch

    rng = np.random.default_rng(1)
    blob = state_dict_path.read_bytes()
    state = torch.load(state_dict_path, weights_only=True)
    first = next(iter(state))
    missing = {k: v for k, v in state.items() if k != first}
    unexpected = {**state, "extra.weight": torch.zeros(3)}
    reshaped = {**state, first: torch.zeros(tuple(state[first].shape) + (2,))}
    files = {}
    for label, value in (("missing_keys", missing), ("unexpected_keys", unexpected), ("shape_mismatch", reshaped)):
        files[label] = out / f"{label}.pt"
        torch.save(value, files[label])
    model_args = ["--model-class", "examples.models:TwoInTwoOut",
                  "--input", "x:float32:2x8", "--input", "y:float32:2x4"]
    return [
        Case("truncated_pt", _write(out / "truncated.pt", blob[: len(blob) // 2]), model_args, 2, ("truncated.pt",)),
        Case("random_pt", _write(out / "random.pt", rng.bytes(4096)), model_args, 2, ("random.pt",)),
        Case("missing_keys", files["missing_keys"], model_args, 2, (first,), ("missing",)),
        Case("unexpected_keys", files["unexpected_keys"], model_args, 2, ("extra.weight",), ("unexpected",)),
        Case("shape_mismatch", files["shape_mismatch"], model_args, 2, (first,), ("shape", "size")),
    ]


def all_cases(out: Path, state_dict_path: Path) -> list[Case]:
    out.mkdir(parents=True, exist_ok=True)
    return onnx_cases(out) + state_dict_cases(out, state_dict_path)


if __name__ == "__main__":
    from examples.make_checkpoints import write_checkpoints

    target = Path(sys.argv[1])
    checkpoints = write_checkpoints("TwoInTwoOut", target / "example")
    for case in all_cases(target, checkpoints["state_dict"]):
        print(case.label, case.checkpoint, " ".join(case.args), "-> exit", case.code)
