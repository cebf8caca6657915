"""converter.convert()'s arguments -> the ConversionConfig the command line builds (no conversion runs here)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import converter
from converter.api.inputs import input_flags, named_examples
from converter.api.options import UnknownOptionError, build_config, dynamic_axis_texts, option_actions
from converter.cli.convert import build_parser, config_from_args
from converter.errors import BadInputError

BASE = ["--checkpoint", "model.pt", "--name", "m", "--input", "x:float32:1x3x8x8"]


def test_python_values_give_the_config_of_the_equivalent_flags():
    options = {"opset": 17, "verify_batch_sizes": (1, 4), "warmup_batch_sizes": [2], "model_kwargs": {"depth": 18},
               "label": {"stable": 1, "canary": 2}, "no_layout_pass": True, "batching": "auto", "atol": 1e-5,
               "format": "state_dict", "model_class": "examples.models:TinyResNet", "model_path": Path("/tmp"),
               "exporter": "torchscript", "batch_split": "auto", "version": 3, "force": True, "seed": 7,
               "version_policy": "all", "work_dir": "/tmp/work", "diagnose": False}
    from_api = build_config(BASE, options)
    from_cli = config_from_args(build_parser().parse_args(BASE + [
        "--opset", "17", "--verify-batch-sizes", "1,4", "--warmup-batch-sizes", "2", "--model-kwargs", '{"depth": 18}',
        "--label", "stable=1", "--label", "canary=2", "--no-layout-pass", "--batching", "auto", "--atol", "1e-05",
        "--format", "state_dict", "--model-class", "examples.models:TinyResNet", "--model-path", "/tmp",
        "--exporter", "torchscript", "--batch-split", "auto", "--version", "3", "--force", "--seed", "7",
        "--version-policy", "all", "--work-dir", "/tmp/work"]))
    assert from_api == from_cli
    assert from_api.opset == 17 and from_api.verify_batch_sizes == (1, 4) and from_api.model_kwargs == {"depth": 18}
    assert from_api.version_labels == (("stable", 1), ("canary", 2)) and not from_api.optimize_layout
    assert from_api.batching and from_api.batching_auto and from_api.explicit_tolerance and from_api.atol == 1e-5
    assert from_api.rtol == 1e-3 and not from_api.diagnose


def test_defaults_equal_the_command_lines():
    assert build_config(BASE, {}) == config_from_args(build_parser().parse_args(BASE))


def test_client_signature_flags_are_options_too():
    config = build_config(BASE, {"image_input": "x", "preprocess": "imagenet", "top_k": 3})
    assert config.client.image_input == "x" and config.client.top_k == 3
    assert config.client.preprocess.crop == (224, 224)


def test_unknown_option_is_a_type_error_and_a_bad_input_error_listing_the_valid_ones():
    with pytest.raises(UnknownOptionError) as caught:
        build_config(BASE, {"opsett": 17})
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, BadInputError)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "unknown option(s) opsett" in message and "opset, " in message and "verify_batch_sizes" in message
    assert "checkpoint" not in option_actions() and "json" not in option_actions()


@pytest.mark.parametrize("options, message", [
    ({"opset": "eighteen"}, "argument --opset: invalid int value: 'eighteen'"),
    ({"exporter": "onnx"}, "argument --exporter: invalid choice: 'onnx'"),
    ({"force": "yes"}, "option force is a switch: pass True or False"),
    ({"atol": True}, "option atol=True: give a value"),
    ({"verify_batch_sizes": (0, 2)}, "--verify-batch-sizes '0,2': give positive integers"),
    ({"model_kwargs": [1, 2]}, "--model-kwargs must be a JSON object"),
])
def test_bad_option_values_are_bad_input_errors(options, message):
    with pytest.raises(BadInputError, match="") as caught:
        build_config(BASE, options)
    assert message in str(caught.value)


def test_convert_refuses_an_unknown_option_before_converting(tmp_path):
    with pytest.raises(TypeError, match="unknown option"):
        converter.convert(torch.nn.ReLU(), torch.zeros(2, 3), name="m", serving_root=tmp_path, bogus=1)
    assert not (tmp_path / "m").exists()


def test_convert_refuses_what_is_not_a_model(tmp_path):
    with pytest.raises(BadInputError, match="model is a dict; give an nn.Module, a torch.export.ExportedProgram"):
        converter.convert({"w": torch.zeros(1)}, torch.zeros(2, 3), name="m", serving_root=tmp_path)


def test_a_live_module_needs_example_inputs(tmp_path):
    with pytest.raises(BadInputError, match="a ReLU needs example_inputs"):
        converter.convert(torch.nn.ReLU(), name="m", serving_root=tmp_path)


def test_example_inputs_give_names_dtypes_shapes_and_integer_ranges():
    tokens = torch.tensor([[3, 7, 1]])
    flags = input_flags(named_examples((torch.zeros(1, 3, 8, 8), tokens), ["image", "ids"]))
    assert flags == ["--input", "image:float32:1x3x8x8", "--input", "ids:int64:1x3", "--input-range", "ids:1:8"]
    assert input_flags(named_examples({"a": np.ones((2, 5), np.float16)}, None)) == ["--input", "a:float16:2x5"]
    assert [name for name, _ in named_examples(torch.zeros(1, 2), None)] == ["input_0"]
    assert [name for name, _ in named_examples([torch.zeros(1), torch.zeros(1)], None)] == ["input_0", "input_1"]


def test_an_input_range_option_overrides_the_examples_range():
    flags = [*BASE[:4], *input_flags(named_examples(torch.tensor([[1, 2]]), ["ids"]))]
    config = build_config(flags, {"input_range": {"ids": (0, 30522)}})
    assert (config.inputs[0].low, config.inputs[0].high) == (0, 30522)


@pytest.mark.parametrize("examples, names, message", [
    (torch.tensor(1.0), None, "example input 'input_0' is a scalar"),
    (torch.zeros(1, 2, dtype=torch.complex64), None, "has dtype complex64; supported: float32"),
    ((torch.zeros(1), torch.zeros(1)), ["a"], "1 input_names for 2 example inputs"),
    ({"a": torch.zeros(1)}, ["b"], "input_names ['b'] differ from the example dict's keys ['a']"),
    ([[1, 2]], None, "example input 'input_0' is a list; give torch tensors or numpy arrays"),
])
def test_bad_example_inputs(examples, names, message):
    with pytest.raises(BadInputError) as caught:
        input_flags(named_examples(examples, names))
    assert message in str(caught.value)


def test_dynamic_axes_in_torch_onnx_forms():
    assert dynamic_axis_texts({"ids": {1: "sequence"}, "mask": [1]}) == ["ids:1:sequence", "mask:1"]
    config = build_config(["--checkpoint", "m.pt", "--name", "m", "--input", "ids:int64:1x4",
                           *[f for t in dynamic_axis_texts({"ids": {1: "sequence"}}) for f in ("--dynamic-axis", t)]],
                          {})
    assert config.dynamic_axes == (("ids", 1, "sequence"),)


def test_import_converter_is_cheap_and_exports_the_api():
    import subprocess
    import sys

    code = ("import sys, converter; heavy = [m for m in ('torch', 'tensorflow', 'onnx', 'onnxruntime') "
            "if m in sys.modules]; print(heavy, converter.ParityError.exit_code, converter.BadInputError.exit_code, "
            "converter.UnsupportedModelError.exit_code, converter.InternalError.exit_code)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=str(Path(__file__).resolve().parents[2]), timeout=300)
    assert result.stdout.strip() == "[] 1 2 3 4", result.stderr
    from converter.api import ConversionResult, convert

    assert converter.convert is convert and converter.ConversionResult is ConversionResult
    assert "convert" in dir(converter)
