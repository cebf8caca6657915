"""assets.extra/tf_serving_warmup_requests: PredictRequests TF Serving replays before serving a version.

The file is a TFRecord of PredictionLog records (TF Serving reads at most 1,000). Without it, the
first real requests pay for graph optimisation and kernel selection. Records are serialized with their map
entries (a request's inputs) sorted by key: protobuf's own order depends on the process, and the same
conversion should write the same bytes in any process.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import classification_pb2, predict_pb2, prediction_log_pb2, regression_pb2

from converter.errors import BadInputError

log = logging.getLogger(__name__)

WARMUP_RELATIVE_PATH = Path("assets.extra") / "tf_serving_warmup_requests"
MAX_WARMUP_RECORDS = 1000  # TF Serving stops reading (and fails the load) beyond this


def build_predict_request(model_name: str, signature_name: str, feeds: dict[str, np.ndarray],
                          version: int | None = None, label: str | None = None) -> predict_pb2.PredictRequest:
    """A PredictRequest with one TensorProto per input (the same encoding the gRPC client sends)."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    if version is not None:
        request.model_spec.version.value = int(version)
    elif label is not None:
        request.model_spec.version_label = label
    for name, value in feeds.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(value)))
    return request


def write_warmup_requests(version_dir: Path, model_name: str, signature_name: str,
                          feeds_by_batch: list[dict[str, np.ndarray]]) -> Path:
    """Write one PredictionLog per feed dict into version_dir/assets.extra; return the file path."""
    if not feeds_by_batch:
        raise BadInputError(f"warmup for {model_name}: no requests given; pass at least one batch size")
    if len(feeds_by_batch) > MAX_WARMUP_RECORDS:
        raise BadInputError(f"warmup for {model_name}: {len(feeds_by_batch)} requests, TF Serving reads at most "
                            f"{MAX_WARMUP_RECORDS}; pass fewer --warmup-batch-sizes")
    target = Path(version_dir) / WARMUP_RELATIVE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with tf.io.TFRecordWriter(str(tmp)) as writer:
        for feeds in feeds_by_batch:
            request = build_predict_request(model_name, signature_name, feeds)
            record = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(record.SerializeToString(deterministic=True))    # map keys sorted
    os.replace(tmp, target)
    log.info("wrote %d warmup requests to %s", len(feeds_by_batch), target)
    return target


def predict_log(model_name: str, signature_name: str, feeds: dict[str, np.ndarray]) -> prediction_log_pb2.PredictionLog:
    """A warmup record of a Predict call (string inputs: numpy object arrays of bytes)."""
    request = build_predict_request(model_name, signature_name, feeds)
    return prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))


def build_classification_request(model_name: str, signature_name: str, serialized_examples: list[bytes],
                                 kind=classification_pb2.ClassificationRequest):
    """A ClassificationRequest (or RegressionRequest) of serialized tf.Examples (input.example_list)."""
    from tensorflow.core.example import example_pb2

    request = kind()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    for raw in serialized_examples:
        request.input.example_list.examples.append(example_pb2.Example.FromString(raw))
    return request


def classify_log(model_name: str, signature_name: str, serialized_examples: list[bytes]) -> prediction_log_pb2.PredictionLog:
    request = build_classification_request(model_name, signature_name, serialized_examples)
    return prediction_log_pb2.PredictionLog(classify_log=prediction_log_pb2.ClassifyLog(request=request))


def regress_log(model_name: str, signature_name: str, serialized_examples: list[bytes]) -> prediction_log_pb2.PredictionLog:
    request = build_classification_request(model_name, signature_name, serialized_examples,
                                           regression_pb2.RegressionRequest)
    return prediction_log_pb2.PredictionLog(regress_log=prediction_log_pb2.RegressLog(request=request))


def append_warmup_records(version_dir: Path, records: list[prediction_log_pb2.PredictionLog]) -> Path:
    """Add records (client signatures: image bytes, classify) after the existing ones, atomically."""
    target = Path(version_dir) / WARMUP_RELATIVE_PATH
    existing = ([raw for raw in tf.data.TFRecordDataset(str(target)).as_numpy_iterator()]
                if target.exists() else [])
    if len(existing) + len(records) > MAX_WARMUP_RECORDS:
        raise BadInputError(f"warmup: {len(existing) + len(records)} requests, TF Serving reads at most "
                            f"{MAX_WARMUP_RECORDS}; pass fewer --warmup-batch-sizes")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with tf.io.TFRecordWriter(str(tmp)) as writer:
        for raw in existing:
            writer.write(raw)
        for record in records:
            writer.write(record.SerializeToString(deterministic=True))    # map keys sorted
    os.replace(tmp, target)
    log.info("added %d warmup requests to %s", len(records), target)
    return target


def read_warmup_requests(path: Path) -> list:
    """Parse a warmup file back into PredictRequests and ClassificationRequests (as TF Serving's reader does)."""
    requests = []
    for raw in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
        entry = prediction_log_pb2.PredictionLog.FromString(raw)
        kind = entry.WhichOneof("log_type")
        if kind == "predict_log":
            requests.append(entry.predict_log.request)
        elif kind in ("classify_log", "regress_log"):
            requests.append(getattr(entry, kind).request)
        else:
            raise BadInputError(f"{path}: record {len(requests)} is {kind}, expected predict_log or classify_log")
    if len(requests) > MAX_WARMUP_RECORDS:
        raise BadInputError(f"{path}: {len(requests)} records, TF Serving reads at most {MAX_WARMUP_RECORDS}")
    return requests


def request_feeds(request) -> dict[str, np.ndarray]:
    """The signature feeds of a request: its tensors, or for Classify the serialized Examples as `inputs`
    (what TF Serving's classifier feeds the signature's one input)."""
    if isinstance(request, (classification_pb2.ClassificationRequest, regression_pb2.RegressionRequest)):
        examples = [e.SerializeToString() for e in request.input.example_list.examples]
        return {"inputs": np.array(examples, dtype=object)}
    return {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}


def replay_warmup(version_dir: Path, serving_version: str | None = None):
    """Run every warmup request through the C-API-loaded model in a fresh process, as TF Serving does at load."""
    from converter.serving.load_check import run_load_check  # keeps this module importable without a subprocess

    path = Path(version_dir) / WARMUP_RELATIVE_PATH
    if not path.exists():
        raise BadInputError(f"{path} does not exist; convert with --warmup-batch-sizes or pass --inputs")
    requests = read_warmup_requests(path)
    runs = [{"feed_set": i, "signatures": [r.model_spec.signature_name or "serving_default"], "label": f"warmup {i}"}
            for i, r in enumerate(requests)]
    return run_load_check(Path(version_dir), [request_feeds(r) for r in requests], runs, [None] * len(requests),
                          serving_version=serving_version)
