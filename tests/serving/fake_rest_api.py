"""TEST-ONLY REST API of the stand-in server: /v1/models/NAME[/versions/N|/labels/L][:predict|:classify|/metadata].

Columnar `inputs` only ({"b64": ...} objects become bytes, as TF Serving decodes them); :classify takes
{"examples": [feature dicts]} and answers {"result": [[[label, score], ...], ...]}; string outputs are
JSON strings. Errors as TF Serving sends them: {"error": "..."} with its HTTP status.
"""
from __future__ import annotations

import base64
import json
import re
from http.server import BaseHTTPRequestHandler

import grpc
import numpy as np
from google.protobuf import json_format
from tensorflow_serving.apis import get_model_metadata_pb2, predict_pb2

from tests.serving.fake_servables import (HTTP_BY_CODE, ModelStore, ServingError, metadata_response, run_classify,
                                          run_signature, status_response)

_REST_PATH = re.compile(r"/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>\d+)|/labels/(?P<label>[^/:]+))?"
                        r"(?P<verb>:predict|:classify|/metadata)?$")
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
        is_string = bool(signature and key in signature.inputs and signature.inputs[key].dtype == _DT_STRING)
        dtype = _NUMPY_BY_DTYPE.get(signature.inputs[key].dtype) if signature and key in signature.inputs else None
        try:
            feeds[key] = _strings(value) if is_string else np.asarray(value, dtype=dtype)
        except (ValueError, TypeError, KeyError) as err:
            raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"Failed to process element: {key}: {err}") from None
    outputs = run_signature(session, name, feeds, [])
    listed = {k: _json_value(v) for k, v in outputs.items()}
    return {"outputs": next(iter(listed.values())) if len(listed) == 1 else listed}


_DT_STRING = 7


def _strings(value) -> np.ndarray:
    """JSON strings / {"b64": ...} objects (any nesting) -> an object array of bytes."""
    def decode(item):
        return base64.b64decode(item["b64"]) if isinstance(item, dict) else str(item).encode()

    if isinstance(value, list):
        return np.array([_strings(v) if isinstance(v, list) else decode(v) for v in value], dtype=object)
    return np.array(decode(value), dtype=object)


def _json_value(value: np.ndarray):
    if value.dtype == object:
        return np.vectorize(lambda b: b.decode("utf-8", "replace"), otypes=[object])(value).tolist()
    return value.tolist()


def _example_from_json(features: dict) -> bytes:
    from converter.savedmodel.classify import make_example

    decoded = {}
    for name, value in features.items():
        if isinstance(value, dict) and "b64" in value:
            decoded[name] = base64.b64decode(value["b64"])
        elif isinstance(value, str):
            decoded[name] = value.encode()
        else:
            decoded[name] = np.asarray(value)
    return make_example(decoded)


def rest_classify(store: ModelStore, request: predict_pb2.PredictRequest, body: dict) -> dict:
    if not isinstance(body.get("examples"), list):
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "'examples' key is missing or not a list")
    _, session = store.resolve(request.model_spec)
    result = run_classify(session, body.get("signature_name"), [_example_from_json(e) for e in body["examples"]])
    return {"result": [[[c.label, c.score] for c in r.classes] for r in result.classifications]}


class RestHandler(BaseHTTPRequestHandler):
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
            if not match or (method == "POST") != (match["verb"] in (":predict", ":classify")):
                raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"Malformed request: {method} {self.path}")
            request = _rest_spec(match)
            if match["verb"] in (":predict", ":classify"):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                handler = rest_predict if match["verb"] == ":predict" else rest_classify
                return self._reply(200, handler(self.store, request, body))
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
            self._reply(HTTP_BY_CODE.get(err.code, 500), {"error": err.message})
        except json.JSONDecodeError as err:
            self._reply(400, {"error": f"JSON Parse error: {err}"})

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")
