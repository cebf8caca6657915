"""The zoo's fast subset end to end: real torchvision / timm / transformers models, each saved in a different
checkpoint format (trace, .pt2, .onnx, state_dict + --model-class), converted through scripts/convert.py in a
child process with default flags, as the zoo runs them (`python -m benchmarks.zoo --subset fast`)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks.zoo import runner
from benchmarks.zoo.catalogue import FORMATS, select

FAST = select(subset="fast")


def test_fast_subset_spans_libraries_and_formats():
    assert {m.library for m in FAST} == {"torchvision", "timm", "transformers"}
    assert {m.format for m in FAST} == set(FORMATS)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("zoo")


@pytest.mark.slow
@pytest.mark.parametrize("model", FAST, ids=[m.name for m in FAST])
def test_converts_with_parity_and_dynamic_batch(model, work):
    record = runner.run_convert_phase(model, work)
    assert record["exit_code"] == 0, record.get("error")
    assert record["converted"] and record["seconds"] > 0
    assert json.loads(runner.result_path(model, work).read_text())["model"] == model.name     # cached

    report = json.loads((Path(record["version_dir"]) / "assets.extra" / "conversion_report.json").read_text())
    rows = report["parity"]["rows"]
    # every verify batch size (none of them the export batch, 2) and every output, against ONNX Runtime
    # always and against PyTorch eager when the checkpoint is a PyTorch one
    assert {r["batch"] for r in rows} == {1, 3, 8}
    assert {r["output"] for r in rows} == set(model.outputs)
    references = {"onnxruntime"} | (set() if model.format == "onnx" else {"pytorch"})
    assert {r["reference"] for r in rows} == references
    for row in rows:
        assert math.isfinite(row["max_abs"]) and 0 <= row["max_abs"] <= report["parity"]["atol"] * 1e3
        assert row["passed"]
    for reference in references:       # the record's worst-case summary is the maximum over the rows
        assert record["parity"][reference]["max_abs"] == max(r["max_abs"] for r in rows
                                                             if r["reference"] == reference)
    signature = report["signature"]
    assert [i["key"] for i in signature["inputs"]] == [s.split(":")[0] for s in model.inputs]
    assert all(t["shape"][0] == -1 for t in signature["inputs"] + signature["outputs"])
    assert Path(record["onnx"]).is_file()


@pytest.mark.slow
def test_latency_child_measures_a_converted_model(work):
    """The latency phase's child on one converted model (few runs: checks the harness, not a speed)."""
    import subprocess
    import sys

    model = next(m for m in FAST if m.library == "transformers" and m.format == "onnx")
    if runner.load_result(model, work) is None:
        runner.run_convert_phase(model, work)
    command = [sys.executable, "-m", "benchmarks.zoo.latency", model.name, "--work", str(work), "--runs", "3",
               "--warmup", "1"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=runner.ROOT, env=runner._child_env(),
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    entry = json.loads((work / model.name / "latency.json").read_text())["latency"]
    for batch in ("1", "8"):
        assert entry[batch]["ours_ms"] > 0 and entry[batch]["onnxruntime_ms"] > 0
        assert entry[batch]["ratio"] == pytest.approx(entry[batch]["ours_ms"] / entry[batch]["onnxruntime_ms"],
                                                      rel=1e-2)
        assert entry[batch]["ours_vs_onnxruntime_max_abs"] < 1e-3     # both timed graphs compute the same

    # --tf-kernels: oneDNN's kernels set in the child before TF starts, recorded, cached beside the default run
    done = subprocess.run(command + ["--tf-kernels", "onednn_frozen"], capture_output=True, text=True,
                          cwd=runner.ROOT, env=runner._child_env(), timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    onednn = json.loads((work / model.name / "latency-onednn_frozen.json").read_text())
    assert onednn["conditions"]["tf_kernels"] == "onednn_frozen"
    assert onednn["conditions"]["tf_env"] == {"TF_ENABLE_ONEDNN_OPTS": "1", "TF_ONEDNN_ASSUME_FROZEN_WEIGHTS": "1"}
    assert all(onednn["latency"][batch]["ours_vs_onnxruntime_max_abs"] < 1e-3 for batch in ("1", "8"))


def test_layers_initialised_to_zero_get_random_weights_and_the_others_stay():
    import torch

    from benchmarks.zoo.architectures import randomize_zero_weights

    torch.manual_seed(0)
    body, head = torch.nn.Conv2d(3, 4, 3), torch.nn.Linear(4, 10)
    torch.nn.init.zeros_(head.weight)              # as torchvision's ViT initialises its head
    before = body.weight.clone()
    assert randomize_zero_weights(torch.nn.Sequential(body, head)) == 1
    assert head.weight.abs().min() > 0 and 0.01 < float(head.weight.std()) < 0.04
    assert torch.equal(body.weight, before)
