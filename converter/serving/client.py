"""A TF Serving client: Predict, Classify and GetModelMetadata over gRPC (port 8500) or REST (port 8501).

Encoded images (the predict_image_bytes signature) travel as DT_STRING tensors over gRPC and as
{"b64": ...} objects over REST; Classify sends tf.Examples (REST: feature dicts, bytes as {"b64": ...}).

Every failure becomes a ServingClientError (exit code 2) with one line: what the server or the
network said and what to check.
"""
from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

import grpc
import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from tensorflow_serving.apis import (get_model_metadata_pb2, model_service_pb2_grpc,
                                     get_model_status_pb2, prediction_service_pb2_grpc)

from converter.errors import BadInputError
from converter.serving.warmup import build_classification_request, build_predict_request

log = logging.getLogger(__name__)

# DataType enum name (as REST metadata spells it) -> numpy dtype for decoding JSON outputs.
_DTYPE_BY_NAME = {"DT_FLOAT": np.float32, "DT_DOUBLE": np.float64, "DT_HALF": np.float16, "DT_INT32": np.int32,
                  "DT_INT64": np.int64, "DT_INT8": np.int8, "DT_UINT8": np.uint8, "DT_INT16": np.int16,
                  "DT_BOOL": np.bool_}


class ServingClientError(BadInputError):
    """The request failed: connection refused, unknown model/version/label/signature, bad shape..."""


@dataclass(frozen=True)
class Target:
    server: str                  # host:port
    model: str
    signature: str = "serving_default"
    version: int | None = None
    label: str | None = None
    timeout: float = 30.0

    def __post_init__(self):
        if self.version is not None and self.label is not None:
            raise BadInputError("pass --version or --label, not both")

    def describe(self) -> str:
        which = f" version {self.version}" if self.version is not None else (f" label {self.label}" if self.label else "")
        return f"model {self.model!r}{which} at {self.server}"


def _grpc_error(err: grpc.RpcError, target: Target) -> ServingClientError:
    code, details = err.code(), (err.details() or "").replace("\n", " ")
    if code == grpc.StatusCode.UNAVAILABLE:
        return ServingClientError(f"cannot reach TF Serving gRPC at {target.server} ({details}); is the server "
                                  "running and is this its --port (default 8500)?")
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return ServingClientError(f"{target.describe()}: no answer within {target.timeout}s")
    return ServingClientError(f"{target.describe()}: server said {code.name}: {details}")


class GrpcClient:
    def __init__(self, target: Target):
        self.target = target
        self._metadata: dict | None = None
        self.channel = grpc.insecure_channel(target.server, options=[("grpc.max_receive_message_length", -1),
                                                                     ("grpc.max_send_message_length", -1)])

    def predict(self, inputs: dict[str, np.ndarray], validate: bool = True) -> dict[str, np.ndarray]:
        t = self.target
        if validate:
            check_inputs(signature_from_metadata(self.metadata(), t.signature), t.signature, inputs)
        request = build_predict_request(t.model, t.signature, inputs, t.version, t.label)
        try:
            response = prediction_service_pb2_grpc.PredictionServiceStub(self.channel).Predict(request, timeout=t.timeout)
        except grpc.RpcError as err:
            raise _grpc_error(err, t) from None
        return {key: tf.make_ndarray(proto) for key, proto in response.outputs.items()}

    def classify(self, examples: list[dict]) -> list[list[tuple[str, float]]]:
        """Classify API: one feature dict per example (bytes -> bytes feature, arrays -> float/int64
        features); returns [(label, score), ...] per example, best first."""
        from converter.savedmodel.classify import make_example

        t = self.target
        request = build_classification_request(t.model, t.signature, [make_example(e) for e in examples])
        if t.version is not None:
            request.model_spec.version.value = int(t.version)
        elif t.label is not None:
            request.model_spec.version_label = t.label
        try:
            response = prediction_service_pb2_grpc.PredictionServiceStub(self.channel).Classify(request, timeout=t.timeout)
        except grpc.RpcError as err:
            raise _grpc_error(err, t) from None
        return [[(c.label, c.score) for c in result.classes] for result in response.result.classifications]

    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = self._fetch_metadata()
        return self._metadata

    def _fetch_metadata(self) -> dict:
        t = self.target
        request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        request.model_spec.name = t.model
        if t.version is not None:
            request.model_spec.version.value = t.version
        elif t.label:
            request.model_spec.version_label = t.label
        try:
            response = prediction_service_pb2_grpc.PredictionServiceStub(self.channel).GetModelMetadata(
                request, timeout=t.timeout)
        except grpc.RpcError as err:
            raise _grpc_error(err, t) from None
        signatures = get_model_metadata_pb2.SignatureDefMap()
        response.metadata["signature_def"].Unpack(signatures)
        return {"model_spec": json_format.MessageToDict(response.model_spec, preserving_proto_field_name=True),
                "metadata": {"signature_def": json_format.MessageToDict(signatures, preserving_proto_field_name=True)}}

    def status(self) -> dict:
        request = get_model_status_pb2.GetModelStatusRequest()
        request.model_spec.name = self.target.model
        try:
            response = model_service_pb2_grpc.ModelServiceStub(self.channel).GetModelStatus(
                request, timeout=self.target.timeout)
        except grpc.RpcError as err:
            raise _grpc_error(err, self.target) from None
        return json_format.MessageToDict(response, preserving_proto_field_name=True)

    def close(self):
        self.channel.close()


class RestClient:
    def __init__(self, target: Target):
        self.target = target
        self._metadata: dict | None = None

    def _url(self, suffix: str = "") -> str:
        t = self.target
        path = f"http://{t.server}/v1/models/{t.model}"
        if t.version is not None:
            path += f"/versions/{t.version}"
        elif t.label:
            path += f"/labels/{t.label}"
        return path + suffix

    def _call(self, url: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.target.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            try:
                message = json.loads(err.read()).get("error", "")
            except ValueError:
                message = err.reason
            raise ServingClientError(f"{self.target.describe()}: HTTP {err.code}: {message}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
            reason = getattr(err, "reason", err)
            raise ServingClientError(f"cannot reach TF Serving REST at {self.target.server} ({reason}); is the "
                                     "server running and is this its --rest_api_port (default 8501)?") from None

    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = self._call(self._url("/metadata"))
        return self._metadata

    def status(self) -> dict:
        return self._call(self._url())

    def predict(self, inputs: dict[str, np.ndarray], validate: bool = True) -> dict[str, np.ndarray]:
        signature = signature_from_metadata(self.metadata(), self.target.signature)
        if validate:
            check_inputs(signature, self.target.signature, inputs)
        body = {"signature_name": self.target.signature,
                "inputs": {name: rest_value(value) for name, value in inputs.items()}}
        outputs = self._call(self._url(":predict"), body)["outputs"]
        specs = signature.get("outputs", {})
        if not isinstance(outputs, dict):  # TF Serving drops the key when the signature has one output
            outputs = {next(iter(specs), "outputs"): outputs}
        return {key: _rest_output(value, specs.get(key, {}).get("dtype")) for key, value in outputs.items()}

    def classify(self, examples: list[dict]) -> list[list[tuple[str, float]]]:
        """REST :classify with {"examples": [feature dicts]}; returns [(label, score), ...] per example."""
        body = {"signature_name": self.target.signature,
                "examples": [{k: rest_value(v) for k, v in e.items()} for e in examples]}
        results = self._call(self._url(":classify"), body)["result"]
        return [[(str(label), float(score)) for label, score in row] for row in results]

    def close(self):
        pass


def rest_value(value):
    """JSON for TF Serving's REST API: bytes (encoded images) as {"b64": ...}, arrays as nested lists."""
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    array = np.asarray(value)
    if array.dtype.kind in "OS":
        return rest_value(bytes(array.item())) if array.ndim == 0 else [rest_value(v) for v in array]
    return array.tolist()


def _rest_output(value, dtype_name: str | None) -> np.ndarray:
    if dtype_name == "DT_STRING":          # labels come back as JSON strings; bytes like over gRPC
        return np.vectorize(lambda v: base64.b64decode(v["b64"]) if isinstance(v, dict) else str(v).encode(),
                            otypes=[object])(np.asarray(value, dtype=object))
    return np.asarray(value, dtype=_DTYPE_BY_NAME.get(dtype_name))


def image_feeds(paths: list, key: str = "image_bytes") -> dict[str, np.ndarray]:
    """Image files as the predict_image_bytes signature's input: a [N] array of the encoded bytes."""
    from pathlib import Path

    values = []
    for path in paths:
        try:
            values.append(Path(path).read_bytes())
        except OSError as error:
            raise BadInputError(f"--images {path}: cannot read it ({error.strerror})") from None
    return {key: np.array(values, dtype=object)}


def signature_from_metadata(metadata: dict, signature: str) -> dict:
    signatures = metadata.get("metadata", {}).get("signature_def", {}).get("signature_def", {})
    if signature not in signatures:
        raise ServingClientError(f"signature {signature!r} not served; the model has {sorted(signatures)}")
    return signatures[signature]


def check_inputs(signature: dict, signature_name: str, inputs: dict[str, np.ndarray]) -> None:
    """Refuse locally what TF Serving would refuse: unknown/missing inputs and shapes off the signature."""
    specs = signature.get("inputs", {})
    if set(inputs) != set(specs):
        raise ServingClientError(f"signature {signature_name!r} takes inputs {sorted(specs)}, got {sorted(inputs)}")
    for name, value in inputs.items():
        shape_proto = specs[name].get("tensor_shape", {})
        if shape_proto.get("unknown_rank"):
            continue
        wanted = [int(d.get("size", 0)) for d in shape_proto.get("dim", [])]
        shape = list(np.shape(value))
        if len(shape) != len(wanted) or any(w not in (-1, s) for w, s in zip(wanted, shape)):
            raise ServingClientError(f"input {name!r} has shape {shape}, signature {signature_name!r} wants "
                                     f"{wanted} (-1 = any size)")


def describe_signatures(metadata: dict) -> str:
    """Human-readable lines: one per signature input/output with dtype and shape (-1 = any)."""
    lines = []
    spec = metadata.get("model_spec", {})
    lines.append(f"model {spec.get('name')} version {spec.get('version')}")
    signatures = metadata.get("metadata", {}).get("signature_def", {}).get("signature_def", {})
    for name, sig in sorted(signatures.items()):
        lines.append(f"signature {name} ({sig.get('method_name', '')})")
        for kind in ("inputs", "outputs"):
            for key, info in sorted(sig.get(kind, {}).items()):
                dims = [int(d.get("size", 0)) for d in info.get("tensor_shape", {}).get("dim", [])]
                lines.append(f"  {kind[:-1]:6} {key}: {info.get('dtype')} {dims} ({info.get('name')})")
    return "\n".join(lines)


def make_client(target: Target, rest: bool = False):
    return RestClient(target) if rest else GrpcClient(target)
