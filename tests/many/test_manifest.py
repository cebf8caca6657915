"""convert-many's manifest -> entries: the same ConversionConfig as the convert flags, defaults, spellings,
paths against the manifest's folder, and one error naming the entry and the field (no conversion runs)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from converter.cli.convert import build_parser, config_from_args
from converter.errors import BadInputError
from converter.many.manifest import load_manifest

yaml = pytest.importorskip("yaml")


def _write(folder: Path, data, name: str = "models.yaml") -> Path:
    path = folder / name
    path.write_text(json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data, sort_keys=False))
    return path


def test_an_entry_gives_the_config_of_the_equivalent_flags(tmp_path):
    path = _write(tmp_path, {"defaults": {"model-path": "code", "opset": 17, "serving_root": "out"}, "models": [
        {"name": "bert", "checkpoint": "ckpt/bert.pt", "model_class": "nets:Bert", "model_kwargs": {"layers": 2},
         "input": ["input_ids:int64:1x16", "attention_mask:int64:1x16"], "input_range": {"input_ids": [0, 30522]},
         "output": ["logits"], "dynamic-axis": ["input_ids:1:sequence", "attention_mask:1:sequence"],
         "label": {"stable": 1}, "verify_batch_sizes": [1, 4], "no-layout-pass": True, "trust_checkpoint": False,
         "batching": "auto", "format": "state_dict"}]})
    [entry] = load_manifest(path)
    expected = config_from_args(build_parser().parse_args([
        "--checkpoint", str(tmp_path / "ckpt/bert.pt"), "--name", "bert", "--model-path", str(tmp_path / "code"),
        "--opset", "17", "--serving-root", str(tmp_path / "out"), "--model-class", "nets:Bert",
        "--model-kwargs", '{"layers": 2}', "--input", "input_ids:int64:1x16", "--input", "attention_mask:int64:1x16",
        "--input-range", "input_ids:0:30522", "--output", "logits", "--dynamic-axis", "input_ids:1:sequence",
        "--dynamic-axis", "attention_mask:1:sequence", "--label", "stable=1", "--verify-batch-sizes", "1,4",
        "--no-layout-pass", "--batching", "auto", "--format", "state_dict"]))
    assert entry.config == expected
    assert (entry.index, entry.name, entry.label) == (1, "bert", "entry 1 (bert)")
    assert entry.config.inputs[0].high == 30522 and entry.config.version_labels == (("stable", 1),)
    assert entry.model_dir == (tmp_path / "out" / "bert").resolve()
    assert config_from_args(build_parser().parse_args(list(entry.argv))) == expected   # what a worker parses


def test_defaults_are_replaced_per_field_and_absolute_paths_kept(tmp_path):
    path = _write(tmp_path, {"defaults": {"input": ["x:float32:1x4"], "serving_root": "/srv/models"},
                             "models": [{"name": "a", "checkpoint": "/abs/a.pt"},
                                        {"name": "b", "checkpoint": "b.pt", "input": ["y:float32:1x2", "z:int64:1x2"]}]})
    a, b = load_manifest(path)
    assert [s.name for s in a.config.inputs] == ["x"] and [s.name for s in b.config.inputs] == ["y", "z"]
    assert a.config.checkpoint == Path("/abs/a.pt") and b.config.checkpoint == tmp_path / "b.pt"
    assert a.config.serving_root == Path("/srv/models")
    assert a.config.model_path == Path(".")          # left out: convert's default, the working directory


def test_each_entry_gets_its_own_work_dir_and_explicit_versions_are_not_claimed_twice(tmp_path):
    path = _write(tmp_path, {"defaults": {"work_dir": "work", "checkpoint": "m.onnx"},
                             "models": [{"name": "a", "version": 3}, {"name": "b", "version": 3},
                                        {"name": "a", "version": 3, "force": True}]})
    entries = load_manifest(path)
    assert [e.config.work_dir for e in entries] == [tmp_path / "work" / "1-a", tmp_path / "work" / "2-b",
                                                    tmp_path / "work" / "3-a"]
    path = _write(tmp_path, {"defaults": {"checkpoint": "m.onnx"},
                             "models": [{"name": "a", "version": 3}, {"name": "b"}, {"name": "a", "version": 3}]})
    with pytest.raises(BadInputError, match=r"entry 3 \(a\): field version: 3 is also entry 1 \(a\)'s; give another"):
        load_manifest(path)


def test_a_bare_list_json_and_the_command_lines_serving_root(tmp_path):
    path = _write(tmp_path, [{"name": "a", "checkpoint": "a.onnx"}, {"name": "a", "checkpoint": "a2.onnx"}],
                  "models.json")
    entries = load_manifest(path, serving_root=tmp_path / "elsewhere")
    assert [e.index for e in entries] == [1, 2]
    assert {e.config.serving_root for e in entries} == {(tmp_path / "elsewhere").resolve()}


def test_json_needs_no_pyyaml(tmp_path, monkeypatch):
    path = _write(tmp_path, {"models": [{"name": "a", "checkpoint": "a.onnx"}]}, "models.json")
    monkeypatch.setitem(sys.modules, "yaml", None)        # import yaml now fails
    assert load_manifest(path)[0].name == "a"
    text = tmp_path / "models.yaml"
    text.write_text("models:\n  - name: a\n")
    with pytest.raises(BadInputError, match=r"reading YAML needs PyYAML .* or write the manifest as JSON"):
        load_manifest(text)


@pytest.mark.parametrize("data, message", [
    ({"models": [{"name": "ok", "checkpoint": "a.pt"}, {"name": "two", "checkpoint": "b.pt", "opset": "x"}]},
     "entry 2 (two): argument --opset: invalid int value: 'x'"),
    ({"models": [{"name": "two", "checkpoint": "b.pt", "input": ["x:float33:1x4"]}]},
     "entry 1 (two): --input 'x:float33:1x4': dtype 'float33' is not one of"),
    ({"models": [{"name": "two", "checkpoint": "b.pt", "inputs": ["x:float32:1x4"]}]},
     "entry 1 (two): unknown field 'inputs'; did you mean 'input'?"),
    ({"models": [{"name": "two", "checkpoint": "b.pt", "force": "yes"}]},
     "entry 1 (two): field force is a switch: pass True or False, not 'yes'"),
    ({"models": [{"name": "two", "checkpoint": "b.pt", "exporter": "onnx"}]},
     "entry 1 (two): argument --exporter: invalid choice: 'onnx'"),
    ({"models": [{"checkpoint": "b.pt"}]}, "entry 1: missing field name"),
    ({"models": [{"name": "a", "checkpoint": "a.pt"}, {}]}, "entry 2: missing fields checkpoint, name"),
    ({"models": [{"name": "a b", "checkpoint": "a.pt"}]}, "entry 1 (a b): --name 'a b': use letters, digits"),
    ({"models": [{"name": "a", "checkpoint": "a.pt", "model-class": "x:Y", "model_class": "x:Z"}]},
     "entry 1 (a): field 'model_class' is given twice"),
    ({"models": [{"name": "a", "checkpoint": "a.pt", "json": True}]},
     "entry 1 (a): field 'json' is a flag of the whole convert-many run"),
    ({"defaults": {"opset": "x"}, "models": [{"name": "a", "checkpoint": "a.pt"}]},
     "entry 1 (a): argument --opset: invalid int value: 'x'"),
    ({"defaults": {"opsett": 17}, "models": [{"name": "a", "checkpoint": "a.pt"}]},
     "defaults: unknown field 'opsett'; did you mean 'opset'?"),
    ({"models": ["a.pt"]}, "entry 1: expected a mapping of fields"),
    ({"models": []}, "'models' must be a non-empty list"),
    ({"model": [{"name": "a"}]}, "unknown top-level key 'model'"),
    ({"defaults": [1], "models": [{"name": "a"}]}, "'defaults' must be a mapping"),
])
def test_a_malformed_manifest_is_one_error_naming_the_entry_and_field(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(BadInputError) as caught:
        load_manifest(path)
    text = str(caught.value)
    assert text.startswith(f"manifest {path}: ") and message in text, text
    assert "\n" not in text and caught.value.exit_code == 2


def test_unreadable_and_unparsable_files(tmp_path):
    with pytest.raises(BadInputError, match=r"manifest .*missing.yaml: cannot read it"):
        load_manifest(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("models:\n  - name: a\n   checkpoint: [\n")
    with pytest.raises(BadInputError, match=r"not valid YAML at line \d+, column \d+"):
        load_manifest(broken)
    bad_json = tmp_path / "broken.json"
    bad_json.write_text('{"models": [}')
    with pytest.raises(BadInputError, match=r"not valid JSON at line 1, column 13"):
        load_manifest(bad_json)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(BadInputError, match="not an empty file"):
        load_manifest(empty)
