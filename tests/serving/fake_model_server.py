"""TEST-ONLY stand-in for tensorflow_model_server (the real binary cannot run on this machine).

Speaks TF Serving's gRPC PredictionService (Predict, GetModelMetadata) and ModelService
(GetModelStatus) and the REST paths (/v1/models/NAME[/versions/N|/labels/L][:predict|/metadata])
on 127.0.0.1 with ephemeral ports. Models come from a models.config (version policy and labels
applied), each version is loaded with TF's C API loader (TF_LoadSessionFromSavedModel, tags
"serve") and its warmup file is replayed, as the server does. Errors follow TF Serving's codes and
messages (servables/tensorflow/predict_util.cc, model_servers/server_core.cc). It is a test
double: no batching, no model reloading, no Regress; Classify as classifier.cc runs it; REST in the columnar
format (with {"b64": ...} strings) and :classify.
"""
from __future__ import annotations

import threading
from concurrent import futures
from http.server import ThreadingHTTPServer
from pathlib import Path

import grpc
import tensorflow as tf
from tensorflow_serving.apis import (classification_pb2, model_service_pb2_grpc, predict_pb2,
                                     prediction_service_pb2_grpc)

from tests.serving.fake_rest_api import RestHandler
from tests.serving.fake_servables import (ModelStore, ServingError, metadata_response, run_classify, run_signature,
                                          status_response)


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

    def Classify(self, request, context):
        try:
            version, session = self.store.resolve(request.model_spec)
            examples = [e.SerializeToString() for e in request.input.example_list.examples]
            result = run_classify(session, request.model_spec.signature_name, examples)
        except ServingError as err:
            context.abort(err.code, err.message)
        response = classification_pb2.ClassificationResponse(result=result)
        response.model_spec.name = request.model_spec.name
        response.model_spec.version.value = version
        response.model_spec.signature_name = request.model_spec.signature_name or "serving_default"
        return response

    def GetModelMetadata(self, request, context):
        try:
            return metadata_response(self.store, request)
        except ServingError as err:
            context.abort(err.code, err.message)


class _ModelService(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, store: ModelStore):
        self.store = store

    def GetModelStatus(self, request, context):
        try:
            return status_response(self.store, request.model_spec)
        except ServingError as err:
            context.abort(err.code, err.message)


class FakeModelServer:
    """Serve models.config's models on 127.0.0.1 ephemeral ports: use as a context manager."""

    def __init__(self, config_path: Path, local_root: Path, path_prefix: str = "/models"):
        self.store = ModelStore(Path(config_path), Path(local_root), path_prefix)
        self.grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(_PredictionService(self.store),
                                                                             self.grpc_server)
        model_service_pb2_grpc.add_ModelServiceServicer_to_server(_ModelService(self.store), self.grpc_server)
        self.grpc_port = self.grpc_server.add_insecure_port("127.0.0.1:0")
        handler = type("BoundRestHandler", (RestHandler,), {"store": self.store})
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
