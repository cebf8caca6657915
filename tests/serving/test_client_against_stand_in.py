"""`torch2serving predict` and converter.serving.client over real sockets against the test-only stand-in.

The stand-in (fake_model_server.py) is NOT TF Serving: it answers from the C-API-loaded model and
mimics TF Serving's validation and error codes. What these tests prove is the client's wire format
(PredictRequest protos, REST columnar JSON) and our files (models.config, warmup), not the server.
"""
from __future__ import annotations

import socket

import grpc
import numpy as np
import pytest
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from converter.serving.client import ServingClientError, Target, make_client
from converter.serving.model_config import ModelPolicy, write_models_config
from converter.serving.warmup import write_warmup_requests
from converter.cli import predict as predict_script
from tests.serving.conftest import make_feeds, reference
from tests.serving.fake_model_server import FakeModelServer


@pytest.fixture(scope="module")
def server(serving_root):
    for version in (1, 2):
        write_warmup_requests(serving_root / "toy" / str(version), "toy", "serving_default",
                              [make_feeds(1), make_feeds(8)])
    config = write_models_config(serving_root, {"toy": ModelPolicy("all", (("stable", 1), ("canary", 2)))})
    with FakeModelServer(config, serving_root, "/models") as running:
        yield running


def _client(server, rest, **target):
    return make_client(Target(server.rest_address if rest else server.grpc_address, "toy", **target), rest=rest)


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
@pytest.mark.parametrize("spec,version", [({}, 2), ({"version": 1}, 1), ({"label": "stable"}, 1),
                                          ({"label": "canary"}, 2)])
def test_predict_matches_numpy(server, rest, spec, version):
    feeds = make_feeds(3, seed=version)
    outputs = _client(server, rest, **spec).predict(feeds)
    expected = reference(version, **feeds)
    assert set(outputs) == {"y", "s"} and outputs["y"].dtype == np.float32
    np.testing.assert_allclose(outputs["y"], expected["y"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(outputs["s"], expected["s"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_single_output_signature(server, rest):
    x = make_feeds(2)["x"]
    outputs = _client(server, rest, signature="row_sum").predict({"x": x})
    np.testing.assert_allclose(outputs["s"], x.astype(np.float64).sum(axis=1), rtol=1e-6)


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_metadata_lists_signatures(server, rest):
    metadata = _client(server, rest, version=1).metadata()
    signatures = metadata["metadata"]["signature_def"]["signature_def"]
    assert {"serving_default", "row_sum"} <= set(signatures)
    dims = [int(d["size"]) for d in signatures["serving_default"]["inputs"]["x"]["tensor_shape"]["dim"]]
    assert dims == [-1, 4] and str(metadata["model_spec"]["version"]) == "1"


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
@pytest.mark.parametrize("target,message", [
    ({"model": "nope"}, "Servable not found for request: Latest(nope)"),
    ({"version": 7}, "Servable not found for request: Specific(toy, 7)"),
    ({"label": "beta"}, "Unrecognized servable version label: beta"),
])
def test_unknown_model_version_label(server, rest, target, message):
    target = dict(target)
    model = target.pop("model", "toy")
    address = server.rest_address if rest else server.grpc_address
    with pytest.raises(ServingClientError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_client(Target(address, model, **target), rest=rest).predict(make_feeds(1), validate=False)


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_unknown_signature_and_bad_shape(server, rest):
    with pytest.raises(ServingClientError, match="signature 'nope' not served"):
        _client(server, rest, signature="nope").predict(make_feeds(1))
    bad = {"x": np.ones((2, 5), np.float32), "ids": np.zeros(2, np.int64)}
    with pytest.raises(ServingClientError, match=r"input 'x' has shape \[2, 5\].*\[-1, 4\]"):
        _client(server, rest).predict(bad)
    server_side = "HTTP 400" if rest else "INVALID_ARGUMENT"  # the session's own shape error
    with pytest.raises(ServingClientError, match=server_side):
        _client(server, rest).predict(bad, validate=False)


def test_raw_grpc_status_codes_match_tf_serving(server):
    """The stand-in's codes, seen by a plain stub: what the client's error messages are built on."""
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(server.grpc_address))
    request = predict_pb2.PredictRequest()
    request.model_spec.name, request.model_spec.signature_name = "toy", "nope"
    with pytest.raises(grpc.RpcError) as err:
        stub.Predict(request, timeout=10)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    request.model_spec.signature_name = "serving_default"
    with pytest.raises(grpc.RpcError) as err:
        stub.Predict(request, timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "Missing but required: {ids,x}" in err.value.details()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("rest", [False, True], ids=["grpc", "rest"])
def test_connection_refused(rest):
    target = Target(f"127.0.0.1:{_closed_port()}", "toy", timeout=5)
    with pytest.raises(ServingClientError, match="cannot reach TF Serving"):
        make_client(target, rest=rest).predict(make_feeds(1), validate=False)


def test_predict_script_saves_npy_and_exit_codes(server, tmp_path, capsys):
    feeds = make_feeds(4, seed=3)
    args = []
    for name, value in feeds.items():
        np.save(tmp_path / f"{name}.npy", value)
        args.append(f"{name}={tmp_path / name}.npy")
    out = tmp_path / "out"
    code = predict_script.main(["--server", server.rest_address, "--rest", "--model", "toy", "--label", "stable",
                                "--inputs", *args, "--output-dir", str(out)])
    assert code == 0
    np.testing.assert_allclose(np.load(out / "y.npy"), reference(1, **feeds)["y"], rtol=1e-5, atol=1e-5)
    assert "output y: float32 [4, 3]" in capsys.readouterr().out
    assert predict_script.main(["--server", server.grpc_address, "--model", "toy", "--metadata"]) == 0
    assert "input  x: DT_FLOAT [-1, 4]" in capsys.readouterr().out
    for address, rest in ((server.grpc_address, []), (server.rest_address, ["--rest"])):
        assert predict_script.main(["--server", address, *rest, "--model", "toy", "--status"]) == 0
        assert capsys.readouterr().out.splitlines() == ["version 1: AVAILABLE", "version 2: AVAILABLE"]
    assert predict_script.main(["--server", server.grpc_address, "--model", "nope", "--inputs", *args]) == 2
    assert capsys.readouterr().err.startswith("error: model 'nope' at")
