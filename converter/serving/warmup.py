"""assets.extra/tf_serving_warmup_requests: PredictRequests TF Serving replays before serving a version.

The file is a TFRecord of PredictionLog records (TF Serving reads at most 1,000). Without it, the
first real requests pay for graph optimisation and kernel selection.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

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
            writer.write(record.SerializeToString())
    os.replace(tmp, target)
    log.info("wrote %d warmup requests to %s", len(feeds_by_batch), target)
    return target


def read_warmup_requests(path: Path) -> list[predict_pb2.PredictRequest]:
    """Parse a warmup file back into PredictRequests (the way TF Serving's warmup reader does)."""
    requests = []
    for raw in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
        entry = prediction_log_pb2.PredictionLog.FromString(raw)
        if entry.WhichOneof("log_type") != "predict_log":
            raise BadInputError(f"{path}: record {len(requests)} is {entry.WhichOneof('log_type')}, expected predict_log")
        requests.append(entry.predict_log.request)
    if len(requests) > MAX_WARMUP_RECORDS:
        raise BadInputError(f"{path}: {len(requests)} records, TF Serving reads at most {MAX_WARMUP_RECORDS}")
    return requests


def request_feeds(request: predict_pb2.PredictRequest) -> dict[str, np.ndarray]:
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
