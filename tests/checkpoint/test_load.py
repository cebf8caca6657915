"""Stage 1: every checkpoint format loads, detection reads contents, bad and malicious files are refused."""
from __future__ import annotations

import os
import pickle
import shutil
import sys
import textwrap

import numpy as np
import pytest
import torch

from converter.checkpoint import detect_format, load_checkpoint, run_eager
from converter.checkpoint.model_class import importable_from
from converter.config import ConversionConfig
from converter.errors import BadInputError, UntrustedCheckpointError
from examples import models
from examples.make_checkpoints import write_checkpoints

MODEL = "TwoInTwoOut"
CLASS = models.EXAMPLES[MODEL].model_class
EXPECTED_FORMAT = {"state_dict": "state_dict", "train_loop": "state_dict", "pickled_module": "pickled_module",
                   "traced": "torchscript", "scripted": "torchscript", "exported_program": "exported_program",
                   "torch_package": "torch_package", "onnx": "onnx"}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    return write_checkpoints(MODEL, tmp_path_factory.mktemp("ckpt"))


def config(path, **kwargs) -> ConversionConfig:
    kwargs.setdefault("model_class", CLASS)
    return ConversionConfig(checkpoint=path, name="m", **kwargs)


def feeds(batch=3):
    rng = np.random.default_rng(7)
    return {"x": rng.standard_normal((batch, 8)).astype(np.float32),
            "y": rng.standard_normal((batch, 4)).astype(np.float32)}


def reference(name=MODEL, batch=3):
    data = feeds(batch)
    with torch.no_grad():
        out = models.build(name)(torch.from_numpy(data["x"]), torch.from_numpy(data["y"]))
    return [t.numpy() for t in (out.values() if isinstance(out, dict) else out)]


@pytest.mark.parametrize("label", sorted(EXPECTED_FORMAT))
def test_every_format_loads_and_matches_the_original_model(checkpoints, label):
    loaded = load_checkpoint(config(checkpoints[label], trust_checkpoint=True))
    assert loaded.format == EXPECTED_FORMAT[label]
    if label == "onnx":
        assert loaded.module is None and loaded.onnx_model is not None
        with pytest.raises(BadInputError, match="no PyTorch model"):
            run_eager(loaded, feeds(), ["x", "y"])
        return
    got = run_eager(loaded, feeds(), ["x", "y"])
    for g, r in zip(got, reference(), strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-6)


def test_training_loop_dict_note(checkpoints):
    loaded = load_checkpoint(config(checkpoints["train_loop"]))
    assert "state_dict found under key 'model_state_dict'" in loaded.notes


@pytest.mark.parametrize("label,disguise", [("state_dict", "weights.onnx"), ("scripted", "model.pth"),
                                            ("onnx", "model.pt"), ("exported_program", "model.pt"),
                                            ("torch_package", "model.pt2"), ("pickled_module", "state.pth")])
def test_detection_reads_contents_not_the_extension(checkpoints, tmp_path, label, disguise):
    disguised = tmp_path / disguise
    shutil.copy(checkpoints[label], disguised)
    assert detect_format(disguised) == EXPECTED_FORMAT[label]


def test_format_flag_overrides_detection_and_a_wrong_one_is_a_clean_error(checkpoints):
    with pytest.raises(BadInputError, match="not a loadable TorchScript archive"):
        load_checkpoint(config(checkpoints["state_dict"], checkpoint_format="torchscript"))


def test_pickled_module_and_package_need_trust(checkpoints):
    with pytest.raises(UntrustedCheckpointError, match="--trust-checkpoint") as info:
        load_checkpoint(config(checkpoints["pickled_module"]))
    assert "examples.models.TwoInTwoOut" in str(info.value)
    with pytest.raises(UntrustedCheckpointError, match="torch.package.*--trust-checkpoint"):
        load_checkpoint(config(checkpoints["torch_package"]))


def test_package_resource_names_the_pickle(checkpoints):
    path = checkpoints["torch_package"]
    loaded = load_checkpoint(config(path, trust_checkpoint=True, package_resource="model/model.pkl"))
    assert loaded.notes == ("detected format torch_package",
                            f"--model-class {CLASS} ignored: a torch_package checkpoint carries its own model")
    with pytest.raises(BadInputError, match="loading model/other.pkl from the torch.package failed"):
        load_checkpoint(config(path, trust_checkpoint=True, package_resource="model/other.pkl"))


class _CreatesFileWhenUnpickled:
    """Unpickling this runs `open(marker, "w")` (or os.system): what a malicious checkpoint does."""

    def __init__(self, marker, use_system):
        self.marker, self.use_system = str(marker), use_system

    def __reduce__(self):
        if self.use_system:
            return os.system, (f"touch {self.marker}",)
        return open, (self.marker, "w")


@pytest.mark.parametrize("writer", ["torch.save", "pickle"])
@pytest.mark.parametrize("use_system", [True, False])
@pytest.mark.parametrize("forced_format", ["auto", "state_dict", "pickled_module"])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path, writer, use_system, forced_format):
    marker = tmp_path / "pwned.txt"
    evil = {"model_state_dict": _CreatesFileWhenUnpickled(marker, use_system)}
    path = tmp_path / "innocent.pt"
    if writer == "torch.save":
        torch.save(evil, path)
    else:
        path.write_bytes(pickle.dumps(evil, protocol=2))
    assert not marker.exists()
    with pytest.raises(UntrustedCheckpointError) as info:
        load_checkpoint(config(path, checkpoint_format=forced_format))
    message = str(info.value)
    assert "--trust-checkpoint" in message and "runs code" in message and "\n" not in message
    assert ("system" if use_system else "open") in message
    assert not marker.exists()


@pytest.mark.parametrize("label", ["state_dict", "scripted", "onnx", "exported_program", "pickled_module"])
def test_truncated_files_are_bad_input(checkpoints, tmp_path, label):
    data = checkpoints[label].read_bytes()
    path = tmp_path / checkpoints[label].name
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInputError) as info:
        load_checkpoint(config(path, trust_checkpoint=True))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("suffix", [".pt", ".onnx"])
def test_random_bytes_are_bad_input(tmp_path, seed, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(np.random.default_rng(seed).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(BadInputError, match="random"):
        load_checkpoint(config(path, trust_checkpoint=True))


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(BadInputError, match="file not found"):
        load_checkpoint(config(tmp_path / "nope.pt"))
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(BadInputError, match="empty"):
        load_checkpoint(config(tmp_path / "empty.pt"))


def test_state_dict_mismatch_names_the_keys(checkpoints):
    with pytest.raises(BadInputError) as info:
        load_checkpoint(config(checkpoints["state_dict"], model_class="examples.models:SequenceClassifierGRU"))
    message = str(info.value)
    # GRU has rnn.{weight,bias}_{ih,hh}_l0 + head.*; TwoInTwoOut has a.*, b.*, head.* (head shapes differ)
    assert "4 missing keys (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, ...)" in message
    assert "4 unexpected keys (a.weight, a.bias, b.weight, ...)" in message
    assert "2 shape mismatches (head.weight: checkpoint (2, 6) vs model (3, 16), head.bias: checkpoint (2,) vs " \
           "model (3,))" in message


def test_shape_mismatch_from_model_kwargs(tmp_path):
    path = tmp_path / "gru.pt"
    torch.save(models.build("SequenceClassifierGRU").state_dict(), path)
    with pytest.raises(BadInputError, match=r"shape mismatches \(rnn.weight_ih_l0: checkpoint \(48, 8\) vs model "
                                            r"\(24, 8\)"):
        load_checkpoint(config(path, model_class="examples.models:SequenceClassifierGRU",
                               model_kwargs={"hidden": 8}))


@pytest.mark.parametrize("prefix", ["module.", "model."])
def test_wrapper_prefixes_are_stripped(tmp_path, prefix):
    path = tmp_path / "wrapped.pt"
    torch.save({"state_dict": {prefix + k: v for k, v in models.build(MODEL).state_dict().items()}}, path)
    loaded = load_checkpoint(config(path))
    assert any(prefix in note for note in loaded.notes)
    for g, r in zip(run_eager(loaded, feeds(), ["x", "y"]), reference()):
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("spec,pattern", [
    (None, "needs? --model-class|pass --model-class"),
    ("examples.nope:Net", "module 'examples.nope' not found"),
    ("examples.models:Nope", "no attribute 'Nope'; nn.Module classes there: .*TinyResNet"),
    ("examples.models:EXAMPLES", "is a dict, not a torch.nn.Module subclass"),
    ("examples.models", "expected module:Class"),
])
def test_bad_model_class(checkpoints, spec, pattern):
    with pytest.raises(BadInputError, match=pattern):
        load_checkpoint(config(checkpoints["state_dict"], model_class=spec))


def test_model_kwargs_refused_by_the_constructor(checkpoints):
    with pytest.raises(BadInputError, match=r"--model-kwargs \{'depth': 18\}: .*refused them: TypeError"):
        load_checkpoint(config(checkpoints["state_dict"], model_kwargs={"depth": 18}))


def test_model_class_imported_from_model_path(tmp_path):
    """The model module imports a sibling module of its folder; sys.path is as before afterwards."""
    (tmp_path / "user_sizes_for_load_test.py").write_text("WIDTH = 3\n")
    (tmp_path / "user_nets_for_load_test.py").write_text(textwrap.dedent("""
        import torch
        from user_sizes_for_load_test import WIDTH
        class Scale(torch.nn.Module):
            def __init__(self, n=WIDTH):
                super().__init__()
                self.w = torch.nn.Parameter(torch.arange(n, dtype=torch.float32))
            def forward(self, x):
                return x * self.w
        """))
    path = tmp_path / "scale.pt"
    torch.save({"w": torch.tensor([2.0, 3.0, 4.0])}, path)
    before = list(sys.path)
    loaded = load_checkpoint(ConversionConfig(checkpoint=path, name="m", model_class="user_nets_for_load_test:Scale",
                                              model_path=tmp_path))
    assert sys.path == before
    out = run_eager(loaded, {"x": np.ones((2, 3), np.float32)}, ["x"])
    np.testing.assert_array_equal(out[0], [[2, 3, 4], [2, 3, 4]])


def test_dict_outputs_flatten_in_return_order(tmp_path):
    path = tmp_path / "dict.pt"
    torch.save(models.build("TwoInTwoOutDict").state_dict(), path)
    loaded = load_checkpoint(config(path, model_class="examples.models:TwoInTwoOutDict"))
    got = run_eager(loaded, feeds(), ["x", "y"])
    assert [g.shape for g in got] == [(3, 2), (3, 6)]
    for g, r in zip(got, reference("TwoInTwoOutDict")):
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-6)


def test_legacy_non_zip_torch_save_is_detected_as_state_dict(tmp_path):
    path = tmp_path / "legacy.pt"
    torch.save(models.build(MODEL).state_dict(), path, _use_new_zipfile_serialization=False)
    assert path.read_bytes()[:1] == b"\x80"
    loaded = load_checkpoint(config(path))
    assert loaded.format == "state_dict"
    for g, r in zip(run_eager(loaded, feeds(), ["x", "y"]), reference()):
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-6)


def test_trusted_pickled_module_imports_its_classes_from_model_path(tmp_path):
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "user_pickled_net_for_load_test.py").write_text(textwrap.dedent("""
        import torch
        class Double(torch.nn.Module):
            def forward(self, x):
                return 2 * x
        """))
    try:
        with importable_from(code_dir):
            import user_pickled_net_for_load_test as user_module
        assert str(code_dir) not in sys.path      # the scope put sys.path back as it was
        torch.save(user_module.Double(), tmp_path / "double.pt")
    finally:
        sys.modules.pop("user_pickled_net_for_load_test")
    with pytest.raises(BadInputError, match="not importable .*--model-path"):
        load_checkpoint(ConversionConfig(checkpoint=tmp_path / "double.pt", name="m", trust_checkpoint=True))
    loaded = load_checkpoint(ConversionConfig(checkpoint=tmp_path / "double.pt", name="m", trust_checkpoint=True,
                                              model_path=code_dir))
    np.testing.assert_array_equal(run_eager(loaded, {"x": np.ones((2, 2), np.float32)}, ["x"])[0], 2 * np.ones((2, 2)))


_VERSIONED_NETS = textwrap.dedent("""
    import torch
    class Versioned(torch.nn.Module):
        '''Checks its saved version on load, as torchvision's MNASNet does.'''
        _version = 2
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(4, 2)
        def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args):
            version = local_metadata.get("version", None)
            if version not in (1, 2):
                raise ValueError(f"version should be set to 1 or 2 instead of {version}")
            super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Versioned()
        def forward(self, x):
            return self.inner.linear(x)
    """)


@pytest.mark.parametrize("wrap", ["plain", "nested", "data_parallel"])
def test_module_versions_saved_with_the_state_dict_survive_loading(tmp_path, wrap):
    """torch.save(model.state_dict()) keeps each module's version in `_metadata`; torchvision's MNASNet
    refuses to load without it, so extracting and re-keying the weights must keep it."""
    (tmp_path / "versioned_nets_for_load_test.py").write_text(_VERSIONED_NETS)
    from converter.checkpoint.model_class import build_model

    net = build_model("versioned_nets_for_load_test:Net", tmp_path, {}).eval()
    state = torch.nn.DataParallel(net).state_dict() if wrap == "data_parallel" else net.state_dict()
    assert state._metadata["inner" if wrap != "data_parallel" else "module.inner"]["version"] == 2
    path = tmp_path / "versioned.pt"
    torch.save({"state_dict": state} if wrap == "nested" else state, path)
    loaded = load_checkpoint(ConversionConfig(checkpoint=path, name="m", model_class="versioned_nets_for_load_test:Net",
                                              model_path=tmp_path))
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(run_eager(loaded, {"x": x}, ["x"])[0], expected)


def test_a_module_refusing_the_state_dict_is_bad_input(tmp_path):
    """Weights saved without torch's metadata (a dict rebuilt by hand): the model's own refusal is the
    user's to fix, a one-line BadInputError, not an internal error."""
    (tmp_path / "versioned_nets_for_load_test2.py").write_text(_VERSIONED_NETS)
    path = tmp_path / "bare.pt"
    torch.save({"inner.linear.weight": torch.ones(2, 4), "inner.linear.bias": torch.zeros(2)}, path)
    with pytest.raises(BadInputError, match="refused the state_dict.*version should be set to 1 or 2"):
        load_checkpoint(ConversionConfig(checkpoint=path, name="m", model_class="versioned_nets_for_load_test2:Net",
                                         model_path=tmp_path))
