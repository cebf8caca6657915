"""ConversionReport: its JSON is what tests, inspect_model and the benchmarks read, so as_dict() and
from_dict() must round-trip a real report to the same text, key order included."""
from __future__ import annotations

import json

from converter.report import ConversionReport, ReportSignature, ReportSource, write_report

# A real report of a small CNN (--io-layout nhwc, client signatures, --batching auto), lists shortened.
REPORT = {
    "model_name": "cnn",
    "source": {"checkpoint": "cnn.pt", "format": "torchscript", "notes": ["detected format torchscript"]},
    "exporter": "torchscript", "opset": 18, "backend": "native", "batch_split": 1,
    "signature": {"names": ["serving_default"], "method_name": "tensorflow/serving/predict",
                  "inputs": [{"onnx_name": "x", "key": "x", "dtype": "float32", "shape": [-1, 32, 32, 3]}],
                  "outputs": [{"onnx_name": "logits", "key": "logits", "dtype": "float32", "shape": [-1, 6]}],
                  "renamed": {}},
    "op_counts": {"exported": {"Constant": 1, "Conv": 1, "Gemm": 1, "ReduceMean": 1, "Relu": 1},
                  "translated": {"Constant": 1, "Conv": 1, "Gemm": 1, "ReduceMean": 1, "Relu": 1}},
    "passes": [{"name": "MakeBatchDynamicPass", "modified": False, "op_count_diff": {}},
               {"name": "ConvertToNhwcPass", "modified": True, "op_count_diff": {"Transpose": 2}},
               {"name": "ExposeNhwcInputsPass", "modified": True, "op_count_diff": {"Transpose": -1}}],
    "parity": {"atol": 0.0001, "rtol": 0.001, "passed": True, "calibrated": True,
               "noise_floor": {"between": "pytorch and onnxruntime", "multiple": 10.0, "cap": 0.001,
                               "scale_rtol": 1e-05},
               "rows": [{"batch": 1, "inputs": "normal", "reference": "pytorch", "output": "logits", "shape": [1, 6],
                         "dtype": "float32", "max_abs": 2.98e-08, "max_rel": 7.1e-08, "passed": True, "note": "",
                         "noise_floor": 2.98e-08, "passed_by": "tolerance", "scale": 0.437, "noise_ratio": 1.0}],
               "reference_gaps": [], "warnings": []},
    "warnings": ["exported with the TorchScript-based exporter: the checkpoint is a TorchScript archive"],
    "tool_versions": {"python": "3.11.7", "torch": "2.13.0+cpu", "tensorflow": "2.21.0"},
    "client_signatures": {"signatures": {"predict_image_bytes": "tensorflow/serving/predict"},
                          "runs": [{"signature": "predict_image_bytes", "inputs": "png", "atol": 0.0001, "rtol": 0.001,
                                    "error": None, "outputs": {"logits": {"max_abs": 2.98e-08, "ok": True}}}]},
    "batching": {"curve": [{"batch": 1, "latency_ms": 0.536, "samples_per_s": 1867.0}],
                 "params": {"max_batch_size": 8, "batch_timeout_micros": 535, "num_batch_threads": 1,
                            "allowed_batch_sizes": [1, 2, 4, 8]},
                 "reasons": ["throughput (samples/s): 1: 1867.0"], "conditions": "C API loader"},
    "version": 1,
    "stage_seconds": {"load": 0.03, "export": 0.539, "serving": 21.37},
}


def test_round_trip_gives_the_same_json():
    report = ConversionReport.from_dict(json.loads(json.dumps(REPORT)))
    assert isinstance(report.source, ReportSource) and report.source.notes == ("detected format torchscript",)
    assert isinstance(report.signature, ReportSignature) and report.signature.names == ("serving_default",)
    assert json.dumps(report.as_dict()) == json.dumps(REPORT)


def test_written_file_is_the_json(tmp_path):
    path = write_report(ConversionReport.from_dict(REPORT), tmp_path)
    assert path == tmp_path / "assets.extra" / "conversion_report.json"
    assert path.read_text() == json.dumps(REPORT, indent=2)


def test_sections_without_data_are_left_out():
    plain = {k: v for k, v in REPORT.items() if k not in ("client_signatures", "batching")}
    report = ConversionReport.from_dict(plain)
    assert report.client_signatures is None and report.batching is None
    assert list(report.as_dict()) == list(plain)
