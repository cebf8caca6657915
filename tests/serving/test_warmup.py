"""Warmup file: parsed back with the tensorflow_serving protos and run through the loaded model."""
from __future__ import annotations

import numpy as np
import pytest
from tensorflow_serving.apis import prediction_log_pb2

from converter.errors import BadInputError
from converter.serving.capi import SavedModelSession
from converter.serving.warmup import (MAX_WARMUP_RECORDS, WARMUP_RELATIVE_PATH, read_warmup_requests,
                                      replay_warmup, request_feeds, write_warmup_requests)
from tests.serving.conftest import make_feeds, reference, save_two_input_model


@pytest.fixture(scope="module")
def version_with_warmup(tmp_path_factory):
    version_dir = save_two_input_model(tmp_path_factory.mktemp("warm") / "1", 1)
    write_warmup_requests(version_dir, "toy", "serving_default", [make_feeds(1, 1), make_feeds(8, 8)])
    return version_dir


def test_records_are_prediction_logs_with_the_feeds(version_with_warmup):
    path = version_with_warmup / WARMUP_RELATIVE_PATH
    assert path == version_with_warmup / "assets.extra" / "tf_serving_warmup_requests"
    requests = read_warmup_requests(path)
    assert [r.model_spec.signature_name for r in requests] == ["serving_default"] * 2
    assert [r.model_spec.name for r in requests] == ["toy"] * 2
    for request, batch in zip(requests, (1, 8)):
        feeds = request_feeds(request)
        np.testing.assert_array_equal(feeds["x"], make_feeds(batch, batch)["x"])
        assert feeds["ids"].dtype == np.int64 and feeds["x"].shape == (batch, 4)


def test_each_request_runs_through_the_c_api_loaded_model(version_with_warmup):
    with SavedModelSession(version_with_warmup) as session:
        signature = session.meta_graph.signature_def["serving_default"]
        for request in read_warmup_requests(version_with_warmup / WARMUP_RELATIVE_PATH):
            feeds = request_feeds(request)
            y, = session.run({signature.inputs[k].name: v for k, v in feeds.items()}, [signature.outputs["y"].name])
            np.testing.assert_allclose(y, reference(1, **feeds)["y"], rtol=1e-5, atol=1e-5)


def test_replay_in_a_fresh_process(version_with_warmup):
    report = replay_warmup(version_with_warmup)
    assert report.ok, report.summary()
    assert {o.shape for r in report.signatures.values() for o in r.outputs.values()} == {(1, 3), (1,), (8, 3), (8,)}


def test_record_limit_and_empty_list(tmp_path):
    with pytest.raises(BadInputError, match="at most 1000"):
        write_warmup_requests(tmp_path, "m", "serving_default", [make_feeds(1)] * (MAX_WARMUP_RECORDS + 1))
    with pytest.raises(BadInputError):
        write_warmup_requests(tmp_path, "m", "serving_default", [])


def test_raw_record_decodes_with_prediction_log_proto(version_with_warmup):
    import tensorflow as tf
    raw = next(iter(tf.data.TFRecordDataset(str(version_with_warmup / WARMUP_RELATIVE_PATH))))
    entry = prediction_log_pb2.PredictionLog.FromString(raw.numpy())
    assert entry.WhichOneof("log_type") == "predict_log"
    assert set(entry.predict_log.request.inputs) == {"x", "ids"}
