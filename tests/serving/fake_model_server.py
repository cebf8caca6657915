"""TEST-ONLY stand-in for tensorflow_model_server (the real binary cannot run on this machine).

Speaks TF Serving's gRPC PredictionService (Predict, GetModelMetadata) and ModelService
(GetModelStatus) and the REST paths (/v1/models/NAME[/versions/N|/labels/L][:predict|/metadata])
on 127.0.0.1 with ephemeral ports. Models come from a models.config (version policy and labels
applied), each version is loaded with TF's C API loader (TF_LoadSessionFromSavedModel, tags
"serve") and its warmup file is replayed, as the server does. Errors follow TF Serving's codes and
messages (servables/tensorflow/predict_util.cc, model_servers/server_core.cc). It is a test
double: no batching, no model reloading, no Classify/Regress, REST only in the columnar format.
"""
from __future__ import annotations

import json
import re
import threading
from concurrent import futures
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from tensorflow_serving.apis import (get_model_metadata_pb2, get_model_status_pb2, model_service_pb2_grpc,
                                     predict_pb2, prediction_service_pb2_grpc)

from converter.serving.capi import SavedModelSession, TFStatusError
from converter.serving.model_config import ModelPolicy, read_models_config, version_dirs
from converter.serving.warmup import WARMUP_RELATIVE_PATH, read_warmup_requests, request_feeds

_HTTP_BY_CODE = {grpc.StatusCode.INVALID_ARGUMENT: 400, grpc.StatusCode.FAILED_PRECONDITION: 400,
                 grpc.StatusCode.NOT_FOUND: 404, grpc.StatusCode.UNIMPLEMENTED: 501,
                 grpc.StatusCode.OUT_OF_RANGE: 400, grpc.StatusCode.UNAVAILABLE: 503}
_GRPC_BY_TF_CODE = {c.value[0]: c for c in grpc.StatusCode}  # TF and gRPC share the numeric codes


class ServingError(Exception):
    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class LoadedModel:
    name: str
    sessions: dict[int, SavedModelSession] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)


def _served_versions(on_disk: list[int], policy: ModelPolicy) -> list[int]:
    kind, numbers = policy.parse_policy()
    if kind == "latest":
        return on_disk[-numbers[0]:]
    return on_disk if kind == "all" else [v for v in on_disk if v in numbers]


class ModelStore:
    """Loads every served version named by models.config; resolves model specs like ServerCore."""

    def __init__(self, config_path: Path, local_root: Path, path_prefix: str = "/models"):
        self.models: dict[str, LoadedModel] = {}
        for entry in read_models_config(config_path).model_config_list.config:
            base = Path(entry.base_path.replace(path_prefix.rstrip("/"), str(local_root), 1))
            model = self.models[entry.name] = LoadedModel(entry.name, labels=dict(entry.version_labels))
            for version in _served_versions(version_dirs(base), ModelPolicy.from_proto(entry)):
                model.sessions[version] = self._load(base / str(version))

    @staticmethod
    def _load(version_dir: Path) -> SavedModelSession:
        session = SavedModelSession(version_dir, intra_op_threads=1)
        warmup = version_dir / WARMUP_RELATIVE_PATH
        if warmup.exists():  # TF Serving replays these before marking the version AVAILABLE
            for request in read_warmup_requests(warmup):
                run_signature(session, request.model_spec.signature_name, request_feeds(request), [])
        return session

    def resolve(self, spec) -> tuple[int, SavedModelSession]:
        model = self.models.get(spec.name)
        which = spec.WhichOneof("version_choice")
        if which == "version_label":
            if model is None or spec.version_label not in model.labels:
                raise ServingError(grpc.StatusCode.INVALID_ARGUMENT,
                                   f"Unrecognized servable version label: {spec.version_label}")
            version = model.labels[spec.version_label]
        else:
            version = spec.version.value if which == "version" else None
        if model is None or not model.sessions or (version is not None and version not in model.sessions):
            request = f"Specific({spec.name}, {version})" if version is not None else f"Latest({spec.name})"
            raise ServingError(grpc.StatusCode.NOT_FOUND, f"Servable not found for request: {request}")
        version = max(model.sessions) if version is None else version
        return version, model.sessions[version]

    def close(self):
        for model in self.models.values():
            for session in model.sessions.values():
                session.close()


def run_signature(session: SavedModelSession, signature_name: str, feeds: dict[str, np.ndarray],
                  output_filter: list[str]) -> dict[str, np.ndarray]:
    """RunPredict from predict_util.cc: the same checks, order and messages."""
    signature_name = signature_name or "serving_default"
    signatures = session.meta_graph.signature_def
    if signature_name not in signatures:
        raise ServingError(grpc.StatusCode.FAILED_PRECONDITION, f'Serving signature key "{signature_name}" not found.')
    signature = signatures[signature_name]
    if set(feeds) != set(signature.inputs):
        sent, wanted = sorted(feeds), sorted(signature.inputs)
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT,
                           f"input size does not match signature: {len(sent)}!={len(wanted)} len({{{','.join(sent)}}})"
                           f" != len({{{','.join(wanted)}}}). Sent extra: {{{','.join(sorted(set(sent) - set(wanted)))}}}."
                           f" Missing but required: {{{','.join(sorted(set(wanted) - set(sent)))}}}.")
    for alias in output_filter:
        if alias not in signature.outputs:
            raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"output tensor alias not found in signature: "
                               f"{alias} Outputs expected to be in the set {{{','.join(sorted(signature.outputs))}}}.")
    keys = list(output_filter) or sorted(signature.outputs)
    try:
        values = session.run({signature.inputs[k].name: v for k, v in feeds.items()},
                             [signature.outputs[k].name for k in keys])
    except TFStatusError as err:
        raise ServingError(_GRPC_BY_TF_CODE.get(err.code, grpc.StatusCode.UNKNOWN), str(err)) from None
    return dict(zip(keys, values))


class _PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, store: ModelStore):
        self.store = store

    def Predict(self, request, context):
        try:
            version, session = self.store.resolve(request.model_spec)
            feeds = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
            outputs = run_signature(session, request.model_spec.signature_name, feeds, list(request.output_filter))
        except ServingError as err:
            context.abort(err.code, err.message)
        response = predict_pb2.PredictResponse()
        response.model_spec.name = request.model_spec.name
        response.model_spec.version.value = version
        response.model_spec.signature_name = request.model_spec.signature_name or "serving_default"
        for key, value in outputs.items():
            response.outputs[key].CopyFrom(tf.make_tensor_proto(value))
        return response

    def GetModelMetadata(self, request, context):
        try:
            return metadata_response(self.store, request)
        except ServingError as err:
            context.abort(err.code, err.message)


def metadata_response(store: ModelStore, request) -> get_model_metadata_pb2.GetModelMetadataResponse:
    for field_name in request.metadata_field:
        if field_name != "signature_def":
            raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"Metadata field {field_name} is not supported")
    if not request.metadata_field:
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "GetModelMetadataRequest must specify at least one metadata_field")
    version, session = store.resolve(request.model_spec)
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.name = request.model_spec.name
    response.model_spec.version.value = version
    signatures = get_model_metadata_pb2.SignatureDefMap()
    for key, value in session.meta_graph.signature_def.items():
        signatures.signature_def[key].CopyFrom(value)
    response.metadata["signature_def"].Pack(signatures)
    return response


class _ModelService(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, store: ModelStore):
        self.store = store

    def GetModelStatus(self, request, context):
        try:
            return status_response(self.store, request.model_spec)
        except ServingError as err:
            context.abort(err.code, err.message)


def status_response(store: ModelStore, spec) -> get_model_status_pb2.GetModelStatusResponse:
    model = store.models.get(spec.name)
    if model is None:
        raise ServingError(grpc.StatusCode.NOT_FOUND, f"Could not find any versions of model {spec.name}")
    versions = sorted(model.sessions)
    if spec.WhichOneof("version_choice"):
        versions = [store.resolve(spec)[0]]
    response = get_model_status_pb2.GetModelStatusResponse()
    for version in versions:
        entry = response.model_version_status.add(version=version)
        entry.state = get_model_status_pb2.ModelVersionStatus.AVAILABLE
    return response


_REST_PATH = re.compile(r"/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>\d+)|/labels/(?P<label>[^/:]+))?"
                        r"(?P<verb>:predict|/metadata)?$")
_NUMPY_BY_DTYPE = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 6: np.int8, 9: np.int64, 10: np.bool_,
                   19: np.float16}


def _rest_spec(match) -> predict_pb2.PredictRequest:
    request = predict_pb2.PredictRequest()
    request.model_spec.name = match["name"]
    if match["version"]:
        request.model_spec.version.value = int(match["version"])
    elif match["label"]:
        request.model_spec.version_label = match["label"]
    return request


def rest_predict(store: ModelStore, request: predict_pb2.PredictRequest, body: dict) -> dict:
    if "instances" in body:
        raise ServingError(grpc.StatusCode.UNIMPLEMENTED, "the test stand-in supports only the columnar 'inputs' format")
    if "inputs" not in body:
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "Missing 'inputs' or 'instances' key")
    _, session = store.resolve(request.model_spec)
    name = body.get("signature_name") or "serving_default"
    signature = session.meta_graph.signature_def.get(name)
    inputs = body["inputs"] if isinstance(body["inputs"], dict) else {}
    feeds = {}
    for key, value in inputs.items():
        dtype = _NUMPY_BY_DTYPE.get(signature.inputs[key].dtype) if signature and key in signature.inputs else None
        try:
            feeds[key] = np.asarray(value, dtype=dtype)
        except (ValueError, TypeError) as err:
            raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"Failed to process element: {key}: {err}") from None
    outputs = run_signature(session, name, feeds, [])
    listed = {k: v.tolist() for k, v in outputs.items()}
    return {"outputs": next(iter(listed.values())) if len(listed) == 1 else listed}


class _RestHandler(BaseHTTPRequestHandler):
    store: ModelStore  # set on a per-server subclass

    def log_message(self, *args):  # keep test output quiet
        pass

    def _reply(self, status: int, payload: dict):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str):
        match = _REST_PATH.match(self.path)
        try:
            if not match or (method == "POST") != (match["verb"] == ":predict"):
                raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"Malformed request: {method} {self.path}")
            request = _rest_spec(match)
            if match["verb"] == ":predict":
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                return self._reply(200, rest_predict(self.store, request, body))
            if match["verb"] == "/metadata":
                meta = get_model_metadata_pb2.GetModelMetadataRequest(model_spec=request.model_spec,
                                                                      metadata_field=["signature_def"])
                response = metadata_response(self.store, meta)
                signatures = get_model_metadata_pb2.SignatureDefMap()
                response.metadata["signature_def"].Unpack(signatures)
                return self._reply(200, {
                    "model_spec": json_format.MessageToDict(response.model_spec, preserving_proto_field_name=True),
                    "metadata": {"signature_def": json_format.MessageToDict(signatures, preserving_proto_field_name=True)}})
            status = status_response(self.store, request.model_spec)
            return self._reply(200, json_format.MessageToDict(status, preserving_proto_field_name=True))
        except ServingError as err:
            self._reply(_HTTP_BY_CODE.get(err.code, 500), {"error": err.message})
        except json.JSONDecodeError as err:
            self._reply(400, {"error": f"JSON Parse error: {err}"})

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


class FakeModelServer:
    """Serve models.config's models on 127.0.0.1 ephemeral ports: use as a context manager."""

    def __init__(self, config_path: Path, local_root: Path, path_prefix: str = "/models"):
        self.store = ModelStore(Path(config_path), Path(local_root), path_prefix)
        self.grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(_PredictionService(self.store),
                                                                             self.grpc_server)
        model_service_pb2_grpc.add_ModelServiceServicer_to_server(_ModelService(self.store), self.grpc_server)
        self.grpc_port = self.grpc_server.add_insecure_port("127.0.0.1:0")
        handler = type("BoundRestHandler", (_RestHandler,), {"store": self.store})
        self.http_server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.rest_port = self.http_server.server_address[1]
        self._http_thread = threading.Thread(target=self.http_server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeModelServer":
        self.grpc_server.start()
        self._http_thread.start()
        return self

    def __exit__(self, *exc):
        self.grpc_server.stop(grace=None)
        self.http_server.shutdown()
        self.http_server.server_close()
        self.store.close()

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def rest_address(self) -> str:
        return f"127.0.0.1:{self.rest_port}"
