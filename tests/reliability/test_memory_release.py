"""Models over 2 GB: the converting process keeps no copy of the PyTorch weights after the PyTorch reference.

onnxscript's rewriter (torch.onnx.export(..., optimize=True)) kept the last graph it rewrote, whose
initializers wrap the parameters, in its module-level rewrite rules; the export now clears that state.
Checked with weak references to the parameters (the memory benchmark is benchmarks/large_model.py).
"""
from __future__ import annotations

import gc
import weakref

import pytest
import torch

from converter.config import ConversionConfig, InputSpec
from tests.e2e.conftest import ROOT
from tests.reliability._models import LinearStack


@pytest.mark.slow
def test_dynamo_export_keeps_no_reference_to_the_weights(tmp_path):
    from converter.export.dynamo import export_dynamo

    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64)).eval()
    export_dynamo(model, (torch.zeros(2, 64),), ["x"], ["y"], {}, 18, tmp_path / "m.onnx", False)
    weights = [weakref.ref(p) for p in model.parameters()]
    del model
    gc.collect()
    assert [w() for w in weights] == [None] * len(weights)


def test_release_rewriter_state_clears_every_matcher():
    from onnxscript.rewriter._matcher import SimplePatternMatcher

    from converter.export.dynamo import release_rewriter_state

    holder = SimplePatternMatcher.__new__(SimplePatternMatcher)
    holder._graph, holder._match = object(), object()
    assert release_rewriter_state() >= 1
    assert holder._graph is None and holder._match is None
    assert release_rewriter_state() == 0          # nothing left to release


@pytest.mark.slow
def test_pipeline_drops_the_pytorch_model_after_the_reference(tmp_path):
    from converter import pipeline
    from converter.pipeline import StageTimer
    from converter.verify import make_feed_sets
    from converter.verify.stability import PYTORCH_FLOAT64

    torch.manual_seed(0)
    torch.save(LinearStack(width=32, depth=2).state_dict(), tmp_path / "stack.pt")
    config = ConversionConfig(checkpoint=tmp_path / "stack.pt", name="stack", inputs=(InputSpec.parse("x:float32:2x32"),),
                              outputs=("y",), model_class="tests.reliability._models:LinearStack",
                              model_kwargs={"width": 32, "depth": 2}, model_path=ROOT,
                              serving_root=tmp_path / "serving_models")
    graph = pipeline._load_export_rewrite(config, StageTimer(pipeline.STAGES), tmp_path / "work")
    weights = [weakref.ref(p) for p in graph.loaded.module.parameters()]
    feed_sets = make_feed_sets(graph.input_specs, config.verify_batch_sizes, config.seed, config.dynamic_axes)
    expected = pipeline._reference_outputs(graph, feed_sets)
    assert set(expected) == {"pytorch", "onnxruntime", PYTORCH_FLOAT64}
    assert expected[PYTORCH_FLOAT64] == [None] * len(feed_sets)     # the references agree: no float64 run
    assert [w() for w in weights] == [None] * len(weights)       # no gc.collect() here: the stage did it
